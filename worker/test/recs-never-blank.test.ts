// Recommendations on a store with a catalog and no aggregates yet (a new store, or before the
// cron's first run) are the catalog's featured and newest products, marked `fallback`; and a
// product page's strips never show the product itself.
import { describe, expect, it } from "vitest";
import { forgetCachedLookups } from "../src/stores/recs-lookups.ts";
import { batch, createWorkspace, request, trackEvent, uid } from "./helpers.ts";

const CATALOG = [
  ...["m1", "m2", "m3", "m4"].map((id, i) => ({ product_id: id, name: `Mug ${i + 1}`, price: 12 + i, currency: "EUR", category: "Mugs", url: `https://shop.example/${id}` })),
  ...["l1", "l2", "l3"].map((id, i) => ({ product_id: id, name: `Lamp ${i + 1}`, price: 60 + i, currency: "EUR", category: "Lamps", url: `https://shop.example/${id}` })),
  // Added first, but featured: it leads the store-wide list.
  { product_id: "l0", name: "Lamp 0", price: 99, currency: "EUR", category: "Lamps", url: "https://shop.example/l0", attributes: { featured: true } },
  { product_id: "m9", name: "Mug 9", price: 15, currency: "EUR", category: "Mugs", url: "https://shop.example/m9", in_stock: false },
];

async function newStore() {
  const store = await createWorkspace({ name: `New store ${uid()}` });
  const res = await request("/v1/catalog/products", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${store.keys.secret_key}` },
    // l0 first (the oldest), then the rest in order: the last added is the newest.
    body: JSON.stringify({ products: [CATALOG.at(-2), ...CATALOG.slice(0, -2), CATALOG.at(-1)] }),
  });
  expect(res.status).toBe(200);
  forgetCachedLookups();
  const recs = async (query: Record<string, string>) => {
    const r = await request(`/v1/recs?${new URLSearchParams({ writeKey: store.keys.write_key, ...query })}`);
    expect(r.status).toBe(200);
    return (await r.json()) as { fallback: string | null; items: { product_id: string; category: string }[] };
  };
  return { ...store, recs };
}

const ids = (body: { items: { product_id: string }[] }) => body.items.map((i) => i.product_id);

describe("a store with no aggregates yet", () => {
  it("gets its featured, then newest in-stock products as trending, marked catalog_newest", async () => {
    const { recs } = await newStore();
    const all = await recs({ type: "trending", limit: "4" });
    expect(all.fallback).toBe("catalog_newest");
    // Featured first; then newest first, with at most 2 lamps among 4 (store-wide variety).
    expect(ids(all)).toEqual(["l0", "l3", "m4", "m3"]);

    const mugs = await recs({ type: "trending", category: "Mugs" });
    expect(ids(mugs)).toEqual(["m4", "m3", "m2", "m1"]); // m9 is out of stock
    expect(mugs.fallback).toBe("catalog_newest");
  });

  it("never answers blank: a new visitor, an item nobody viewed", async () => {
    const { recs } = await newStore();
    const forYou = await recs({ type: "for_you", anonymousId: uid() });
    expect(forYou.fallback).toBe("catalog_newest");
    expect(forYou.items.length).toBeGreaterThan(0);

    // The anchor's category first.
    const similar = await recs({ type: "similar", item: "m1", limit: "3" });
    expect(similar.fallback).toBe("catalog_newest");
    expect(ids(similar)).toEqual(["m4", "m3", "m2"]);
  });
});

describe("a product page's strips", () => {
  // Regression: "recently viewed", "for you" and trending on product X's page listed X itself.
  it("leave out the product the page is about, whatever the type", async () => {
    const { recs, keys } = await newStore();
    const visitor = uid();
    await batch(
      ["m1", "l1", "m4"].map((item, i) => trackEvent(visitor, "Product Viewed", { product_id: item }, { timestamp: new Date(Date.now() - (3 - i) * 60_000).toISOString() })),
      keys.write_key,
    );
    // Without the page's item, the newest mug (m4) is in each list: the exclusion below is real.
    expect(ids(await recs({ type: "recently_viewed", anonymousId: visitor }))).toContain("m4");
    expect(ids(await recs({ type: "trending", category: "Mugs" }))).toContain("m4");
    for (const type of ["recently_viewed", "for_you", "trending", "similar", "bought_together"]) {
      const body = await recs({ type, item: "m4", anonymousId: visitor, limit: "8" });
      expect(ids(body), type).not.toContain("m4");
      expect(body.items.length, type).toBeGreaterThan(0);
    }
  });
});
