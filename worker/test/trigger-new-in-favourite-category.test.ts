// New in your favourite category end to end: products a catalog upsert adds reach the customers who favour their category.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { shardTotals } from "./recs-helpers.ts";
import { admin, messagesOf, messagingWorkspace, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

function upsert(ws: MessagingWorkspace, products: unknown[]) {
  return request("/v1/catalog/products", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ws.secretKey}` },
    body: JSON.stringify({ products }),
  });
}

/** Distinct customers in the interest index. */
async function interestRows(ws: MessagingWorkspace) {
  return (await shardTotals(ws.id)).profiles.size;
}

async function shopper(ws: MessagingWorkspace, views: [string, string][]) {
  const id = uid();
  await batch(
    [
      { type: "identify", anonymousId: id, traits: { email: `${id}@example.com` }, messageId: crypto.randomUUID() },
      ...views.map(([product, category]) => trackEvent(id, "Product Viewed", { product_id: product, category })),
    ],
    ws.writeKey,
  );
  return id;
}

describe("new in your favourite category", () => {
  it("tells the customer who favours the category about the new products they have not seen — and no one else", async () => {
    const ws = await messagingWorkspace({ triggers: { arrivals: { template: "new_in_favourite_category", steps: [{ delay_minutes: 0 }] } } });
    // The store's catalog: its first import announces nothing.
    await upsert(ws, [
      { product_id: "boot-1", name: "Hiking Boot", price: 120, category: "Shoes", url: "https://shop.example/p/boot-1" },
      { product_id: "boot-2", name: "Trail Boot", price: 140, category: "Shoes", url: "https://shop.example/p/boot-2" },
      { product_id: "lamp", name: "Lamp", price: 40, category: "Home", url: "https://shop.example/p/lamp" },
    ]);
    const fan = await shopper(ws, [["boot-1", "Shoes"], ["boot-2", "Shoes"], ["boot-1", "Shoes"]]);
    const browser = await shopper(ws, [["boot-1", "Shoes"]]);
    const homebody = await shopper(ws, [["lamp", "Home"], ["lamp", "Home"], ["lamp", "Home"]]);
    // The interest index is written off the hot path, by the events queue consumer.
    await vi.waitUntil(async () => (await interestRows(ws)) === 3, { timeout: 5000 });

    const res = await admin(ws, "POST", "/catalog-changes", { kind: "new_arrivals", category: "Shoes", product_ids: ["boot-3", "boot-2"] });
    expect(res.status).toBe(200);
    // Both Shoes viewers are candidates; only the one for whom Shoes is a favourite (3 views) gets a run.
    expect(res.body.results).toEqual([{ category: "Shoes", kind: "new_arrivals", candidates: 2, scheduled: 1, next_cursor: null }]);
    const [message] = await waitForOutbox(ws, fan, 1);
    // boot-2 was already viewed: only what is new to the customer.
    expect(message.message.payload.products.map((p: any) => p.product_id)).toEqual(["boot-3"]);
    for (const other of [browser, homebody]) expect((await messagesOf(ws, other)).body.runs).toEqual([]);

    // Once per category a day.
    const again = await admin(ws, "POST", "/catalog-changes", { kind: "new_arrivals", category: "Shoes", product_ids: ["boot-4"] });
    expect(again.body.results[0]).toMatchObject({ candidates: 2, scheduled: 0 });
  });

  it("is started by the catalog itself: an upsert that adds a product to an established catalog", async () => {
    const ws = await messagingWorkspace({ triggers: { arrivals: { template: "new_in_favourite_category", steps: [{ delay_minutes: 0 }] } } });
    await upsert(ws, [{ product_id: "boot-1", name: "Hiking Boot", price: 120, category: "Shoes", url: "https://shop.example/p/boot-1" }]);
    const fan = await shopper(ws, [["boot-1", "Shoes"], ["boot-1", "Shoes"], ["boot-1", "Shoes"]]);
    await vi.waitUntil(async () => (await interestRows(ws)) === 1, { timeout: 5000 });
    // More of the first import, minutes later: still the store's catalog, not news.
    await upsert(ws, [{ product_id: "boot-2", name: "Trail Boot", price: 140, category: "Shoes" }]);
    // The catalog has been there for a day now.
    await env.DB.prepare(`UPDATE catalog SET created_at = ? WHERE workspace_id = ?`).bind(Date.now() - 24 * 60 * 60_000, ws.id).run();

    const res = await upsert(ws, [{ product_id: "boot-9", name: "Winter Boot", price: 160, currency: "EUR", category: "Shoes", url: "https://shop.example/p/boot-9" }]);
    expect(res.status).toBe(200);
    const [message] = await waitForOutbox(ws, fan, 1);
    expect(message.trigger_id).toBe("arrivals");
    // Only boot-9: boot-2 came with the first import.
    expect(message.message.payload.products).toMatchObject([{ product_id: "boot-9", name: "Winter Boot", price: 160, url: "https://shop.example/p/boot-9" }]);
    expect((await messagesOf(ws, fan)).body.runs).toHaveLength(1);
  });
});
