// The messages queue consumer: signed webhook per channel, one send per message id however often it is delivered, retries, dead letters.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { MESSAGE_MAX_RETRIES, retryDelaySeconds } from "../src/queues/messages.ts";
import type { OutgoingMessage } from "../src/messages/message.ts";
import { verifyWebhookSignature } from "../src/messages/webhook-signature.ts";
import { batch, trackEvent, uid } from "./helpers.ts";
import { admin, messagesOf, messagingWorkspace, outbox, type MessagingWorkspace } from "./messaging-helpers.ts";

afterEach(() => vi.restoreAllMocks());

const HOOK = "https://hooks.example/email";

interface Captured {
  url: string;
  headers: Headers;
  body: string;
}

/** Answers webhook calls with `status` and records them; any other fetch is refused. */
function mockWebhook(status: () => number) {
  const calls: Captured[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    if (!req.url.startsWith("https://hooks.example/")) return new Response("unexpected", { status: 599 });
    calls.push({ url: req.url, headers: req.headers, body: await req.text() });
    return new Response("ok", { status: status() });
  });
  return calls;
}

async function workspaceWithHook() {
  const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
  const res = await admin(ws, "PUT", "/channels/email", { url: HOOK });
  expect(res.status).toBe(201);
  return { ws, secret: res.body.signing_secret as string };
}

async function order(ws: MessagingWorkspace) {
  const visitor = uid();
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: `${visitor}@example.com` }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Order Completed", { order_id: `o-${visitor}`, products: [{ product_id: "p" }] }),
    ],
    ws.writeKey,
  );
  return visitor;
}

/** Keeps the customer's object from queueing for real, and hands back the message it would have sent. */
async function captureNextMessage(ws: MessagingWorkspace): Promise<{ visitor: string; message: OutgoingMessage }> {
  const sent: OutgoingMessage[] = [];
  const spy = vi.spyOn(env.MESSAGES, "send").mockImplementation(async (m) => {
    sent.push(m);
    return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendResponse;
  });
  const visitor = await order(ws);
  await vi.waitUntil(() => sent.length === 1, { timeout: 5000 });
  spy.mockRestore();
  return { visitor, message: sent[0]! };
}

/** Runs the consumer on a hand-made batch; `retries` lists each retry with its delay (getQueueResult drops the delay). */
async function consume(deliveries: { id: string; attempts: number; body: unknown }[]) {
  const queueBatch = createMessageBatch<unknown>("seam-messages", deliveries.map((d) => ({ ...d, timestamp: new Date() })));
  const retries: { id: string; delaySeconds: number | undefined }[] = [];
  for (const message of queueBatch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((options) => {
      retries.push({ id: message.id, delaySeconds: options?.delaySeconds });
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await (worker as ExportedHandler<typeof env>).queue!(queueBatch, env, ctx);
  return { ...(await getQueueResult(queueBatch, ctx)), retries };
}

describe("messages consumer", () => {
  it("posts to the channel's webhook through the real queue, signed so the receiver can verify it", async () => {
    const { ws, secret } = await workspaceWithHook();
    const calls = mockWebhook(() => 200);
    const visitor = await order(ws);
    await vi.waitUntil(() => calls.length === 1, { timeout: 5000 });
    const [call] = calls;
    expect(call!.url).toBe(HOOK);
    const valid = await verifyWebhookSignature(
      secret,
      { timestamp: call!.headers.get("x-seam-timestamp"), signature: call!.headers.get("x-seam-signature"), body: call!.body },
      Math.floor(Date.now() / 1000),
    );
    expect(valid).toBe(true);
    const body = JSON.parse(call!.body);
    expect(call!.headers.get("idempotency-key")).toBe(body.message_id);
    expect(body).toMatchObject({ channel: "email", trigger_id: "cross-sell", template: "post_purchase", step: 0 });
    // Routing fields stay inside Seam.
    expect(body.profile_key).toBeUndefined();
    // Sent by webhook: nothing in the outbox; the customer's object hears it was sent.
    expect((await outbox(ws, { customer: visitor })).body.messages).toEqual([]);
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent", { timeout: 5000 });
  });

  it("never sends a redelivered message twice (webhook and outbox alike)", async () => {
    const { ws } = await workspaceWithHook();
    const calls = mockWebhook(() => 200);
    const { message } = await captureNextMessage(ws);
    const first = await consume([
      { id: "q1", attempts: 1, body: message },
      { id: "q1-dup", attempts: 1, body: message },
    ]);
    expect(first.explicitAcks.sort()).toEqual(["q1", "q1-dup"]);
    const again = await consume([{ id: "q1", attempts: 2, body: message }]);
    expect(again.explicitAcks).toEqual(["q1"]);
    expect(calls).toHaveLength(1);

    // No webhook for SMS here: the outbox takes it, once.
    const sms = { ...message, message_id: `${message.message_id}-sms`, channel: "sms" as const };
    await consume([{ id: "q2", attempts: 1, body: sms }]);
    await consume([{ id: "q2", attempts: 2, body: sms }]);
    expect((await outbox(ws, { channel: "sms" })).body.messages.map((m: any) => m.message_id)).toEqual([sms.message_id]);
  });

  it("retries a failing webhook with backoff, and on the last attempt reports the failure and dead-letters", async () => {
    const { ws } = await workspaceWithHook();
    let status = 503;
    const calls = mockWebhook(() => status);
    const { visitor, message } = await captureNextMessage(ws);

    const first = await consume([{ id: "q1", attempts: 1, body: message }]);
    expect(first.retryMessages).toEqual([{ msgId: "q1" }]);
    expect(first.retries).toEqual([{ id: "q1", delaySeconds: 10 }]);
    expect(retryDelaySeconds(1)).toBe(10);
    expect(retryDelaySeconds(3)).toBe(40);
    expect(retryDelaySeconds(20)).toBe(900);
    const ledger = await env.DB.prepare(`SELECT status, attempts, last_error FROM message_deliveries WHERE message_id = ?`).bind(message.message_id).first();
    expect(ledger).toEqual({ status: "retrying", attempts: 1, last_error: "webhook answered 503" });

    // The last attempt the queue allows: the customer's object records the failure, the queue gets the message for its DLQ.
    const last = await consume([{ id: "q1", attempts: MESSAGE_MAX_RETRIES + 1, body: message }]);
    expect(last.retries).toEqual([{ id: "q1", delaySeconds: retryDelaySeconds(MESSAGE_MAX_RETRIES + 1) }]);
    expect(last.explicitAcks).toEqual([]);
    const logged = (await messagesOf(ws, visitor)).body.messages[0];
    expect(logged).toMatchObject({ status: "failed", error: "webhook answered 503" });
    expect(logged.failed_at).not.toBeNull();

    // A later redelivery that goes through is sent (once) and acked.
    status = 200;
    const ok = await consume([{ id: "q1", attempts: 2, body: message }]);
    expect(ok.explicitAcks).toEqual(["q1"]);
    expect(calls).toHaveLength(3);
  });

  it("acks a malformed message instead of retrying it forever", async () => {
    const result = await consume([{ id: "bad", attempts: 1, body: { hello: "world" } }]);
    expect(result.explicitAcks).toEqual(["bad"]);
  });
});
