// Segment Ecommerce v2 events build the customer's cart, viewed items and orders.
import { describe, expect, it } from "vitest";
import { batch, customer, trackEvent, uid } from "./helpers.ts";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute)).toISOString();

async function cartOf(id: string) {
  return (await customer(id)).body.cart;
}

describe("cart from Ecommerce events", () => {
  it("Product Added adds quantity to the line of the same product and variant", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "shoe", variant: "42", quantity: 1, price: 80, currency: "EUR", name: "Runner" }, { timestamp: at(1) }),
      trackEvent(id, "Product Added", { product_id: "shoe", variant: "42", quantity: 2 }, { timestamp: at(2) }),
      trackEvent(id, "Product Added", { product_id: "shoe", variant: "43" }, { timestamp: at(3) }),
      trackEvent(id, "Product Added", { sku: "sock-sku", price: "4.50" }, { timestamp: at(4) }),
    ]);
    const cart = await cartOf(id);
    expect(cart.lines.map((l: any) => [l.product_id, l.variant, l.quantity, l.price])).toEqual([
      ["shoe", "42", 3, 80],
      ["shoe", "43", 1, null],
      ["sock-sku", null, 1, 4.5],
    ]);
    expect(cart.lines[0]).toMatchObject({ name: "Runner", currency: "EUR" });
    expect(cart.item_count).toBe(5);
    expect(cart.subtotal).toBe(244.5);
    expect(cart.currency).toBe("EUR");
  });

  it("Product Removed with a quantity decrements, without one removes the line", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "a", quantity: 3 }, { timestamp: at(1) }),
      trackEvent(id, "Product Added", { product_id: "b", quantity: 1 }, { timestamp: at(2) }),
      trackEvent(id, "Product Removed", { product_id: "a", quantity: 1 }, { timestamp: at(3) }),
      trackEvent(id, "Product Removed", { product_id: "b" }, { timestamp: at(4) }),
    ]);
    expect((await cartOf(id)).lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["a", 2]]);

    await batch([trackEvent(id, "Product Removed", { product_id: "a", quantity: 5 }, { timestamp: at(5) })]);
    expect((await cartOf(id)).lines).toEqual([]);
  });

  it("Cart Viewed replaces the derived cart with the snapshot it carries", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "old" }, { timestamp: at(1) }),
      trackEvent(id, "Cart Viewed", { cart_id: "c1", products: [{ product_id: "x", quantity: 2, price: 10 }, { product_id: "y" }] }, { timestamp: at(2) }),
    ]);
    const cart = await cartOf(id);
    expect(cart.lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["x", 2], ["y", 1]]);
  });

  it("Checkout Started marks the cart and, when it lists products, replaces the lines", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "keep" }, { timestamp: at(1) }),
      trackEvent(id, "Checkout Started", { order_id: "o1" }, { timestamp: at(2) }),
    ]);
    let cart = await cartOf(id);
    expect(cart.lines.map((l: any) => l.product_id)).toEqual(["keep"]);
    expect(cart.checkout_started_at).toBe(at(2));

    await batch([trackEvent(id, "Checkout Started", { products: [{ product_id: "final", quantity: 4 }] }, { timestamp: at(3) })]);
    cart = await cartOf(id);
    expect(cart.lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["final", 4]]);
  });

  it("Order Completed records the order and clears the cart", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "a", price: 10 }, { timestamp: at(1) }),
      trackEvent(id, "Checkout Started", {}, { timestamp: at(2) }),
      trackEvent(
        id,
        "Order Completed",
        { order_id: "ord-1", total: 12.5, revenue: 10, currency: "USD", products: [{ product_id: "a", quantity: 1, price: 10 }] },
        { timestamp: at(3), context: { channel: "web" } },
      ),
    ]);
    const state = (await customer(id)).body;
    expect(state.cart.lines).toEqual([]);
    expect(state.cart.checkout_started_at).toBeNull();
    expect(state.orders).toEqual([
      {
        order_id: "ord-1",
        total: 12.5,
        revenue: 10,
        currency: "USD",
        products: [{ product_id: "a", variant: null, quantity: 1, price: 10, currency: "USD" }],
        channel: "web",
        timestamp: new Date(at(3)).toISOString(),
        // No touch came before it: the whole order is credited to a direct visit on its own channel.
        attribution: expect.objectContaining({ revenue: 10, window_days: 30 }),
      },
    ]);
    expect(state.orders[0]!.attribution!.models.last_touch).toEqual([expect.objectContaining({ channel: "web", source: "direct", weight: 1, revenue: 10 })]);
  });

  it("applies a batch in event-time order, so an offline queue replays to the same cart", async () => {
    const id = uid();
    // Sent out of order: the removal happened after the add.
    await batch([
      trackEvent(id, "Product Removed", { product_id: "a" }, { timestamp: at(2) }),
      trackEvent(id, "Product Added", { product_id: "a" }, { timestamp: at(1) }),
    ]);
    expect((await cartOf(id)).lines).toEqual([]);
  });

  it("accepts snake_case event names and ignores products without an id", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "product_added", { product_id: "snake" }),
      trackEvent(id, "Product Added", { name: "no id" }),
    ]);
    expect((await cartOf(id)).lines.map((l: any) => l.product_id)).toEqual(["snake"]);
  });

  it("records where each line came from: channel and device", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Added", { product_id: "from-app" }, { context: { app: { name: "Shop" }, device: { id: "iphone-1" } } }),
    ]);
    expect((await cartOf(id)).lines[0].source).toEqual({ channel: "app", device: "iphone-1" });
  });

  it("Product Viewed keeps count and first/last seen per item", async () => {
    const id = uid();
    await batch([
      trackEvent(id, "Product Viewed", { product_id: "p", name: "Hat", category: "Hats", price: 20 }, { timestamp: at(1) }),
      trackEvent(id, "Product Viewed", { product_id: "p" }, { timestamp: at(5) }),
      trackEvent(id, "Product Viewed", { product_id: "q" }, { timestamp: at(3) }),
    ]);
    const viewed = (await customer(id)).body.viewed_items;
    expect(viewed.map((v: any) => [v.product_id, v.view_count])).toEqual([["p", 2], ["q", 1]]);
    expect(viewed[0]).toMatchObject({
      name: "Hat",
      category: "Hats",
      price: 20,
      first_seen: new Date(at(1)).toISOString(),
      last_seen: new Date(at(5)).toISOString(),
    });
  });
});
