// Browse abandonment end to end: a product viewed N times and not added within the delay → a message about it.
import { describe, expect, it } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { HOUR, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function workspace() {
  return messagingWorkspace({
    policy: { caps: [], quiet_hours: null, opt_in_channels: [], links: { product_url: "https://shop.example/p/{product_id}" } },
    triggers: { browse: { template: "browse_abandonment", min_views: 2 } },
  });
}

function views(visitor: string, product: string, times: number[]) {
  return times.map((t) =>
    trackEvent(visitor, "Product Viewed", { product_id: product, name: "Linen shirt", price: 49, category: "Shirts" }, { timestamp: iso(t) }),
  );
}

describe("browse abandonment", () => {
  it("sends a message about a product viewed twice and not added, two hours after the last view", async () => {
    const ws = await workspace();
    const visitor = uid();
    const t0 = Date.now() - 10 * 60_000;
    await batch([{ type: "identify", anonymousId: visitor, traits: { email: "b@example.com" }, messageId: crypto.randomUUID() }, ...views(visitor, "shirt", [t0])], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs).toEqual([]);

    await batch(views(visitor, "shirt", [t0 + 60_000]), ws.writeKey);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toMatchObject([{ trigger_id: "browse", product_id: "shirt", status: "active" }]);
    expect(pendingRows(state)).toMatchObject([{ due_at: iso(t0 + 60_000 + 2 * HOUR) }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.trigger_id).toBe("browse");
    expect(message.message.payload.products).toMatchObject([{ product_id: "shirt", name: "Linen shirt", price: 49, category: "Shirts" }]);
    expect(message.message.payload.products[0].link).toMatch(/\/v1\/t\/c\//);
    expect(message.message.payload.cart).toBeNull();
  });

  it("is cancelled when the product is added to the cart before the message goes", async () => {
    const ws = await workspace();
    const visitor = uid();
    const t0 = Date.now() - 10 * 60_000;
    await batch(views(visitor, "shirt", [t0, t0 + 60_000]), ws.writeKey);
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toHaveLength(1);
    await batch([trackEvent(visitor, "Product Added", { product_id: "shirt" }, { timestamp: iso(t0 + 2 * 60_000) })], ws.writeKey);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toMatchObject([{ status: "exited", reason: "added_to_cart" }]);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(false);
  });

  it("does not start for a product already in the cart", async () => {
    const ws = await workspace();
    const visitor = uid();
    const t0 = Date.now() - 10 * 60_000;
    await batch([trackEvent(visitor, "Product Added", { product_id: "shirt" }, { timestamp: iso(t0) }), ...views(visitor, "shirt", [t0 + 1000, t0 + 2000])], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs).toEqual([]);
  });
});
