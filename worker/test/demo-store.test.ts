// The demo store's pages and its tiny backend, through the worker: the store's tags on every page,
// its catalog in Seam's, a userHash the API accepts, and clear JSON errors for bad input.
import { describe, expect, it } from "vitest";
import { DEMO_PRODUCTS } from "../src/demo/catalog.ts";
import { request } from "./helpers.ts";

describe("the demo store", () => {
  it("renders its pages with the SDK snippet and the widget tag, and puts its catalog into Seam's", async () => {
    for (const path of ["/demo", "/demo/c/mugs", "/demo/p/mugs-harbor-navy", "/demo/cart", "/demo/account", "/demo/checkout"]) {
      const res = await request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html, path).toContain('(window,document,"https://seam.test/seam.js");');
      expect(html, path).toContain('<script async src="https://seam.test/seam-widget.js" data-write-key="wk_demo" data-host="https://seam.test"></script>');
    }
    const card = await (await request(`/v1/catalog/products/${DEMO_PRODUCTS[7]!.id}`, { headers: { authorization: "Bearer sk_demo" } })).json();
    expect((card as any).variants[0].url).toBe(`https://seam.test/demo/p/${DEMO_PRODUCTS[7]!.id}`);
    const trending = (await (await request("/v1/recs?type=trending&writeKey=wk_demo")).json()) as any;
    expect(trending.fallback).toBe("catalog_newest");
    expect(trending.items.length).toBe(8);
  });

  it("serves a product's image as SVG", async () => {
    const res = await request("/demo/img/lamps-nordic-birch.svg");
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await res.text()).toMatch(/^<svg [^>]*viewBox="0 0 600 600"/);
  });

  it("signs in with a userHash computed server-side, which the API accepts", async () => {
    const res = await request("/demo/api/sign-in", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "Ada@Example.com" }) });
    expect(res.status).toBe(200);
    const { userId, userHash } = (await res.json()) as { userId: string; userHash: string };
    expect(userId).toMatch(/^customer-[0-9a-f]{16}$/);
    const cart = await request(`/v1/cart?${new URLSearchParams({ userId, userHash, writeKey: "wk_demo" })}`);
    expect(cart.status).toBe(200);
    const forged = await request(`/v1/cart?${new URLSearchParams({ userId, userHash: "0".repeat(64), writeKey: "wk_demo" })}`);
    expect(forged.status).toBe(403);
  });

  it("answers bad input with the one JSON error shape", async () => {
    const badEmail = await request("/demo/api/sign-in", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "nope" }) });
    expect(badEmail.status).toBe(400);
    expect(((await badEmail.json()) as any).error.code).toBeTruthy();
    for (const path of ["/demo/p/no-such-product", "/demo/c/no-such-category", "/demo/img/nope.svg"]) {
      const res = await request(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code, path).toBe("not_found");
    }
  });
});
