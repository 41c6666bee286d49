// Reads of a customer's live state: the whole of it for the store's backend, a visitor's own view
// (profile, cart) for the browser, and the privacy operations (export, delete).
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import { secretKeyAuth, writeKeyAuth, type WorkspaceEnv } from "../auth.ts";
import type { Context } from "hono";
import { customerStub } from "../customer/routing.ts";
import { profileKeysForId } from "../identity/profile-keys.ts";
import { notFound } from "../errors.ts";
import { pathParams, queryParams } from "../validation.ts";
import { customerPath, visitorProfileKey, visitorQuery } from "../visitor.ts";

/** The object holding the customer the store calls `id`, with its state; 404 when there is none. */
async function findCustomer(c: Context<WorkspaceEnv>, id: string) {
  for (const profileKey of profileKeysForId(id)) {
    const stub = customerStub(c.env, c.var.workspace.id, profileKey);
    const state = await stub.getState();
    if (state) return { stub, state };
  }
  throw notFound(`no customer ${id} in this workspace`);
}

export const customerRoutes = new Hono<WorkspaceEnv>()
  /** The whole live state of a customer. */
  .get("/customers/:id", doc("Customers", "secret key", "A customer's whole live state"), secretKeyAuth, pathParams(customerPath), async (c) => {
    return c.json((await findCustomer(c, c.req.valid("param").id)).state);
  })
  /** Everything Seam keeps about a customer, as a download (GDPR/CCPA access requests). */
  .get("/customers/:id/export", doc("Customers", "secret key", "Everything kept about a customer, as a download"), secretKeyAuth, pathParams(customerPath), async (c) => {
    const { stub, state } = await findCustomer(c, c.req.valid("param").id);
    c.header("content-disposition", `attachment; filename="seam-customer-export.json"`);
    // Messages sent to the customer and those still planned are kept about them too.
    return c.json({ exported_at: new Date().toISOString(), customer: state, messaging: await stub.getMessagingState() });
  })
  /**
   * Deletes a customer: its state, the visitor profiles merged into it (their forwarding
   * pointers), and its identity-directory entries. Idempotent; a later event starts afresh.
   */
  .delete("/customers/:id", doc("Customers", "secret key", "Delete a customer, the devices merged into it and its directory entries"), secretKeyAuth, pathParams(customerPath), async (c) => {
    let deleted = false;
    for (const profileKey of profileKeysForId(c.req.valid("param").id))
      deleted = (await customerStub(c.env, c.var.workspace.id, profileKey).deleteCustomer()) || deleted;
    return c.json({ deleted });
  })
  /** What a visitor may see of itself: cart, recently viewed, consent. A new visitor gets an empty profile. */
  .get("/profile", doc("Visitor", "write key", "What the visitor may see of itself: cart, recently viewed, consent"), writeKeyAuth, queryParams(visitorQuery), async (c) => {
    const query = c.req.valid("query");
    const profileKey = await visitorProfileKey(c, query);
    const profile = await customerStub(c.env, c.var.workspace.id, profileKey).getVisitorProfile();
    return c.json({ anonymousId: query.anonymousId ?? null, userId: query.userId ?? null, ...profile });
  })
  /** The cart for restore on any device, with where each line came from. */
  .get("/cart", doc("Visitor", "write key", "The cart for restore on any device"), writeKeyAuth, queryParams(visitorQuery), async (c) => {
    const query = c.req.valid("query");
    const profileKey = await visitorProfileKey(c, query);
    const cart = await customerStub(c.env, c.var.workspace.id, profileKey).getCart(query.anonymousId ?? null);
    return c.json(cart);
  });
