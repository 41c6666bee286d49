// Reads of a customer's live state: the whole of it for the store's backend, a visitor's own view
// (profile, cart) for the browser, and the privacy operations (export, delete).
import { Hono } from "hono";
import * as z from "zod/mini";
import { doc } from "../openapi.ts";
import { secretKeyAuth, writeKeyAuth, type WorkspaceEnv } from "../auth.ts";
import type { Context } from "hono";
import type { Env } from "../env.ts";
import { customerStub } from "../customer/routing.ts";
import { anonymousProfileKey, customerIdOf, profileKeysForId, userProfileKey } from "../identity/profile-keys.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import { badRequest, notFound } from "../errors.ts";
import { decodeCursor, PAGE_DEFAULT, pageOf, pageQueryShape } from "../page-cursor.ts";
import { MAX_ID_LENGTH } from "../schemas.ts";
import { segmentIdSchema } from "../segments/rules.ts";
import { directoryOwner } from "../stores/identity-directory.ts";
import { workspaceSegments } from "../stores/segment-definitions.ts";
import { customerPage, indexedCustomers, membersAmong, segmentMembers } from "../stores/segment-index.ts";
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

const customerListQuery = z.object({
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH))),
  segment: z.optional(segmentIdSchema),
  ...pageQueryShape,
});

type Match = "user_id" | "anonymous_id" | "email" | "phone";

/**
 * The customers `q` names exactly: a userId or anonymousId the customer index lists, and the owner
 * of the email or phone in the identity directory (looked up by its hash, as ingest does). Never
 * wakes a customer object.
 */
async function customersNamedBy(env: Env, workspaceId: string, q: string): Promise<Map<string, Match[]>> {
  const found = new Map<string, Match[]>();
  const add = (profileKey: string, match: Match) => found.set(profileKey, [...(found.get(profileKey) ?? []), match]);
  const byId: [string, Match][] = [[userProfileKey(q), "user_id"], [anonymousProfileKey(q), "anonymous_id"]];
  const indexed = await indexedCustomers(env, workspaceId, byId.map(([key]) => key));
  for (const [key, match] of byId) if (indexed.has(key)) add(key, match);
  const email = normalizeEmail(q);
  const phone = email ? undefined : normalizePhone(q);
  const owner = email ? await directoryOwner(env.DB, workspaceId, "email", email) : phone ? await directoryOwner(env.DB, workspaceId, "phone", phone) : null;
  if (owner) add(owner, email ? "email" : "phone");
  return found;
}

export const customerRoutes = new Hono<WorkspaceEnv>()
  /**
   * Finds customers by userId, email or phone (`q`, exact), lists a segment's (`segment`), or
   * every customer of the workspace; pages with `limit` and `cursor` (a search answers in one page).
   */
  .get("/customers", doc("Customers", "secret key", "Find customers by userId, email or phone, or list a segment's customers"), secretKeyAuth, queryParams(customerListQuery), async (c) => {
    const { q, segment, limit, cursor } = c.req.valid("query");
    const ws = c.var.workspace.id;
    if (segment !== undefined && !(await workspaceSegments(c.env.DB, ws)).some((d) => d.id === segment)) throw notFound(`no segment ${segment} in this workspace`);
    if (q !== undefined) {
      const found = await customersNamedBy(c.env, ws, q);
      const members = segment === undefined ? null : await membersAmong(c.env, ws, segment, [...found.keys()]);
      const customers = [...found]
        .filter(([key]) => members === null || members.has(key))
        .map(([key, matched]) => ({ customer_id: customerIdOf(key), profile_key: key, matched, ...(members ? { since: new Date(members.get(key)!).toISOString() } : {}) }));
      return c.json({ customers, next_cursor: null });
    }
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (cursor !== undefined && after === null) throw badRequest("invalid_cursor", "the cursor is not one this API gave out");
    const n = limit ? Number(limit) : PAGE_DEFAULT;
    if (segment !== undefined) {
      const page = pageOf(await segmentMembers(c.env, ws, segment, after, n + 1), n, (r) => r.profile_key);
      const customers = page.rows.map((r) => ({ customer_id: customerIdOf(r.profile_key), profile_key: r.profile_key, since: new Date(r.since).toISOString() }));
      return c.json({ customers, next_cursor: page.next_cursor });
    }
    const page = pageOf(await customerPage(c.env, ws, after, n + 1), n, (r) => r.profile_key);
    const customers = page.rows.map((r) => ({ customer_id: customerIdOf(r.profile_key), profile_key: r.profile_key, first_seen: new Date(r.seen_at).toISOString() }));
    return c.json({ customers, next_cursor: page.next_cursor });
  })
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
