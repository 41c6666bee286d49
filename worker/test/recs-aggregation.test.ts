// Item facts become pair sums where the session lives (the customer's object), reach the item-sharded
// recommendation shards through the events queue (each message once), and the cron materialises the
// changed items into packed KV pages, writing only what changed.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage, ItemFact } from "../src/facts.ts";
import { decayScale } from "../src/recs/edge.ts";
import { materialiseRecommendations } from "../src/stores/recs-materialise.ts";
import { batch, createWorkspace, deliverQueueBatch, trackEvent, uid } from "./helpers.ts";
import { servedLists, servedTrending, shardRecords, shardTotals } from "./recs-helpers.ts";

const T0 = Date.now() - 3600_000;
const at = (i: number) => new Date(T0 + i * 1000).toISOString();

async function workspace() {
  const { workspace, keys } = await createWorkspace({ name: uid("recs agg") });
  return { id: workspace.id as string, writeKey: keys.write_key as string };
}

const view = (shopper: string, item: string, i: number, category?: string) =>
  trackEvent(shopper, "Product Viewed", { product_id: item, ...(category ? { category } : {}) }, { timestamp: at(i), messageId: `${shopper}-v-${i}` });

/** Waits until the workspace's shards hold `entries` (item, customer) interest entries: every fact arrived. */
async function settled(workspaceId: string, entries: number) {
  await vi.waitUntil(async () => (await shardTotals(workspaceId)).interestEntries >= entries, { timeout: 15_000, interval: 50 });
}

/** A relation's weights of an item, in units of a fact at T0 (facts a second apart decay by a hair). */
async function weights(workspaceId: string, item: string, relation: string): Promise<[string, number][]> {
  const record = (await shardRecords(workspaceId, [item]))[item];
  return (record?.pairs[relation] ?? []).map(([other, w]) => [other, Math.round((w / decayScale(T0)) * 1e4) / 1e4]);
}

describe("pair counting in the customer's object", () => {
  it("turns a session's views into successors/later/earlier pairs, and carts and buys into together-lists", async () => {
    const ws = await workspace();
    const shopper = uid();
    await batch(
      [
        view(shopper, "a", 0),
        view(shopper, "b", 1),
        view(shopper, "c", 2),
        trackEvent(shopper, "Order Completed", { order_id: uid("o"), products: [{ product_id: "a" }, { product_id: "c" }] }, { timestamp: at(3) }),
      ],
      ws.writeKey,
    );
    await settled(ws.id, 3);
    // Successors: 1/k² for k steps later; later: k^-0.5; earlier: 1/k (the tuned blend).
    expect(await weights(ws.id, "a", "successors")).toEqual([["b", 1], ["c", 0.25]]);
    expect((await weights(ws.id, "a", "later")).find(([o]) => o === "c")?.[1]).toBeCloseTo(1 / Math.SQRT2, 4);
    // Earlier clicks are visited oldest first: first-seen order, the tie-break of the top-K.
    expect(await weights(ws.id, "c", "earlier")).toEqual([["a", 0.5], ["b", 1]]);
    expect(await weights(ws.id, "a", "boughtTogether")).toEqual([["c", 1]]);
    expect(await weights(ws.id, "c", "boughtTogether")).toEqual([["a", 1]]);
    expect(await weights(ws.id, "a", "earlier")).toEqual([]);
  });

  it("continues a session across batches, and starts afresh in the next session", async () => {
    const ws = await workspace();
    const shopper = uid();
    await batch([view(shopper, "p", 0)], ws.writeKey);
    await batch([view(shopper, "q", 1)], ws.writeKey);
    // Over the 30-minute gap: a new session, which does not pair with q.
    await batch([view(shopper, "r", 1 + 31 * 60)], ws.writeKey);
    await settled(ws.id, 3);
    expect(await weights(ws.id, "p", "successors")).toEqual([["q", 1]]);
    expect(await weights(ws.id, "q", "successors")).toEqual([]);
  });

  it("pairs a click in a long session with its latest clicks only, and a repeated event adds nothing", async () => {
    const ws = await workspace();
    const shopper = uid();
    for (let i = 0; i < 12; i++) await batch([view(shopper, `i${i}`, i)], ws.writeKey);
    await batch([view(shopper, "last", 12)], ws.writeKey);
    await settled(ws.id, 13);
    const successorsOf = async (item: string) => (await weights(ws.id, item, "successors")).map(([o]) => o);
    // successors pair with 5 steps back, later/earlier with 3: i7..i11 reach "last", i6 does not.
    for (const item of ["i7", "i8", "i9", "i10", "i11"]) expect(await successorsOf(item)).toContain("last");
    expect(await successorsOf("i6")).not.toContain("last");
    expect((await weights(ws.id, "last", "earlier")).map(([o]) => o)).toEqual(["i9", "i10", "i11"]);
    const before = await shardRecords(ws.id, ["i0", "last"]);
    // The first click, sent again with the newest (a retrying SDK): the object drops both as duplicates.
    const again = await batch([view(shopper, "i0", 0), view(shopper, "last", 12)], ws.writeKey);
    expect(((await again.json()) as any).duplicate).toBe(2);
    expect(await shardRecords(ws.id, ["i0", "last"])).toEqual(before);
  });
});

describe("recommendation shards", () => {
  const T = Date.parse("2026-11-20T10:00:00.000Z");
  const fact = (kind: ItemFact["kind"], item: string, i: number, pairs?: ItemFact["pairs"]): ItemFact => ({
    kind, item, customer: "a:s", session: "a:s#1", ts: T + i * 1000, channel: "web", messageId: `m-${i}`, ...(pairs ? { pairs } : {}),
  });

  it("apply a redelivered queue message once", async () => {
    const ws = uid("ws-dup");
    const body: EventsQueueMessage = { v: 1, workspaceId: ws, facts: [fact("view", "x", 0), fact("view", "y", 1, [["successors", "x", "y", 1]]), fact("cart", "y", 2)] };
    expect((await deliverQueueBatch("seam-events", [body], 1, ["msg-1"])).ackAll).toBe(true);
    const once = await shardRecords(ws, ["x", "y"]);
    expect(once.x!.pairs.successors).toEqual([["y", 1]]);
    expect((await deliverQueueBatch("seam-events", [body], 2, ["msg-1"])).ackAll).toBe(true);
    expect(await shardRecords(ws, ["x", "y"])).toEqual(once);
    // Another message with the same facts is another delivery: it adds (the customer's object sends each fact once).
    await deliverQueueBatch("seam-events", [body], 1, ["msg-2"]);
    expect((await shardRecords(ws, ["y"])).y!.views).toBeCloseTo(2 * once.y!.views, 12);
  });

  it("are fed by the real events queue from ingest", async () => {
    const id = uid();
    const before = (await shardTotals("demo")).interestEntries;
    await batch([trackEvent(id, "Product Viewed", { product_id: "queue-a" }), trackEvent(id, "Product Viewed", { product_id: "queue-b" })]);
    await settled("demo", before + 2);
    expect(Object.keys(await shardRecords("demo", ["queue-a", "queue-b"])).sort()).toEqual(["queue-a", "queue-b"]);
  });
});

describe("materialisation (cron)", () => {
  it("writes normalised lists, two-hop lists and trending per category to KV pages, and nothing again until something changes", async () => {
    const ws = await workspace();
    const session = (items: string[], category = "Shoes") => {
      const shopper = uid();
      return items.map((item, i) => view(shopper, item, i, category));
    };
    await batch([...session(["a", "b", "c"]), ...session(["a", "b"]), ...session(["b", "d"]), ...session(["z"], "Hats")], ws.writeKey);
    await settled(ws.id, 8);
    const first = await materialiseRecommendations(env, Date.now());
    expect(first.items).toBeGreaterThanOrEqual(5);

    const a = (await servedLists(ws.id, "a"))!;
    // a→b in two sessions (weight 2), a→c two steps on in one (1/4): normalised 1 and 1/8.
    expect(a.successors!.map((s) => [s.item, Math.round(s.score * 1e3) / 1e3])).toEqual([["b", 1], ["c", 0.125]]);
    // Two views an hour ago, decayed to now (4-day half-life).
    expect(a.views).toBeCloseTo(2, 1);
    // a → b → d: d is two hops from a.
    expect(a.related!.map((r) => r.item)).toContain("d");
    const shoes = await servedTrending(ws.id, "Shoes");
    expect(shoes[0]).toEqual({ item: "b", score: 1 });
    expect(shoes.map((t) => t.item)).not.toContain("z");
    expect((await servedTrending(ws.id)).map((t) => t.item)).toContain("z");

    // Nothing changed since: the next run writes nothing.
    const put = vi.spyOn(env.RECS_KV, "put");
    const second = await materialiseRecommendations(env, Date.now());
    expect(second.items).toBe(0);
    expect(put).not.toHaveBeenCalled();
    put.mockRestore();

    // One more view: its item is materialised again, and only what changed is written.
    await batch([view(uid(), "z", 10, "Hats")], ws.writeKey);
    await settled(ws.id, 9);
    const third = await materialiseRecommendations(env, Date.now());
    expect(third).toMatchObject({ workspaces: 1, items: 1 });
    expect(third.writes).toBeLessThanOrEqual(2);
    expect((await servedLists(ws.id, "z"))!.views).toBeCloseTo(2, 1);
  });

  it("runs one at a time per workspace: a run that overlaps another skips it, and no list is lost", async () => {
    const ws = await workspace();
    const items = ["m1", "m2", "m3", "m4", "m5", "m6"];
    const shopper = uid();
    await batch(items.map((item, i) => view(shopper, item, i, "Mugs")), ws.writeKey);
    await settled(ws.id, items.length);
    // Another run holds the workspace: this one leaves it alone.
    const lead = env.RECS_SHARDS.getByName(`${ws.id}:0`);
    expect(await lead.claimMaterialisation(60_000)).toBe(true);
    await materialiseRecommendations(env, Date.now());
    expect(await servedLists(ws.id, "m1")).toBeUndefined();
    await lead.releaseMaterialisation();
    // Two runs at once (a cron overlapping a slow one): each page is written by one of them, whole.
    await Promise.all([materialiseRecommendations(env, Date.now()), materialiseRecommendations(env, Date.now())]);
    for (const item of items.slice(0, -1)) expect(await servedLists(ws.id, item), item).toBeDefined();
  });
});
