// Item facts (viewed, carted, bought) leave the customer's object on the events queue, in sessions.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage } from "../src/facts.ts";
import worker from "../src/index.ts";
import { batch, QUEUE_WINDOW_WAIT, trackEvent, uid } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** The `sendBatch` calls that carried item facts (KPI facts travel in messages of their own kind). */
let itemFactSends = 0;

/** Records every item-fact message the worker sends on `events` (and still sends every message). */
function spyOnFacts(): EventsQueueMessage[] {
  const sent: EventsQueueMessage[] = [];
  itemFactSends = 0;
  const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
  vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
    // Ingest sends item facts by sendBatch; segment and KPI facts (with a `kind`) are other messages.
    const items = [...messages].map((m) => m.body).filter((body): body is EventsQueueMessage => !("kind" in body));
    if (items.length) itemFactSends += 1;
    sent.push(...items);
    return sendBatch(messages, options);
  });
  return sent;
}

describe("facts on the events queue", () => {
  it("sends view, cart and buy facts with the customer's session, after the response", async () => {
    const sent = spyOnFacts();

    const id = uid();
    const t0 = Date.parse("2026-11-20T10:00:00.000Z");
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    await batch([
      trackEvent(id, "Product Viewed", { product_id: "a", category: "Shoes" }, { timestamp: at(0), messageId: "f1" }),
      trackEvent(id, "Product Added", { product_id: "a", quantity: 2 }, { timestamp: at(1), messageId: "f2" }),
      // 45 minutes later: a new session.
      trackEvent(id, "Order Completed", { order_id: "o", products: [{ product_id: "a", price: 5 }] }, { timestamp: at(46), messageId: "f3" }),
      trackEvent(id, "Signed Up", {}, { timestamp: at(47) }),
    ]);
    await vi.waitUntil(() => sent.length > 0, QUEUE_WINDOW_WAIT);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.workspaceId).toBe("demo");
    expect(sent[0]!.facts).toEqual([
      { kind: "view", item: "a", category: "Shoes", customer: `a:${id}`, session: `a:${id}#1`, ts: Date.parse(at(0)), channel: "server", messageId: "f1" },
      { kind: "cart", item: "a", quantity: 2, customer: `a:${id}`, session: `a:${id}#1`, ts: Date.parse(at(1)), channel: "server", messageId: "f2" },
      { kind: "buy", item: "a", quantity: 1, price: 5, customer: `a:${id}`, session: `a:${id}#2`, ts: Date.parse(at(46)), channel: "server", messageId: "f3" },
    ]);
  });

  it("sends nothing for events that carry no item facts or were duplicates", async () => {
    const sent = spyOnFacts();
    const id = uid();
    const view = trackEvent(id, "Product Viewed", { product_id: "a" });
    await batch([view]);
    await vi.waitUntil(() => sent.some((m) => m.facts.some((f) => f.customer === `a:${id}`)), QUEUE_WINDOW_WAIT);
    await batch([view, trackEvent(id, "Signed Up")]);
    // A marker sent after: facts leave in the order they were collected, so once the marker's
    // view is on the queue, anything the duplicate batch had queued would be there too.
    const marker = uid("marker");
    await batch([trackEvent(marker, "Product Viewed", { product_id: "m" })]);
    await vi.waitUntil(() => sent.some((m) => m.facts.some((f) => f.customer === `a:${marker}`)), QUEUE_WINDOW_WAIT);
    expect(sent.flatMap((m) => m.facts).filter((f) => f.customer === `a:${id}`)).toHaveLength(1);
  });
});

describe("facts of concurrent requests", () => {
  it("travel together: one queue message for requests answered within the flush window", async () => {
    const sent = spyOnFacts();
    const shoppers = [uid(), uid(), uid()];
    await Promise.all(shoppers.map((id) => batch([trackEvent(id, "Product Viewed", { product_id: `p-${id}` })])));
    // Wait for every shopper's fact, however many messages carried them, then count the messages.
    const customers = () => sent.flatMap((m) => m.facts.map((f) => f.customer));
    await vi.waitUntil(() => shoppers.every((id) => customers().includes(`a:${id}`)), QUEUE_WINDOW_WAIT);
    expect(itemFactSends).toBe(1);
    expect(sent).toHaveLength(1);
    expect(customers().sort()).toEqual(shoppers.map((id) => `a:${id}`).sort());
  });
});

describe("events queue consumer", () => {
  it("acks well-formed messages and drops malformed ones instead of retrying them forever", async () => {
    const messages = [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { v: 1, workspaceId: "demo", facts: [] } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { nonsense: true } },
    ];
    const queueBatch = createMessageBatch<unknown>("seam-events", messages);
    const ctx = createExecutionContext();
    await (worker as ExportedHandler<typeof env>).queue!(queueBatch, env, ctx);
    const result = await getQueueResult(queueBatch, ctx);
    expect(result.outcome).toBe("ok");
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
  });
});

describe("a window of big requests", () => {
  it("reaches the queue whole: sendBatch calls stay under the queue's 256 KB per call", async () => {
    const delivered: EventsQueueMessage[] = [];
    const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
    vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
      // Recorded only once the real queue took the call: a refused call (over 256 KB) records nothing.
      const sent = await sendBatch(messages, options);
      delivered.push(...[...messages].map((m) => m.body).filter((body): body is EventsQueueMessage => !("kind" in body)));
      return sent;
    });
    // 40 shoppers viewing 12 products each in one request: every view carries its session's pairs.
    const shoppers = Array.from({ length: 40 }, () => uid());
    const t0 = Date.now() - 60 * 60_000;
    const events = shoppers.flatMap((shopper) =>
      Array.from({ length: 12 }, (_, i) => trackEvent(shopper, "Product Viewed", { product_id: `big-${(i * 7) % 30}-${shopper.slice(-4)}`, category: "Bulk" }, { timestamp: new Date(t0 + i * 30_000).toISOString() })),
    );
    expect((await batch(events)).status).toBe(200);
    const mine = () => delivered.flatMap((m) => m.facts).filter((f) => shoppers.some((s) => f.customer === `a:${s}`));
    await vi.waitUntil(() => mine().length === events.length, QUEUE_WINDOW_WAIT);
    expect(JSON.stringify(delivered).length).toBeGreaterThan(256_000);
  });
});
