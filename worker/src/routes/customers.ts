// Reads of a customer's live state: the whole of it for the store's backend, a visitor's own view for the browser.
import { Hono } from "hono";
import * as z from "zod/mini";
import { secretKeyAuth, writeKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { customerStub } from "../customer/routing.ts";
import { notFound } from "../errors.ts";
import { queryParams } from "../validation.ts";

const visitorQuery = z.object({
  anonymousId: z.string().check(z.minLength(1), z.maxLength(256)),
  writeKey: z.optional(z.string()),
});

export const customerRoutes = new Hono<WorkspaceEnv>()
  /** The whole live state of a customer. `:id` is the userId or anonymousId as the store sent it. */
  .get("/customers/:id", secretKeyAuth, async (c) => {
    const id = c.req.param("id");
    const workspace = c.var.workspace;
    for (const profileKey of [`u:${id}`, `a:${id}`]) {
      const state = await customerStub(c.env, workspace.id, profileKey).getState();
      if (state) return c.json(state);
    }
    throw notFound(`no customer ${id} in this workspace`);
  })
  /** What a visitor may see of itself: cart, recently viewed, consent. A new visitor gets an empty profile. */
  .get(
    "/profile",
    writeKeyAuth,
    queryParams(visitorQuery),
    async (c) => {
      const { anonymousId } = c.req.valid("query");
      const profile = await customerStub(c.env, c.var.workspace.id, `a:${anonymousId}`).getVisitorProfile();
      return c.json({ anonymousId, ...profile });
    },
  );
