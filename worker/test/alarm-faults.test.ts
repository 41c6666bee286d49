// The alarm's work failing halfway: the schedule stays armed, the step is retried with the same
// message id, and the customer gets the message once — never twice, never lost.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OutgoingMessage } from "../src/messages/message.ts";
import { batch, deliverQueueBatch, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm, type MessagingWorkspace } from "./messaging-helpers.ts";

afterEach(() => vi.restoreAllMocks());

async function cartAbandoned(ws: MessagingWorkspace) {
  const visitor = uid();
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: `${visitor}@example.com` }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Product Added", { product_id: "tent", price: 120 }, { timestamp: new Date(Date.now() - 60_000).toISOString() }),
    ],
    ws.writeKey,
  );
  return visitor;
}

/** Hands captured queue messages to the messages consumer, as the queue would (in one batch). */
const consume = (messages: OutgoingMessage[]) => deliverQueueBatch("seam-messages", messages);

describe("alarm faults", () => {
  it("re-sends with the same message id when the queue's answer was lost, and the customer gets it once", async () => {
    const ws = await messagingWorkspace({ triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: 30 }] } } });
    const visitor = await cartAbandoned(ws);
    const queued: OutgoingMessage[] = [];
    vi.spyOn(env.MESSAGES, "send").mockImplementation(async (message) => {
      queued.push(message as OutgoingMessage);
      // The queue took it, but the answer never came back.
      if (queued.length === 1) throw new Error("network connection lost");
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendResponse;
    });

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const afterFailure = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(afterFailure)).toMatchObject([{ reason: "enqueue_failed" }]);
    expect(afterFailure.alarm_at).not.toBeNull();

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    expect(queued).toHaveLength(2);
    expect(queued[1]!.message_id).toBe(queued[0]!.message_id);

    // Both copies reach the consumer: the ledger lets one through.
    expect((await consume(queued)).explicitAcks.sort()).toEqual(["q0", "q1"]);
    const sent = (await outbox(ws, { customer: visitor })).body.messages;
    expect(sent.map((m: any) => m.message_id)).toEqual([queued[0]!.message_id]);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.messages).toHaveLength(1);
    expect(state.runs[0]).toMatchObject({ sent_count: 1 });
    expect(pendingRows(state)).toEqual([]);
  });

  it("keeps the alarm armed when building a message throws, and sends it once on the retry", async () => {
    const ws = await messagingWorkspace({ triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: 30 }] } } });
    const visitor = await cartAbandoned(ws);
    const queued: OutgoingMessage[] = [];
    vi.spyOn(env.MESSAGES, "send").mockImplementation(async (message) => {
      queued.push(message as OutgoingMessage);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendResponse;
    });
    // Sealing the links fails once (a crypto or storage hiccup inside the alarm's work).
    const encrypt = crypto.subtle.encrypt.bind(crypto.subtle);
    let failures = 0;
    vi.spyOn(crypto.subtle, "encrypt").mockImplementation(async (...args) => {
      if (failures++ === 0) throw new Error("simulated failure while sealing links");
      return encrypt(...args);
    });

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    expect(queued).toHaveLength(0);
    const afterFailure = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(afterFailure)).toMatchObject([{ attempts: 1, reason: expect.stringContaining("simulated failure") }]);
    expect(afterFailure.alarm_at).toBe(pendingRows(afterFailure)[0].due_at);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    expect(queued).toHaveLength(1);
    await consume(queued);
    expect((await outbox(ws, { customer: visitor })).body.messages).toHaveLength(1);
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toEqual([]);
  });
});
