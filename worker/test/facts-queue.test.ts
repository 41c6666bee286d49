// Item facts (viewed, carted, bought) leave the customer's object on the events queue, in sessions.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage } from "../src/facts.ts";
import worker from "../src/index.ts";
import { batch, trackEvent, uid } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

describe("facts on the events queue", () => {
  it("sends view, cart and buy facts with the customer's session, after the response", async () => {
    const sent: EventsQueueMessage[] = [];
    const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
    vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
      for (const m of messages) sent.push(m.body);
      return sendBatch(messages, options);
    });

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
    await vi.waitUntil(() => sent.length > 0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.workspaceId).toBe("demo");
    expect(sent[0]!.facts).toEqual([
      { kind: "view", item: "a", category: "Shoes", customer: `a:${id}`, session: `a:${id}#1`, ts: Date.parse(at(0)), channel: "server", messageId: "f1" },
      { kind: "cart", item: "a", quantity: 2, customer: `a:${id}`, session: `a:${id}#1`, ts: Date.parse(at(1)), channel: "server", messageId: "f2" },
      { kind: "buy", item: "a", quantity: 1, price: 5, customer: `a:${id}`, session: `a:${id}#2`, ts: Date.parse(at(46)), channel: "server", messageId: "f3" },
    ]);
  });

  it("sends nothing for events that carry no item facts or were duplicates", async () => {
    const spy = vi.spyOn(env.EVENTS, "sendBatch");
    const id = uid();
    const view = trackEvent(id, "Product Viewed", { product_id: "a" });
    await batch([view]);
    await vi.waitUntil(() => spy.mock.calls.length === 1);
    await batch([view, trackEvent(id, "Signed Up")]);
    await exports.default.fetch("https://seam.test/"); // let any waitUntil work settle
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe("facts of concurrent requests", () => {
  it("travel together: one queue message for requests answered within the flush window", async () => {
    const sent: EventsQueueMessage[] = [];
    const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
    vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
      for (const m of messages) sent.push(m.body);
      return sendBatch(messages, options);
    });
    const shoppers = [uid(), uid(), uid()];
    await Promise.all(shoppers.map((id) => batch([trackEvent(id, "Product Viewed", { product_id: `p-${id}` })])));
    await vi.waitUntil(() => sent.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(env.EVENTS.sendBatch).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.facts.map((f) => f.customer).sort()).toEqual(shoppers.map((id) => `a:${id}`).sort());
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
