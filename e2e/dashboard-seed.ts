// Data for the dashboard's browser test, put in through the public API as a store would: customers
// on web, app and the shop with carts, orders and consent, buyers who came from a search ad and
// then the newsletter (so attribution models differ); triggers that message them at once (so the
// outbox is not empty); shoppers' views and list clicks so product lists and their report exist.
// Returns what the test looks for.

const SECRET = { authorization: "Bearer sk_demo", "content-type": "application/json" };

async function call(worker: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${worker}${path}`, { method, headers: SECRET, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const PEOPLE = [
  ["Ada Lovelace", "ada", "ios"],
  ["Grace Hopper", "grace", "android"],
  ["Alan Turing", "alan", null],
  ["Katherine Johnson", "katherine", "ios"],
  ["Edsger Dijkstra", "edsger", null],
  ["Barbara Liskov", "barbara", "android"],
] as const;

const PRODUCTS = [
  { product_id: "mugs-dune-sand", name: "Dune Morning Mug — Sand", price: 21, category: "Mugs" },
  { product_id: "tees-dune-sand", name: "Dune Everyday Tee — Sand", price: 29, category: "Tees" },
  { product_id: "sneakers-dune-sand", name: "Dune Court Sneaker — Sand", price: 89, category: "Sneakers" },
  { product_id: "mugs-nordic-birch", name: "Nordic Morning Mug — Birch", price: 30, category: "Mugs" },
];

export interface DashboardSeed {
  /** A customer with a cart from two devices, an order, consent and a message. */
  customer: { userId: string; name: string; email: string };
  triggerId: string;
  productId: string;
}

export async function seedDashboardData(worker: string, run: string): Promise<DashboardSeed> {
  // The demo store's catalog lands in Seam when its first page is served.
  await fetch(`${worker}/demo`);
  // Messages go out at once, day or night, uncapped: the outbox fills while the test waits.
  await call(worker, "PUT", "/v1/admin/messaging", { quiet_hours: null, caps: [] });
  await call(worker, "PUT", "/v1/admin/triggers/thank-you", { template: "post_purchase", steps: [{ delay_minutes: 0 }] });
  await call(worker, "PUT", "/v1/admin/triggers/cart-reminder", { template: "abandoned_cart", steps: [{ delay_minutes: 45 }, { delay_minutes: 1440 }] });
  await call(worker, "PUT", "/v1/admin/triggers/welcome", { template: "welcome_series" });

  const events: unknown[] = [];
  PEOPLE.forEach(([name, handle, device], i) => {
    const userId = `${handle}-${run}`;
    const email = `${handle}-${run}@example.com`;
    // Each device has its own id: the cart shows which one a line was added on.
    const app = device ? { channel: "app", device: { id: `${handle}-${device === "ios" ? "iphone" : "pixel"}`, type: device } } : { channel: "web", device: { id: `${handle}-laptop` } };
    const web = { channel: "web", device: { id: `${handle}-laptop` } };
    const [first, second] = [PRODUCTS[i % PRODUCTS.length]!, PRODUCTS[(i + 1) % PRODUCTS.length]!];
    events.push(
      // Buyers first came from a search ad, then through the newsletter: first and last touch differ.
      ...(i % 2 === 1 ? [{ type: "page", userId, name: "Home", timestamp: new Date(Date.now() - 3600_000).toISOString(), context: { channel: "web", campaign: { source: "google", medium: "cpc", name: "brand" } } }] : []),
      { type: "identify", userId, traits: { name, email, preferred_channel: i % 3 === 2 ? "sms" : "email", phone: `+4477009000${i}` }, context: app },
      { type: "track", userId, event: "Signed Up", context: app },
      { type: "page", userId, name: "Spring sale", context: { campaign: { source: "newsletter", medium: "email", name: "spring" } } },
      { type: "track", userId, event: "Product Viewed", properties: { ...first }, context: app },
      { type: "track", userId, event: "Product Added", properties: { ...first, quantity: 1 }, context: app },
      { type: "track", userId, event: "Product Viewed", properties: { ...second }, context: web },
      { type: "track", userId, event: "Product Added", properties: { ...second, quantity: 2 }, context: web },
      { type: "track", userId, event: "Subscribed", properties: { channel: "sms" } },
    );
    if (i % 2 === 1)
      events.push({
        type: "track",
        userId,
        event: "Order Completed",
        properties: { order_id: `o-${run}-${i}`, total: first.price + 2 * second.price, currency: "EUR", products: [{ ...first, quantity: 1 }, { ...second, quantity: 2 }] },
        context: { channel: "pos" },
      });
    // The first customer keeps their cart, lines from the app and the web.
    if (i === 0) events.push({ type: "track", userId, event: "Product Added", properties: { ...PRODUCTS[2]!, quantity: 1 }, context: web });
  });
  await call(worker, "POST", "/v1/batch", { batch: events.map((e) => ({ ...(e as object), messageId: crypto.randomUUID() })) });

  // Shoppers viewing products in sessions, then the cron: the products get their own lists.
  const views = Array.from({ length: 24 }, (_, s) => [
    ...[0, 1, 3, 2].map((p) => ({ type: "track", anonymousId: `shopper-${run}-${s}`, event: "Product Viewed", properties: PRODUCTS[(p + s) % PRODUCTS.length] })),
    { type: "track", anonymousId: `shopper-${run}-${s}`, event: "Product List Viewed", properties: { list_id: "similar", rec_id: `rec-${run}-${s}`, products: [{ product_id: PRODUCTS[0]!.product_id }] } },
    ...(s % 3 === 0 ? [{ type: "track", anonymousId: `shopper-${run}-${s}`, event: "Product Clicked", properties: { ...PRODUCTS[0], list_id: "similar", rec_id: `rec-${run}-${s}` } }] : []),
  ]).flat().map((e) => ({ ...e, messageId: crypto.randomUUID() }));
  await fetch(`${worker}/v1/batch`, { method: "POST", headers: { authorization: `Basic ${btoa("wk_demo:")}`, "content-type": "application/json" }, body: JSON.stringify({ batch: views }) });
  await fetch(`${worker}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);

  const [name, handle] = PEOPLE[0]!;
  return { customer: { userId: `${handle}-${run}`, name, email: `${handle}-${run}@example.com` }, triggerId: "cart-reminder", productId: PRODUCTS[0]!.product_id };
}

/** Waits until the outbox holds at least `count` messages (the messages queue delivers them). */
export async function waitForOutbox(worker: string, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { messages } = await call(worker, "GET", `/v1/outbox?limit=${count}`);
    if (messages.length >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the outbox did not reach ${count} messages in ${timeoutMs} ms`);
}
