// The store's catalog: bulk upserts with per-row results, cards for recommendations, change facts.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createWorkspace, request } from "./helpers.ts";

function upsert(body: unknown, secretKey = "sk_demo") {
  return request("/v1/catalog/products", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secretKey}` },
    body: JSON.stringify(body),
  });
}

describe("catalog", () => {
  it("upserts products in bulk, reports rejected rows, and publishes cards to KV", async () => {
    const res = await upsert({
      products: [
        { product_id: "shirt", name: "Linen shirt", price: "49.90", currency: "eur", category: ["Men", "Shirts"], url: "https://shop.example/shirt", in_stock: "true" },
        { product_id: 42, name: "Numbered", price: 5 },
        { product_id: "", name: "no id" },
        { product_id: "bad-price", price: "cheap" },
        { product_id: "negative", price: -5 },
        { product_id: "negative-text", price: "-0.5" },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.upserted).toBe(2);
    expect(body.rejected).toBe(4);
    expect(body.results.map((r: any) => [r.index, r.reason])).toEqual([
      [2, "product_id: required: a non-empty id (text or number, at most 256 characters)"],
      [3, "price: must be a number"],
      [4, "price: must not be negative"],
      [5, "price: must not be negative"],
    ]);

    const read = (await (await request("/v1/catalog/products/shirt", { headers: { authorization: "Bearer sk_demo" } })).json()) as any;
    expect(read.variants[0]).toMatchObject({ product_id: "shirt", price: 49.9, currency: "EUR", category: "Men > Shirts", in_stock: true });

    await vi.waitUntil(async () => (await env.RECS_KV.get("card:demo:shirt")) !== null, { timeout: 5000 });
    expect(JSON.parse((await env.RECS_KV.get("card:demo:shirt"))!)).toEqual({
      product_id: "shirt", name: "Linen shirt", url: "https://shop.example/shirt", image_url: null,
      price: 49.9, currency: "EUR", category: "Men > Shirts", brand: null, in_stock: true,
    });
  });

  it("records price drops and restocks as catalog changes", async () => {
    await upsert({ products: [{ product_id: "lamp", price: 100 }, { product_id: "vase", price: 30, in_stock: false }] });
    const res = (await (await upsert({ products: [{ product_id: "lamp", price: 80 }, { product_id: "vase", price: 30, in_stock: true }] })).json()) as any;
    expect(res.changes).toEqual([
      { product_id: "lamp", variant: "", kind: "price_drop", old_price: 100, new_price: 80 },
      { product_id: "vase", variant: "", kind: "back_in_stock", old_price: 30, new_price: 30 },
    ]);
    const { results } = await env.DB.prepare(`SELECT product_id, kind FROM catalog_changes WHERE workspace_id = 'demo' ORDER BY seq`).all();
    expect(results).toEqual([{ product_id: "lamp", kind: "price_drop" }, { product_id: "vase", kind: "back_in_stock" }]);
    // A price rise is not news.
    expect(((await (await upsert({ product_id: "lamp", price: 90 })).json()) as any).changes).toEqual([]);
  });

  it("shows a product with variants as in stock when any variant is", async () => {
    await upsert({ products: [{ product_id: "shoe", variant: "41", price: 90, in_stock: false }, { product_id: "shoe", variant: "42", price: 95 }] });
    await vi.waitUntil(async () => (await env.RECS_KV.get("card:demo:shoe")) !== null, { timeout: 5000 });
    expect(JSON.parse((await env.RECS_KV.get("card:demo:shoe"))!)).toMatchObject({ in_stock: true, price: 95 });
  });

  it("rejects a request with no valid product, bad JSON or a write key, changing nothing", async () => {
    const none = await upsert({ products: [{ name: "no id" }] });
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).error.code).toBe("invalid_products");
    expect((await upsert({ products: [] })).status).toBe(400);
    expect((await upsert({ product_id: "x" }, "wk_demo")).status).toBe(401);
    const other = await createWorkspace({ name: "Other catalog" });
    await upsert({ product_id: "mine" }, other.keys.secret_key);
    expect((await request("/v1/catalog/products/mine", { headers: { authorization: "Bearer sk_demo" } })).status).toBe(404);
  });
});
