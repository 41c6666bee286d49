// The local outbox (GET /v1/outbox) and delivery receipts: what was sent, to whom, and what became of it.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../src/env.ts";
import type { OutgoingMessage } from "../src/messages/message.ts";
import { METER_PATH, meteredEnv, meterResponse, type MeterCounts } from "../src/metering.ts";
import { claimDelivery, deliverToOutbox } from "../src/stores/deliveries.ts";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { admin, messagesOf, messagingWorkspace, outbox, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

async function workspaceWithMessages() {
  const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
  const customers = [uid(), uid()];
  for (const id of customers)
    await batch([{ type: "identify", anonymousId: id, traits: { email: `${id}@example.com` }, messageId: crypto.randomUUID() }, trackEvent(id, "Order Completed", { order_id: `o-${id}` })], ws.writeKey);
  for (const id of customers) await waitForOutbox(ws, id, 1);
  return { ws, customers };
}

function receipts(ws: MessagingWorkspace, body: unknown) {
  return request("/v1/messages/receipts", {
    method: "POST",
    headers: { authorization: `Bearer ${ws.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("outbox", () => {
  it("lists the workspace's messages newest first, filtered by customer, channel or trigger, and pages back", async () => {
    const { ws, customers } = await workspaceWithMessages();
    const all = (await outbox(ws)).body.messages;
    expect(all).toHaveLength(2);
    expect(all[0].created_at >= all[1].created_at).toBe(true);
    expect(all[0].message.payload.message_id).toBe(all[0].message_id);
    expect((await outbox(ws, { customer: customers[0]! })).body.messages).toHaveLength(1);
    expect((await outbox(ws, { channel: "sms" })).body.messages).toEqual([]);
    expect((await outbox(ws, { trigger: "cross-sell", limit: "1" })).body.messages).toHaveLength(1);
    expect((await outbox(ws, { before: all[1].created_at })).body.messages).toEqual([]);
    // Another workspace sees none of them.
    expect((await outbox(await messagingWorkspace())).body.messages).toEqual([]);
  });

  it("refuses bad queries with a 400 and needs the secret key", async () => {
    const ws = await messagingWorkspace();
    const queries: Record<string, string>[] = [{ limit: "0" }, { limit: "1000" }, { limit: "ten" }, { channel: "fax" }, { before: "yesterday" }, { trigger: "Bad Id" }];
    for (const query of queries) {
      const res = await outbox(ws, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error?.code).toBe("invalid_query");
    }
    expect((await request("/v1/outbox")).status).toBe(401);
  });
});

describe("delivery receipts", () => {
  it("records a provider's delivered/failed receipt on the customer's message; unknown ids are reported as such", async () => {
    const { ws, customers } = await workspaceWithMessages();
    const [first, second] = [(await outbox(ws, { customer: customers[0]! })).body.messages[0], (await outbox(ws, { customer: customers[1]! })).body.messages[0]];
    await vi.waitUntil(async () => (await messagesOf(ws, customers[1]!)).body.messages[0]?.status === "sent", { timeout: 5000 });
    const res = await receipts(ws, {
      receipts: [
        { message_id: first.message_id, status: "delivered" },
        { message_id: second.message_id, status: "failed", error: "mailbox full" },
        { message_id: "msg_nope", status: "delivered" },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      results: [
        { message_id: first.message_id, status: "recorded" },
        { message_id: second.message_id, status: "recorded" },
        { message_id: "msg_nope", status: "unknown" },
      ],
    });
    expect((await messagesOf(ws, customers[0]!)).body.messages[0]).toMatchObject({ status: "delivered" });
    expect((await messagesOf(ws, customers[1]!)).body.messages[0]).toMatchObject({ status: "failed", error: "mailbox full" });
    // Another workspace cannot touch these messages.
    const other = await messagingWorkspace();
    expect(await (await receipts(other, { receipts: [{ message_id: first.message_id, status: "failed" }] })).json()).toEqual({
      results: [{ message_id: first.message_id, status: "unknown" }],
    });
    expect((await receipts(ws, { receipts: [] })).status).toBe(400);
    expect((await receipts(ws, { receipts: [{ message_id: "m", status: "exploded" }] })).status).toBe(400);
  });

  it("404s the messages of a customer that does not exist", async () => {
    const ws = await messagingWorkspace();
    expect((await messagesOf(ws, uid())).status).toBe(404);
    expect((await admin(ws, "GET", "/triggers")).status).toBe(200);
  });
});

describe("what a message writes to D1", () => {
  it("is 4 billed rows through the outbox (the ledger's row and its profile index, its status, the outbox entry), and a second delivery adds no entry", async () => {
    const workerEnv = env as unknown as Env;
    const metered = meteredEnv({ ...workerEnv, SEAM_DEV_METER: "on" });
    const message = {
      v: 1, message_id: `msg_${uid()}`, workspace_id: "demo", profile_key: `a:${uid()}`, channel: "email", trigger_id: "cross-sell",
      template: "post_purchase", step: 0, created_at: new Date().toISOString(), payload: { subject: "Thanks" },
    } as unknown as OutgoingMessage;
    const written = async (work: () => Promise<unknown>) => {
      await meterResponse(new Request(`https://seam.test${METER_PATH}`, { method: "DELETE" })).text();
      await work();
      return ((await meterResponse(new Request(`https://seam.test${METER_PATH}`)).json()) as MeterCounts).d1_rows_written_by_table;
    };
    const now = Date.now();
    expect(await written(async () => (await claimDelivery(metered.DB, message, now)).kind === "claimed" && deliverToOutbox(metered.DB, message, now))).toEqual({ message_deliveries: 3, outbox: 1 });
    // Delivered again (a redelivered queue message that got past its claim): no second entry.
    expect(await written(() => deliverToOutbox(metered.DB, message, now + 1))).toEqual({ message_deliveries: 1 });
    const { results } = await workerEnv.DB.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE message_id = ?`).bind(message.message_id).all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
  });
});
