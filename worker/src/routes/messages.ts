// Messages for the store's backend (secret key): the local outbox, a customer's messages and schedule, delivery receipts.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import * as z from "zod/mini";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { customerStub } from "../customer/routing.ts";
import { profileKeysForId } from "../identity/profile-keys.ts";
import { notFound } from "../errors.ts";
import { deliveryOwner, listOutbox, OUTBOX_PAGE_DEFAULT, OUTBOX_PAGE_MAX } from "../stores/deliveries.ts";
import { MAX_ID_LENGTH } from "../schemas.ts";
import { MESSAGE_CHANNELS, TRIGGER_ID_PATTERN } from "../triggers/definitions.ts";
import { jsonBody, pathParams, queryParams } from "../validation.ts";
import { customerPath } from "../visitor.ts";

/** Receipts per request: a provider's batch callback. */
const MAX_RECEIPTS_PER_REQUEST = 100;

const outboxQuery = z.object({
  customer: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH))),
  channel: z.optional(z.enum(MESSAGE_CHANNELS)),
  trigger: z.optional(z.string().check(z.regex(TRIGGER_ID_PATTERN, "a trigger id"))),
  limit: z.optional(z.string().check(z.regex(/^\d{1,4}$/, "a whole number"), z.refine((v) => Number(v) >= 1 && Number(v) <= OUTBOX_PAGE_MAX, `1 to ${OUTBOX_PAGE_MAX}`))),
  before: z.optional(z.iso.datetime({ offset: true })),
});

const receiptsSchema = z.strictObject({
  receipts: z
    .array(
      z.strictObject({
        message_id: z.string().check(z.minLength(1), z.maxLength(100)),
        status: z.enum(["delivered", "failed"]),
        at: z.optional(z.iso.datetime({ offset: true })),
        error: z.optional(z.string().check(z.maxLength(500))),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_RECEIPTS_PER_REQUEST)),
});

export const messageRoutes = new Hono<WorkspaceEnv>()
  .use("/outbox", secretKeyAuth)
  .use("/customers/:id/messages", secretKeyAuth)
  .use("/messages/*", secretKeyAuth)
  /** Messages of channels with no webhook (the local default), newest first; `before` pages back. */
  .get("/outbox", doc("Messages", "secret key", "Messages of channels with no webhook, newest first"), queryParams(outboxQuery), async (c) => {
    const q = c.req.valid("query");
    const messages = await listOutbox(c.env.DB, c.var.workspace.id, {
      ...(q.customer ? { profileKeys: profileKeysForId(q.customer) } : {}),
      ...(q.channel ? { channel: q.channel } : {}),
      ...(q.trigger ? { triggerId: q.trigger } : {}),
      ...(q.before ? { before: Date.parse(q.before) } : {}),
      limit: q.limit ? Number(q.limit) : OUTBOX_PAGE_DEFAULT,
    });
    return c.json({ messages });
  })
  /** A customer's messages (queued, sent, delivered, failed, opened, clicked), pending schedule and trigger runs. */
  .get("/customers/:id/messages", doc("Messages", "secret key", "A customer's messages, pending schedule and trigger runs"), pathParams(customerPath), async (c) => {
    for (const profileKey of profileKeysForId(c.req.valid("param").id)) {
      const state = await customerStub(c.env, c.var.workspace.id, profileKey).getMessagingState();
      if (state) return c.json(state);
    }
    throw notFound(`no customer ${c.req.param("id")} in this workspace`);
  })
  /** Delivery receipts from a channel provider: delivered or failed, by message id. */
  .post("/messages/receipts", doc("Messages", "secret key", "A provider's delivery receipts (delivered, failed)"), jsonBody(receiptsSchema), async (c) => {
    const now = Date.now();
    const results = await Promise.all(
      c.req.valid("json").receipts.map(async (receipt) => {
        const owner = await deliveryOwner(c.env.DB, c.var.workspace.id, receipt.message_id);
        if (!owner) return { message_id: receipt.message_id, status: "unknown" as const };
        const known = await customerStub(c.env, c.var.workspace.id, owner).recordDelivery({
          message_id: receipt.message_id,
          status: receipt.status,
          at: receipt.at ? Date.parse(receipt.at) : now,
          ...(receipt.error ? { error: receipt.error } : {}),
        });
        return { message_id: receipt.message_id, status: known ? ("recorded" as const) : ("unknown" as const) };
      }),
    );
    return c.json({ results });
  });
