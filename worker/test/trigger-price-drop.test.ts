// Price drop and back in stock end to end: a catalog change fans out through the interest index to exactly the interested customers.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { shardTotals } from "./recs-helpers.ts";
import { admin, DAY, messagesOf, messagingWorkspace, outbox, pendingRows, type MessagingWorkspace } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function customerWith(ws: MessagingWorkspace, events: (id: string) => unknown[]) {
  const id = uid();
  await batch([{ type: "identify", anonymousId: id, traits: { email: `${id}@example.com` }, messageId: crypto.randomUUID() }, ...events(id)], ws.writeKey);
  return id;
}

/** (product, customer) entries in the interest index. */
async function interestRows(ws: MessagingWorkspace) {
  return (await shardTotals(ws.id)).interestEntries;
}

describe("price drop and back in stock", () => {
  it("reaches the customers who viewed or carted the product recently and did not buy it — and only them", async () => {
    const ws = await messagingWorkspace({
      triggers: { "price-drop": { template: "price_drop", min_drop_percent: 10 }, restock: { template: "back_in_stock" } },
    });
    const now = Date.now();
    const viewer = await customerWith(ws, (id) => [trackEvent(id, "Product Viewed", { product_id: "lamp", name: "Lamp", price: 100 }, { timestamp: iso(now - DAY) })]);
    const carter = await customerWith(ws, (id) => [trackEvent(id, "Product Added", { product_id: "lamp", price: 100 }, { timestamp: iso(now - 2 * DAY) })]);
    const buyer = await customerWith(ws, (id) => [
      trackEvent(id, "Product Viewed", { product_id: "lamp" }, { timestamp: iso(now - 3 * DAY) }),
      trackEvent(id, "Order Completed", { order_id: `o-${id}`, products: [{ product_id: "lamp", price: 100 }] }, { timestamp: iso(now - 2 * DAY) }),
    ]);
    const longAgo = await customerWith(ws, (id) => [trackEvent(id, "Product Viewed", { product_id: "lamp" }, { timestamp: iso(now - 45 * DAY) })]);
    const other = await customerWith(ws, (id) => [trackEvent(id, "Product Viewed", { product_id: "chair" }, { timestamp: iso(now - DAY) })]);
    // The interest index is written off the hot path, by the events queue consumer.
    await vi.waitUntil(async () => (await interestRows(ws)) === 5, { timeout: 5000 });

    const res = await admin(ws, "POST", "/catalog-changes", { product_id: "lamp", kind: "price_drop", old_price: 100, new_price: 79, product: { name: "Lamp", url: "https://shop.example/p/lamp" } });
    expect(res.status).toBe(200);
    // The index names the recent, not-bought ones; each customer's object confirms.
    expect(res.body.results).toEqual([{ product_id: "lamp", kind: "price_drop", candidates: 2, scheduled: 2, next_cursor: null }]);

    let messages: any[] = [];
    await vi.waitUntil(async () => (messages = (await outbox(ws, { trigger: "price-drop" })).body.messages).length >= 2, { timeout: 5000 });
    expect(messages.map((m) => m.profile_key).sort()).toEqual([`a:${carter}`, `a:${viewer}`].sort());
    // Nothing more can come: the two have nothing left planned, and the fan-out never asked the others.
    for (const name of [viewer, carter]) {
      await vi.waitUntil(async () => (await messagesOf(ws, name)).body.messages[0]?.status === "sent", { timeout: 5000 });
      expect(pendingRows((await messagesOf(ws, name)).body)).toEqual([]);
    }
    for (const name of [buyer, longAgo, other]) expect((await messagesOf(ws, name)).body.runs).toEqual([]);
    const payload = messages[0].message.payload;
    expect(payload.price_change).toEqual({ old_price: 100, new_price: 79, drop_percent: 21 });
    expect(payload.products).toMatchObject([{ product_id: "lamp", name: "Lamp", price: 79 }]);
    expect(payload.products[0].link).toMatch(/\/v1\/t\/c\//);

    // The same change again reaches no one twice; a restock is another trigger and reaches them again.
    const again = await admin(ws, "POST", "/catalog-changes", { product_id: "lamp", kind: "price_drop", old_price: 100, new_price: 79 });
    expect(again.body.results[0]).toMatchObject({ candidates: 2, scheduled: 0 });
    const restock = await admin(ws, "POST", "/catalog-changes", { changes: [{ product_id: "lamp", kind: "back_in_stock" }] });
    expect(restock.body.results[0]).toMatchObject({ candidates: 2, scheduled: 2 });
    await vi.waitUntil(async () => (await outbox(ws, { trigger: "restock" })).body.messages.length === 2, { timeout: 5000 });
  });

  it("does nothing, and reads nothing, for a workspace without the trigger; refuses bad changes with a 400", async () => {
    const ws = await messagingWorkspace();
    expect((await admin(ws, "POST", "/catalog-changes", { product_id: "x", kind: "back_in_stock" })).body.results).toEqual([
      { product_id: "x", kind: "back_in_stock", candidates: 0, scheduled: 0, next_cursor: null },
    ]);
    for (const body of [
      { product_id: "x", kind: "price_drop" },
      { product_id: "x", kind: "price_drop", old_price: 10, new_price: 12 },
      { product_id: "", kind: "back_in_stock" },
      { product_id: "x", kind: "sale" },
      { changes: [] },
    ]) {
      const res = await admin(ws, "POST", "/catalog-changes", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_body");
    }
    expect((await request("/v1/admin/catalog-changes", { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("is started by the catalog itself: an upsert that lowers a price reaches the interested customer", async () => {
    const ws = await messagingWorkspace({ triggers: { "price-drop": { template: "price_drop", min_drop_percent: 10 } } });
    const upsert = (products: unknown[]) =>
      request("/v1/catalog/products", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ws.secretKey}` },
        body: JSON.stringify({ products }),
      });
    await upsert([{ product_id: "sofa", name: "Sofa", price: 900, currency: "EUR", url: "https://shop.example/p/sofa" }]);
    const viewer = await customerWith(ws, (id) => [trackEvent(id, "Product Viewed", { product_id: "sofa", price: 900 })]);
    await vi.waitUntil(async () => (await interestRows(ws)) === 1, { timeout: 5000 });

    const res = await upsert([{ product_id: "sofa", name: "Sofa", price: 700, currency: "EUR", url: "https://shop.example/p/sofa" }]);
    expect(((await res.json()) as any).changes).toMatchObject([{ product_id: "sofa", kind: "price_drop", old_price: 900, new_price: 700 }]);
    let messages: any[] = [];
    await vi.waitUntil(async () => (messages = (await outbox(ws, { trigger: "price-drop" })).body.messages).length === 1, { timeout: 5000 });
    expect(messages[0].profile_key).toBe(`a:${viewer}`);
    expect(messages[0].message.payload.products).toMatchObject([{ product_id: "sofa", name: "Sofa", price: 700 }]);
  });
});
