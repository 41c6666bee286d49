// The seed story: a cart started in the app is there on the website once the customer signs in.
import { describe, expect, it } from "vitest";
import { batch, cartFor, customer, signIn, trackEvent, uid, userHash } from "./helpers.ts";

const app = { app: { name: "Shop", version: "3.1" }, device: { id: "pixel-8" }, library: { name: "seam-app" } };
const web = { page: { url: "https://shop.example/" }, library: { name: "seam-web" } };

describe("cross-device cart restore", () => {
  it("restores the app cart on the website after sign-in, and keeps a late app event", async () => {
    const deviceA = uid("app-anon");
    const deviceB = uid("web-anon");
    const userId = uid("user");

    // Device A: anonymous, in the app: views and adds two products, then signs in.
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await batch([
      trackEvent(deviceA, "Product Viewed", { product_id: "pizza", price: 12 }, { context: app, timestamp: at(1) }),
      trackEvent(deviceA, "Product Added", { product_id: "pizza", price: 12, quantity: 2 }, { context: app, timestamp: at(2) }),
      trackEvent(deviceA, "Product Viewed", { product_id: "cola", price: 2 }, { context: app, timestamp: at(3) }),
      trackEvent(deviceA, "Product Added", { product_id: "cola", price: 2 }, { context: app, timestamp: at(4) }),
    ]);
    const signedInA = (await (await signIn(deviceA, userId, {}, app)).json()) as any;
    // identify answers with what the server knows after the merge.
    expect(signedInA.profile.cart.lines.map((l: any) => l.product_id)).toEqual(["pizza", "cola"]);

    // Device B: the website, another anonymous id, browses, signs in.
    await batch([{ type: "page", anonymousId: deviceB, name: "Home", context: web }]);
    const signedInB = (await (await signIn(deviceB, userId, {}, web)).json()) as any;
    expect(signedInB.profile.cart.item_count).toBe(3);

    const cart = await cartFor({ anonymousId: deviceB, userId, userHash: await userHash(userId) });
    expect(cart.status).toBe(200);
    expect(cart.body.lines.map((l: any) => [l.product_id, l.quantity, l.price, l.source])).toEqual([
      ["pizza", 2, 12, { channel: "app", device: "pixel-8" }],
      ["cola", 1, 2, { channel: "app", device: "pixel-8" }],
    ]);
    expect(cart.body.restored).toBe(true);
    expect(cart.body.restored_from).toEqual([{ device: "pixel-8", channel: "app" }]);

    // B's own anonymous id now reads the customer's cart too (B signed in on this device).
    expect((await cartFor({ anonymousId: deviceB })).body.item_count).toBe(3);

    // A late event from A's old anonymous id (another tab, no userId) lands in the user's profile.
    await batch([trackEvent(deviceA, "Product Viewed", { product_id: "late-dessert" }, { messageId: "late-1", context: app })]);
    const state = (await customer(userId)).body;
    expect(state.channel_history.some((t: any) => t.message_id === "late-1")).toBe(true);
    expect(state.viewed_items.map((v: any) => v.product_id)).toContain("late-dessert");
    expect(state.linked_profiles).toEqual([`a:${deviceA}`, `a:${deviceB}`].sort());
  });

  it("says a cart read on the device that filled it is not restored", async () => {
    const device = uid();
    const userId = uid("user");
    await batch([trackEvent(device, "Product Added", { product_id: "x" })]);
    await signIn(device, userId);
    const cart = await cartFor({ anonymousId: device, userId, userHash: await userHash(userId) });
    expect(cart.body).toMatchObject({ restored: false, restored_from: [], item_count: 1 });
  });

  it("unions carts line by line: the most recently changed quantity wins", async () => {
    const phone = uid();
    const laptop = uid();
    const userId = uid("user");
    const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 9, m)).toISOString();
    await batch([trackEvent(phone, "Product Added", { product_id: "tea", quantity: 1 }, { timestamp: at(1) })]);
    await signIn(phone, userId);
    await batch([
      trackEvent(laptop, "Product Added", { product_id: "tea", quantity: 4 }, { timestamp: at(5) }),
      trackEvent(laptop, "Product Added", { product_id: "mug", quantity: 1 }, { timestamp: at(6) }),
    ]);
    await signIn(laptop, userId);
    const cart = await cartFor({ anonymousId: laptop, userId, userHash: await userHash(userId) });
    expect(cart.body.lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["tea", 4], ["mug", 1]]);
  });
});
