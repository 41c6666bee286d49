// A follow-up about a product shows the catalog's current name and price, not what the customer's old view said.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { cardKey } from "../src/catalog/product.ts";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { messagingWorkspace, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

describe("the product-interest follow-up", () => {
  // Regression: the follow-up quoted the price and name from the old view event instead of the catalog's current card.
  it("quotes the catalog's current card", async () => {
    const ws = await messagingWorkspace({
      triggers: {
        "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] },
        interest: { template: "product_interest" },
      },
    });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "c@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Product Viewed", { product_id: "tent", name: "Trail Tent", price: 199 }),
      ],
      ws.writeKey,
    );
    // Since the view, the store renamed the tent and lowered its price.
    const upsert = await request("/v1/catalog/products", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ws.secretKey}` },
      body: JSON.stringify({ product_id: "tent", name: "Trail Tent (2027)", price: 179, currency: "EUR", url: "https://shop.example/p/tent" }),
    });
    expect(upsert.status).toBe(200);
    await vi.waitUntil(async () => (await env.RECS_KV.get(cardKey(ws.id, "tent"))) !== null, { timeout: 5000 });

    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "stove" }, { product_id: "tent", name: "Tent" }] })], ws.writeKey);
    const [crossSell] = await waitForOutbox(ws, visitor, 1);
    const link: string = crossSell.message.payload.products.find((p) => p.product_id === "tent")!.link!;
    expect((await request(new URL(link).pathname, { redirect: "manual" })).status).toBe(302);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const followUp = (await waitForOutbox(ws, visitor, 2)).find((m) => m.trigger_id === "interest")!;
    expect(followUp.message.payload.products).toMatchObject([
      { product_id: "tent", name: "Trail Tent (2027)", price: 179, currency: "EUR", url: "https://shop.example/p/tent" },
    ]);
  });
});
