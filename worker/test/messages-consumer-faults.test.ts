// The messages consumer failing in the middle of a batch (D1 refuses one message's outbox write)
// and the whole batch redelivered: every message lands in the outbox once, none twice, none lost.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OutgoingMessage } from "../src/messages/message.ts";
import { batch, deliverQueueBatch, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, outbox, type MessagingWorkspace } from "./messaging-helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** Three customers' order confirmations, captured on their way to the queue. */
async function threeMessages(ws: MessagingWorkspace) {
  const queued: OutgoingMessage[] = [];
  vi.spyOn(env.MESSAGES, "send").mockImplementation(async (message) => {
    queued.push(message as OutgoingMessage);
    return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendResponse;
  });
  const visitors = [uid(), uid(), uid()];
  for (const visitor of visitors)
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: `${visitor}@example.com` }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: `o-${visitor}`, products: [{ product_id: "p" }] }),
      ],
      ws.writeKey,
    );
  await vi.waitUntil(() => queued.length === 3);
  vi.mocked(env.MESSAGES.send).mockRestore();
  return { visitors, queued };
}

const consume = (messages: OutgoingMessage[], attempts: number) => deliverQueueBatch("seam-messages", messages, attempts);

describe("messages consumer under faults", () => {
  it("delivers each message of a half-failed, redelivered batch exactly once", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const { visitors, queued } = await threeMessages(ws);

    // D1 refuses the second message's outbox write; the first and third go through.
    const d1Batch = env.DB.batch.bind(env.DB);
    let outboxWrites = 0;
    vi.spyOn(env.DB, "batch").mockImplementation(async (statements) => {
      if (++outboxWrites === 2) throw new Error("D1_ERROR: simulated failure");
      return d1Batch(statements);
    });
    const first = await consume(queued, 1);
    expect(first.explicitAcks.sort()).toEqual(["q0", "q2"]);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual(["q1"]);
    vi.mocked(env.DB.batch).mockRestore();

    // At least once: the whole batch comes back, twice.
    for (const attempts of [2, 3]) expect((await consume(queued, attempts)).explicitAcks.sort()).toEqual(["q0", "q1", "q2"]);

    const delivered = (await outbox(ws)).body.messages.map((m: any) => m.message_id).sort();
    expect(delivered).toEqual(queued.map((m) => m.message_id).sort());
    for (const visitor of visitors) {
      await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent");
      expect((await messagesOf(ws, visitor)).body.messages).toHaveLength(1);
    }
  });
});
