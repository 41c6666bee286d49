// A session's clicks pair across the batches that carry them (the SDK flushes once per page): the
// customer object keeps the session's window between batches, wherever its meta is stored.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage, ItemFact } from "../src/facts.ts";
import { batch, QUEUE_WINDOW_WAIT, trackEvent, uid } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

describe("session pairs across batches", () => {
  it("a view in the next page's batch pairs with the session's earlier views", async () => {
    const sent: ItemFact[] = [];
    const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
    vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
      for (const m of messages) if (!("kind" in (m.body as object))) sent.push(...(m.body as EventsQueueMessage).facts);
      return sendBatch(messages, options);
    });
    const shopper = uid();
    const t0 = Date.now() - 10 * 60_000;
    for (const [i, item] of ["pa", "pb", "pc"].entries())
      expect((await batch([trackEvent(shopper, "Product Viewed", { product_id: item }, { timestamp: new Date(t0 + i * 60_000).toISOString() })])).status).toBe(200);
    await vi.waitUntil(() => sent.filter((f) => f.customer === `a:${shopper}`).length === 3, QUEUE_WINDOW_WAIT);
    const facts = sent.filter((f) => f.customer === `a:${shopper}`);
    expect(facts.map((f) => f.item)).toEqual(["pa", "pb", "pc"]);
    expect(facts[0]!.pairs ?? []).toEqual([]);
    // pb pairs with pa, pc with pa and pb, though each came in a batch of its own.
    expect(new Set((facts[1]!.pairs ?? []).flatMap(([, from, to]) => [from, to]))).toEqual(new Set(["pa", "pb"]));
    expect(new Set((facts[2]!.pairs ?? []).flatMap(([, from, to]) => [from, to]))).toEqual(new Set(["pa", "pb", "pc"]));
  });
});
