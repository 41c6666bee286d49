// Item facts fold into D1 aggregates (idempotently), and the cron materialises them into KV.
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ItemFact } from "../src/facts.ts";
import worker from "../src/index.ts";
import { decayScale } from "../src/recs/edge.ts";
import { batch, trackEvent, uid } from "./helpers.ts";

const handler = worker as ExportedHandler<typeof env>;
const T0 = Date.parse("2026-11-20T10:00:00.000Z");

function fact(kind: ItemFact["kind"], item: string, session: string, i: number, extra: Partial<ItemFact> = {}): ItemFact {
  return { kind, item, customer: session.split("#")[0]!, session, ts: T0 + i * 1000, channel: "web", messageId: `${session}-${kind}-${i}`, ...extra };
}

async function consume(workspaceId: string, facts: ItemFact[]) {
  const queueBatch = createMessageBatch<unknown>("seam-events", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { v: 1, workspaceId, facts } },
  ]);
  const ctx = createExecutionContext();
  await handler.queue!(queueBatch, env, ctx);
  return getQueueResult(queueBatch, ctx);
}

async function pairs(workspaceId: string) {
  const { results } = await env.DB.prepare(
    `SELECT kind, relation, item, other, weight FROM item_pairs WHERE workspace_id = ? ORDER BY kind, relation, item, other`,
  )
    .bind(workspaceId)
    .all<{ kind: string; relation: string; item: string; other: string; weight: number }>();
  // Facts a second apart decay by a hair: compare at 4 decimals, in units of a fact at T0.
  return results.map((r) => ({ ...r, weight: Math.round((r.weight / decayScale(T0)) * 1e4) / 1e4 }));
}

describe("aggregation consumer", () => {
  it("folds a session's views into successors/later/earlier pairs, and carts and buys into together-lists", async () => {
    const ws = uid("ws-agg");
    await consume(ws, [
      fact("view", "a", "s1#1", 0),
      fact("view", "b", "s1#1", 1),
      fact("view", "c", "s1#1", 2),
      fact("buy", "a", "s1#2", 3, { messageId: "order-1" }),
      fact("buy", "c", "s1#2", 3, { messageId: "order-1" }),
    ]);
    const rows = await pairs(ws);
    const weight = (kind: string, relation: string, item: string, other: string) =>
      rows.find((r) => r.kind === kind && r.relation === relation && r.item === item && r.other === other)?.weight;
    // Successors: 1/k² for k steps later; later: k^-0.5; earlier: 1/k (the tuned blend).
    expect(weight("view", "successors", "a", "b")).toBe(1);
    expect(weight("view", "successors", "a", "c")).toBe(0.25);
    expect(weight("view", "later", "a", "c")).toBeCloseTo(1 / Math.SQRT2, 4);
    expect(weight("view", "earlier", "c", "a")).toBe(0.5);
    expect(weight("buy", "boughtTogether", "a", "c")).toBe(1);
    expect(weight("buy", "boughtTogether", "c", "a")).toBe(1);
    expect(rows.some((r) => r.kind === "view" && r.item === r.other)).toBe(false);
  });

  it("adds nothing when the same messages are delivered again", async () => {
    const ws = uid("ws-dup");
    const facts = [fact("view", "x", "s2#1", 0), fact("view", "y", "s2#1", 1), fact("cart", "y", "s2#1", 2)];
    expect((await consume(ws, facts)).ackAll).toBe(true);
    const once = await pairs(ws);
    const stats = await env.DB.prepare(`SELECT item, views, carts, popularity FROM item_stats WHERE workspace_id = ? ORDER BY item`).bind(ws).all();
    await consume(ws, facts);
    await consume(ws, [facts[1]!, facts[0]!]);
    expect(await pairs(ws)).toEqual(once);
    expect((await env.DB.prepare(`SELECT item, views, carts, popularity FROM item_stats WHERE workspace_id = ? ORDER BY item`).bind(ws).all()).results).toEqual(stats.results);
  });

  it("continues a session across batches: a later click pairs with the earlier batch's", async () => {
    const ws = uid("ws-cont");
    await consume(ws, [fact("view", "p", "s3#1", 0)]);
    await consume(ws, [fact("view", "q", "s3#1", 1)]);
    expect((await pairs(ws)).filter((r) => r.relation === "successors")).toEqual([
      { kind: "view", relation: "successors", item: "p", other: "q", weight: 1 },
    ]);
  });

  it("pairs a click in a long session with its latest clicks only, and still ignores a redelivered old click", async () => {
    const ws = uid("ws-long");
    const clicks = Array.from({ length: 12 }, (_, i) => fact("view", `i${i}`, "s4#1", i));
    for (const click of clicks) await consume(ws, [click]);
    const next = fact("view", "last", "s4#1", 12);
    await consume(ws, [next]);
    const rows = await pairs(ws);
    // successors pair with 5 steps back, later/earlier with 3: i7..i11 reach "last", i6 does not.
    expect(rows.filter((r) => r.relation === "successors" && r.other === "last").map((r) => r.item).sort()).toEqual(["i10", "i11", "i7", "i8", "i9"]);
    expect(rows.filter((r) => r.relation === "earlier" && r.item === "last").map((r) => r.other).sort()).toEqual(["i10", "i11", "i9"]);
    // The first click, far outside the window, delivered again with the newest: nothing changes.
    await consume(ws, [clicks[0]!, next]);
    expect(await pairs(ws)).toEqual(rows);
  });

  it("is fed by the real events queue from ingest", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Viewed", { product_id: "queue-a" }),
      trackEvent(id, "Product Viewed", { product_id: "queue-b" }),
    ]);
    await vi.waitUntil(
      async () => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM item_stats WHERE workspace_id = 'demo' AND item IN ('queue-a', 'queue-b')`).first<{ n: number }>())!.n === 2,
      { timeout: 10_000, interval: 50 },
    );
  });
});

describe("materialisation (cron)", () => {
  it("writes normalised neighbour lists, two-hop lists and trending per category to KV, then clears the dirty set", async () => {
    const ws = uid("ws-mat");
    const session = (n: number, items: string[], category = "Shoes") =>
      items.map((item, i) => fact("view", item, `c${n}#1`, n * 100 + i, { category }));
    await consume(ws, [...session(1, ["a", "b", "c"]), ...session(2, ["a", "b"]), ...session(3, ["b", "d"]), ...session(4, ["z"], "Hats")]);
    await handler.scheduled!(createScheduledController({ scheduledTime: T0 + 3600_000, cron: "*/10 * * * *" }), env, createExecutionContext());

    const a = await env.RECS_KV.get<any>(`nb:${ws}:a`, "json");
    // a→b in two sessions (weight 2), a→c two steps on in one (1/4): normalised 1 and 1/8.
    expect(a.successors.map((s: any) => [s.item, Math.round(s.score * 1e3) / 1e3])).toEqual([["b", 1], ["c", 0.125]]);
    expect(a.views).toBeGreaterThan(0);
    // a → b → d: d is two hops from a.
    expect(a.related.map((r: any) => r.item)).toContain("d");
    const trendingShoes = await env.RECS_KV.get<any>(`trend:${ws}:Shoes`, "json");
    expect(trendingShoes[0].item).toBe("b");
    expect(trendingShoes[0].score).toBe(1);
    expect(trendingShoes.map((t: any) => t.item)).not.toContain("z");
    expect((await env.RECS_KV.get<any>(`trend:${ws}:`, "json")).map((t: any) => t.item)).toContain("z");
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM dirty_items WHERE workspace_id = ?`).bind(ws).first<{ n: number }>())!.n).toBe(0);
  });
});
