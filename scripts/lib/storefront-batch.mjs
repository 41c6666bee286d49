// The storefront batch the ingest benchmark and profiler send: 20 events of one customer.

export const EVENTS_PER_BATCH = 20;
export const DEMO_WRITE_KEY_AUTH = `Basic ${Buffer.from("wk_demo:").toString("base64")}`;

let sequence = 0;

/**
 * A batch of 20 realistic storefront events from one customer: 14 product views, 2 adds to cart
 * and 4 page views, each with a unique messageId (`prefix` keeps runs apart).
 */
export function storefrontBatch(customer, prefix = "bm") {
  const anonymousId = `bench-${customer}`;
  const sentAt = new Date().toISOString();
  const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
    sequence += 1;
    const product = `p${(sequence * 7919) % 5000}`;
    const base = { anonymousId, messageId: `${prefix}-${process.pid}-${sequence}`, timestamp: sentAt, context: { library: { name: "seam-web" }, page: { url: "https://shop.example/p" } } };
    if (i % 10 === 9) return { ...base, type: "track", event: "Product Added", properties: { product_id: product, price: 12.5, quantity: 1 } };
    if (i % 5 === 4) return { ...base, type: "page", name: "Category" };
    return { ...base, type: "track", event: "Product Viewed", properties: { product_id: product, category: "c1", price: 12.5 } };
  });
  return JSON.stringify({ writeKey: "wk_demo", sentAt, batch });
}
