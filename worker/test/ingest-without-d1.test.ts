// With D1 down, ingest still accepts (the hot path never waits on D1: workspaces come from the
// isolate cache, state from the customer's object), and the events consumer still folds the facts:
// nothing on the event path is in D1 (the recommendation shards hold the sums and the interest index,
// the index shards the customer and segment indexes).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../src/env.ts";
import type { EventsQueueBody } from "../src/facts.ts";
import { indexedCustomers } from "../src/stores/segment-index.ts";
import { batch, customer, deliverQueueBatch, QUEUE_WINDOW_WAIT, trackEvent, uid } from "./helpers.ts";
import { shardRecords } from "./recs-helpers.ts";

afterEach(() => vi.restoreAllMocks());

const consume = (bodies: EventsQueueBody[], attempts: number) => deliverQueueBatch("seam-events", bodies, attempts);

describe("D1 unavailable", () => {
  it("accepts events into the customer's object, and folds their facts into the shards all the same", async () => {
    // First requests warm the isolate's workspace cache (write and secret key), as a live store's traffic does.
    const warm = uid();
    expect((await batch([trackEvent(warm, "Warm up")])).status).toBe(200);
    expect((await customer(warm)).status).toBe(200);

    const queued: EventsQueueBody[] = [];
    vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages) => {
      // Ingest sends item, KPI and segment facts by sendBatch (its isolate's window).
      for (const m of messages) queued.push(m.body as EventsQueueBody);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendBatchResponse;
    });
    const down = () => {
      throw new Error("D1_ERROR: database unavailable");
    };
    vi.spyOn(env.DB, "prepare").mockImplementation(down);
    vi.spyOn(env.DB, "batch").mockImplementation(down);

    const shopper = uid();
    const item = uid("item");
    const res = await batch([
      trackEvent(shopper, "Product Viewed", { product_id: item, category: "Tents" }),
      trackEvent(shopper, "Product Added", { product_id: item, quantity: 1, price: 99 }),
    ]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).accepted).toBe(2);
    expect((await customer(shopper)).body.cart.lines).toEqual([expect.objectContaining({ product_id: item, quantity: 1 })]);
    const kinds = () => new Set(queued.map((body) => (body as { kind?: string }).kind ?? "items"));
    await vi.waitUntil(() => kinds().has("items") && kinds().has("segments"), QUEUE_WINDOW_WAIT);

    // The consumer needs no D1: the facts reach the item's shard while D1 is still down.
    expect((await consume(queued, 1)).ackAll).toBe(true);
    const record = (await shardRecords("demo", [item]))[item]!;
    expect(record.views).toBeGreaterThan(0);
    expect(record.carts).toBeGreaterThan(0);
    expect(record.category).toBe("Tents");
    expect(record.interest).toEqual([[expect.any(String), expect.any(Number), expect.any(Number), 0]]);
    // The new customer reached the customer index (the index shards) with D1 down too.
    expect([...(await indexedCustomers(env as unknown as Env, "demo", [`a:${shopper}`])).keys()]).toEqual([`a:${shopper}`]);
  });
});
