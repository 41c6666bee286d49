// GET /v1/recs through the HTTP API on a seeded catalog and event history: every type,
// exclusions, fallbacks, category variety, tenant isolation and bad input.
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { forgetCachedLookups } from "../src/stores/recs-lookups.ts";
import { backendBatch, batch, createWorkspace, request, trackEvent, uid, userHash } from "./helpers.ts";
import { shardTotals } from "./recs-helpers.ts";

const handler = worker as ExportedHandler<typeof env>;

const CATALOG = [
  ...["s1", "s2", "s3", "s4", "s5", "s6"].map((id, i) => ({ product_id: id, name: `Shoe ${i + 1}`, price: 50 + i, currency: "EUR", category: "Shoes", url: `https://shop.example/${id}`, in_stock: id !== "s6" })),
  ...["h1", "h2", "h3", "h4"].map((id, i) => ({ product_id: id, name: `Hat ${i + 1}`, price: 20 + i, currency: "EUR", category: "Hats", url: `https://shop.example/${id}` })),
  ...["b1", "b2"].map((id, i) => ({ product_id: id, name: `Bag ${i + 1}`, price: 80 + i, currency: "EUR", category: "Bags", url: `https://shop.example/${id}` })),
];

async function upsertCatalog(products: unknown[], secretKey = "sk_demo") {
  const res = await request("/v1/catalog/products", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secretKey}` },
    body: JSON.stringify({ products }),
  });
  expect(res.status).toBe(200);
}

/** One shopper's session of product views, a minute apart, optionally ending in an order. */
function session(anonymousId: string, items: string[], start: number, order?: string[]) {
  const at = (i: number) => new Date(start + i * 60_000).toISOString();
  const events: unknown[] = items.map((item, i) =>
    trackEvent(anonymousId, "Product Viewed", { product_id: item, category: CATALOG.find((p) => p.product_id === item)?.category }, { timestamp: at(i) }),
  );
  if (order)
    events.push(
      trackEvent(anonymousId, "Order Completed", { order_id: uid("o"), products: order.map((product_id) => ({ product_id, price: 10 })) }, { timestamp: at(items.length) }),
    );
  return events;
}

/** (item, customer) entries the demo workspace's shards hold: one per product a shopper viewed or bought. */
async function interestFolded(): Promise<number> {
  return (await shardTotals("demo")).interestEntries;
}

async function recs(query: Record<string, string>) {
  const res = await request(`/v1/recs?${new URLSearchParams({ writeKey: "wk_demo", ...query })}`);
  return { status: res.status, body: (await res.json()) as any };
}

const ids = (body: any) => body.items.map((i: any) => i.product_id);
const start = Date.now() - 6 * 3600_000;

beforeAll(async () => {
  await upsertCatalog(CATALOG);
  const history = [
    ...session(uid(), ["s1", "s2", "s3"], start),
    ...session(uid(), ["s1", "s2", "s4"], start),
    ...session(uid(), ["s1", "s2"], start, ["s1", "b1"]),
    ...session(uid(), ["s1", "s5", "s6"], start, ["s1", "b1"]),
    ...session(uid(), ["h1", "h2", "h3"], start),
    ...session(uid(), ["h1", "h2"], start),
    ...session(uid(), ["h1"], start),
    ...session(uid(), ["s2", "s2", "s3"], start),
  ];
  const expectedEntries = new Set(
    history.flatMap((e: any) =>
      e.event === "Product Viewed" ? [`${e.anonymousId} ${e.properties.product_id}`] : e.properties.products.map((p: any) => `${e.anonymousId} ${p.product_id}`),
    ),
  ).size;
  await batch(history);
  await vi.waitUntil(async () => (await interestFolded()) >= expectedEntries, { timeout: 15_000, interval: 50 });
  await handler.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), env, createExecutionContext());
  forgetCachedLookups();
});

describe("GET /v1/recs", () => {
  it("for_you: scores the visitor's own session, excluding cart, purchases and out-of-stock items", async () => {
    const visitor = uid();
    await batch([
      ...session(visitor, ["s1"], Date.now() - 60_000),
      trackEvent(visitor, "Product Added", { product_id: "s3" }),
    ]);
    const { status, body } = await recs({ type: "for_you", anonymousId: visitor, limit: "5" });
    expect(status).toBe(200);
    expect(body.recId).toMatch(/^r_[0-9a-z]+$/);
    expect(body.fallback).toBeNull();
    expect(ids(body)[0]).toBe("s2");
    expect(ids(body)).not.toContain("s3"); // in the cart
    expect(ids(body)).not.toContain("s6"); // out of stock
    expect(body.items[0]).toMatchObject({ name: "Shoe 2", price: 51, currency: "EUR", url: "https://shop.example/s2", in_stock: true });
    expect(body.items[0].score).toBeGreaterThan(0);

    // After buying s2 it is not recommended again.
    await batch([trackEvent(visitor, "Order Completed", { order_id: uid("o"), products: [{ product_id: "s2" }] })]);
    expect(ids((await recs({ type: "for_you", anonymousId: visitor })).body)).not.toContain("s2");
  });

  it("similar: what was viewed around the item, never the item itself", async () => {
    const { body } = await recs({ type: "similar", item: "s1", limit: "3" });
    expect(ids(body)[0]).toBe("s2");
    expect(ids(body)).not.toContain("s1");
    expect(body.fallback).toBeNull();
  });

  it("bought_together: what was bought with the item", async () => {
    const { body } = await recs({ type: "bought_together", item: "s1", limit: "2" });
    expect(ids(body)[0]).toBe("b1");
  });

  it("cart: complements of the whole cart", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Added", { product_id: "s1" })]);
    const { body } = await recs({ type: "cart", anonymousId: visitor, limit: "3" });
    expect(ids(body)[0]).toBe("b1");
    expect(ids(body)).not.toContain("s1");
  });

  it("trending: the whole store with variety across categories, or one category", async () => {
    // Five in stock: shoes s1-s5, hats h1-h3, bag b1; at most 2 of a category in 5.
    const all = (await recs({ type: "trending", limit: "5" })).body;
    expect(all.items).toHaveLength(5);
    const perCategory = new Map<string, number>();
    for (const item of all.items) perCategory.set(item.category, (perCategory.get(item.category) ?? 0) + 1);
    expect(Math.max(...perCategory.values())).toBeLessThanOrEqual(2);
    const hats = (await recs({ type: "trending", category: "Hats" })).body;
    expect(ids(hats)[0]).toBe("h1");
    expect(hats.items.every((i: any) => i.category === "Hats")).toBe(true);
  });

  it("recently_viewed: the visitor's own views, newest first", async () => {
    const visitor = uid();
    await batch(session(visitor, ["h1", "s4", "b2"], Date.now() - 600_000));
    expect(ids((await recs({ type: "recently_viewed", anonymousId: visitor })).body)).toEqual(["b2", "s4", "h1"]);
  });

  it("falls back for new visitors: trending in the last viewed category, else the store", async () => {
    const fresh = (await recs({ type: "for_you", anonymousId: uid() })).body;
    expect(fresh.fallback).toBe("global_trending");
    expect(fresh.items.length).toBeGreaterThan(0);

    // Viewed a hat nobody else viewed with anything: no lists, but a category.
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "h4", category: "Hats" })]);
    const hatFan = (await recs({ type: "for_you", anonymousId: visitor, limit: "3" })).body;
    expect(hatFan.fallback).toBe("category_trending");
    // The hat, then trending hats; variety keeps a third hat out of a list of three.
    expect(hatFan.items.slice(0, 2).map((i: any) => i.category)).toEqual(["Hats", "Hats"]);
    expect(hatFan.items.filter((i: any) => i.category === "Hats")).toHaveLength(2);
  });

  it("reads a signed-in customer only with a valid userHash", async () => {
    const userId = uid("user");
    await backendBatch([{ type: "track", userId, event: "Product Viewed", properties: { product_id: "s1" } }]);
    expect((await recs({ type: "for_you", userId })).status).toBe(403);
    const ok = await recs({ type: "for_you", userId, userHash: await userHash(userId) });
    expect(ids(ok.body)[0]).toBe("s2");
  });

  it("keeps workspaces apart: another store's key sees none of this history", async () => {
    const other = await createWorkspace({ name: "Other store" });
    await upsertCatalog([{ product_id: "s2", name: "Their shoe" }], other.keys.secret_key);
    const res = await request(`/v1/recs?${new URLSearchParams({ writeKey: other.keys.write_key, type: "similar", item: "s1" })}`);
    // Only its own catalog's newest product stands in: nothing learnt from this store's shoppers.
    const body = (await res.json()) as any;
    expect(body.fallback).toBe("catalog_newest");
    expect(body.items.map((i: any) => [i.product_id, i.name])).toEqual([["s2", "Their shoe"]]);
  });

  it("rejects bad queries with a clear 400", async () => {
    const bad: Record<string, string>[] = [
      { type: "nope" },
      { type: "similar" },
      { type: "trending", limit: "0" },
      { type: "trending", limit: "51" },
      { type: "trending", limit: "ten" },
      { type: "for_you" },
    ];
    for (const query of bad) {
      const { status, body } = await recs(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body.error.code).toBe("invalid_query");
    }
    expect((await request(`/v1/recs?type=trending`)).status).toBe(401);
  });
});
