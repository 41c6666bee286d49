// The Ecommerce helpers emit Segment Ecommerce v2 event names with the properties as given.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam } from "../src/core.ts";
import { fakeServer } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it.each([
  ["productViewed", "Product Viewed"],
  ["addToCart", "Product Added"],
  ["removeFromCart", "Product Removed"],
  ["cartViewed", "Cart Viewed"],
  ["checkoutStarted", "Checkout Started"],
  ["orderCompleted", "Order Completed"],
] as const)("%s sends a track named %s", async (method, event) => {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch });
  const props = { product_id: "sku_1", price: 12, quantity: 1 };
  seam[method](props);
  await seam.flush();
  expect(server.sent[0]).toMatchObject({ type: "track", event, properties: props });
});
