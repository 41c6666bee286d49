// `npm run seed:demo [-- --customers 10000 --days 90 --host http://localhost:8787]`: fills the local
// demo workspace with customers over the last `--days` days through the real ingest API (the
// secret key's POST /v1/batch), so the dashboard's reports, segments and Customer 360 have data:
// each customer arrives through a source (search ads, social, newsletter, a referrer, direct) on
// web, the app or in the shop, views products, sees and clicks recommendation lists, carts, often
// orders (web, app, shop till, call centre), and comes back through email and SMS message clicks.
// It switches on two triggers first, adds two custom segments after, and waits until the counters
// have caught up. Deterministic per --seed.
import { parseArgs } from "node:util";
import { sendWithRetry } from "./lib/send-with-retry.ts";
import { DEMO_PRODUCTS, hashString, seededRandom, type DemoProduct } from "../worker/src/demo/catalog.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.SEAM_HOST ?? "http://localhost:8787" },
    customers: { type: "string", default: "10000" },
    days: { type: "string", default: "90" },
    seed: { type: "string", default: "seam-demo" },
    "secret-key": { type: "string", default: "sk_demo" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: npm run seed:demo [-- --customers 10000] [--days 90] [--host http://localhost:8787] [--seed NAME] [--secret-key sk_demo]");
  process.exit(0);
}
const host = values.host.replace(/\/+$/, "");
const CUSTOMERS = Math.max(1, Number(values.customers) || 10_000);
const DAYS = Math.min(365, Math.max(1, Number(values.days) || 90));
const random = seededRandom(hashString(values.seed));
const AUTH = { authorization: `Bearer ${values["secret-key"]}`, "content-type": "application/json" };
/** Customers per request: ~20 events each keeps a batch far below the 2,500-event, 500 KB limit. */
const CUSTOMERS_PER_REQUEST = 50;
const CONCURRENCY = 4;
const SETTLE_TIMEOUT_MS = 300_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const FIRST_NAMES = ["Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Linus", "Margaret", "Dennis", "Frances", "Ken", "Radia", "Tim", "Hedy", "John", "Sophie", "Niklaus", "Anita", "Donald", "Shafi"];
const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Torvalds", "Hamilton", "Ritchie", "Allen", "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Backus", "Wilson", "Wirth", "Borg", "Knuth", "Goldwasser"];
/** Where customers first come from, with how often: [source, medium, campaign, weight]; null medium = a referrer or direct. */
const ARRIVALS: [source: string, medium: string | null, campaign: string | null, weight: number][] = [
  ["google", "cpc", "brand-search", 18],
  ["google", "cpc", "spring-sale", 8],
  ["facebook", "social", "spring-sale", 10],
  ["instagram", "social", "new-arrivals", 12],
  ["tiktok", "social", "new-arrivals", 6],
  ["newsletter", "email", "weekly-edit", 9],
  ["partner-blog", "affiliate", "gift-guide", 5],
  ["referrer", null, null, 12],
  ["direct", null, null, 20],
];
const REFERRERS = ["https://www.google.com/", "https://www.pinterest.com/", "https://news.ycombinator.com/", "https://www.reddit.com/r/malefashionadvice/"];
const LISTS = ["similar", "bought_together", "trending"];
/** Return visits through a message's link: the trigger and the channel it went out on. */
const MESSAGE_TRIGGERS: [trigger: string, channel: string][] = [
  ["cart-reminder", "email"],
  ["cart-reminder", "sms"],
  ["thank-you", "email"],
  ["price-drop", "push"],
  ["winback", "email"],
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
function weighted<T extends readonly unknown[]>(items: readonly T[], weight: (t: T) => number): T {
  let r = random() * items.reduce((s, t) => s + weight(t), 0);
  for (const item of items) if ((r -= weight(item)) <= 0) return item;
  return items[0]!;
}
const props = (p: DemoProduct) => ({ product_id: p.id, name: p.name, price: p.price, currency: "USD", category: p.category.name });

/**
 * One customer's events, oldest first, all before `now`, one list per visit: visits are sent in
 * rounds (every customer's first visit, then every second visit …), so each batch a customer's
 * object takes is one visit, as from a live store (a lead counts on the day the customer became known).
 */
function customerVisits(index: number, now: number): Record<string, unknown>[][] {
  const userId = `demo-${values.seed}-${index}`;
  const first = pick(FIRST_NAMES);
  const last = pick(LAST_NAMES);
  // More customers recently than three months ago: a growing shop.
  const ageDays = DAYS * (1 - Math.sqrt(random()));
  let at = now - ageDays * DAY_MS;
  const visitsSent: Record<string, unknown>[][] = [[]];
  let events = visitsSent[0]!;
  let seq = 0;
  const device = random() < 0.3 ? { channel: "app", device: { id: `${userId}-phone`, type: random() < 0.5 ? "ios" : "android" } } : { channel: "web" };
  const push = (e: Record<string, unknown>, context: Record<string, unknown> = device, stepMs = 30_000 + random() * 90_000) => {
    at = Math.min(at + stepMs, now - MINUTE_MS);
    events.push({ ...e, userId, messageId: `${userId}-${seq++}`, timestamp: new Date(at).toISOString(), context: { ...context, library: { name: "seam-seed-demo" } } });
  };

  // Arrival: the visit's source is the customer's lead source.
  const [source, medium, campaign] = weighted(ARRIVALS, (a) => a[3]);
  const arrival = medium ? { campaign: { source, medium, name: campaign } } : source === "referrer" ? { page: { referrer: pick(REFERRERS) } } : {};
  push({ type: "page", name: "Home" }, { ...device, ...arrival });
  const email = `${first}.${last}.${index}@example.com`.toLowerCase();
  push({ type: "identify", traits: { name: `${first} ${last}`, first_name: first, last_name: last, email, ...(random() < 0.55 ? { phone: `+1555${String(1_000_000 + index).slice(-7)}` } : {}) } });
  if (random() < 0.7) push({ type: "track", event: "Subscribed", properties: { channel: random() < 0.8 ? "email" : "sms" } });

  // One to four visits: views, recommendation lists, a cart, sometimes an order.
  const visits = 1 + Math.floor(random() * random() * 4);
  let product = pick(DEMO_PRODUCTS);
  for (let v = 0; v < visits; v++) {
    if (v > 0) {
      events = [];
      visitsSent.push(events);
      at = Math.min(at + (1 + random() * 10) * DAY_MS, now - 10 * MINUTE_MS);
      // A return visit through one of Seam's messages, a campaign, or directly.
      const r = random();
      if (r < 0.45) {
        const [trigger, channel] = pick(MESSAGE_TRIGGERS);
        push({ type: "track", event: "Message Clicked", properties: { channel, trigger_id: trigger, message_id: `${userId}-m${v}` } });
      } else if (r < 0.7) push({ type: "page", name: "Sale" }, { ...device, campaign: { source: "newsletter", medium: "email", name: "weekly-edit" } });
      else push({ type: "page", name: "Home" });
    }
    const views = 1 + Math.floor(random() * 5);
    const viewed: DemoProduct[] = [];
    for (let i = 0; i < views; i++) {
      push({ type: "track", event: "Product Viewed", properties: props(product) });
      viewed.push(product);
      product = pick(DEMO_PRODUCTS.filter((p) => p.collection === product.collection || p.category === product.category));
    }
    const list = pick(LISTS);
    const recId = `${userId}-r${v}`;
    push({ type: "track", event: "Product List Viewed", properties: { list_id: list, rec_id: recId, products: [{ product_id: product.id }] } });
    if (random() < 0.3) {
      push({ type: "track", event: "Product Clicked", properties: { ...props(product), list_id: list, rec_id: recId } });
      push({ type: "track", event: "Product Viewed", properties: props(product) });
      viewed.push(product);
    }
    if (random() < 0.45) {
      const carted = [...new Set([viewed.at(-1)!, ...(random() < 0.4 ? [pick(viewed)] : [])])];
      for (const p of carted) push({ type: "track", event: "Product Added", properties: { ...props(p), quantity: 1 } });
      if (random() < 0.5) {
        // Most orders online; some at the shop's till or by phone, hours later.
        const where = random();
        const channel = where < 0.12 ? { channel: "pos" } : where < 0.18 ? { channel: "call_centre" } : device;
        const total = carted.reduce((s, p) => s + p.price, 0);
        push(
          { type: "track", event: "Order Completed", properties: { order_id: `${userId}-o${v}`, total, revenue: total, currency: "USD", products: carted.map((p) => ({ ...props(p), quantity: 1 })) } },
          channel,
          where < 0.18 ? (2 + random() * 20) * 3600_000 : 5 * MINUTE_MS,
        );
      }
    }
  }
  return visitsSent;
}

function send(path: string, body: unknown, method = "POST"): Promise<Response> {
  return sendWithRetry(`${host}${path}`, { method, headers: AUTH, body: JSON.stringify(body) });
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${host}${path}`, { headers: AUTH });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function main() {
  const started = Date.now();
  // The demo's first page puts its catalog into Seam (product lists, cards).
  const home = await fetch(`${host}/demo`).catch((error: Error) => {
    throw new Error(`could not reach the Seam worker at ${host} (${(error.cause as { code?: string })?.code ?? error.message}): is \`npm run dev\` running?`);
  });
  if (!home.ok) throw new Error(`${host}/demo answered ${home.status}: is this the local worker with the demo workspace?`);

  // The store's triggers, so recent carts and orders get their messages (older ones have expired).
  for (const [id, body] of [
    ["cart-reminder", { template: "abandoned_cart", steps: [{ delay_minutes: 45 }, { delay_minutes: 1440 }] }],
    ["thank-you", { template: "post_purchase" }],
  ] as const) {
    const res = await send(`/v1/admin/triggers/${id}`, body, "PUT");
    if (!res.ok) throw new Error(`PUT /v1/admin/triggers/${id}: ${res.status} ${await res.text()}`);
  }

  const now = Date.now();
  const visits = Array.from({ length: CUSTOMERS }, (_, i) => customerVisits(i, now));
  const rounds = Math.max(...visits.map((v) => v.length));
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    const batches: Record<string, unknown>[][] = [];
    const visiting = visits.filter((v) => v.length > round);
    for (let i = 0; i < visiting.length; i += CUSTOMERS_PER_REQUEST) batches.push(visiting.slice(i, i + CUSTOMERS_PER_REQUEST).flatMap((v) => v[round]!));
    let next = 0;
    let customers = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const res = await send("/v1/batch", { batch });
          if (!res.ok) throw new Error(`POST /v1/batch answered ${res.status}: ${await res.text()}`);
          sent += batch.length;
          customers = Math.min(visiting.length, customers + CUSTOMERS_PER_REQUEST);
          process.stdout.write(`\rvisit ${round + 1}/${rounds}: ${customers}/${visiting.length} customers, ${sent} events sent`);
        }
      }),
    );
  }
  const sendSeconds = (Date.now() - started) / 1000;
  console.log(`\n${sent} events in ${sendSeconds.toFixed(1)} s (${Math.round(sent / sendSeconds)} events/s)`);

  // Two custom segments, so the Segments page has rules to show (back-filled over the customers).
  for (const [id, name, rule] of [
    ["engaged-app-shoppers", "Engaged app shoppers", { and: [{ channel: { name: "app", min_count: 3 } }, { viewed: { min_views: 3, within_days: 30 } }] }],
    ["email-subscribers-who-never-bought", "Subscribed, never bought", { and: [{ consent: { channel: "email" } }, { not: { bought: {} } }] }],
  ] as const) {
    const res = await send(`/v1/segments/${id}`, { name, rule }, "PUT");
    if (!res.ok) throw new Error(`PUT /v1/segments/${id}: ${res.status} ${await res.text()}`);
  }

  // The events queue folds the counters and segment facts in behind the ingest: wait until the
  // funnel's views stop growing and every customer is in the customer index.
  const range = `from=${isoDay(now - DAYS * DAY_MS)}&to=${isoDay(now + DAY_MS)}`;
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = -1;
  while (Date.now() < deadline) {
    const funnel = await get<{ steps: { step: string; customers: number }[] }>(`/v1/reports/funnel?${range}`);
    const views = funnel.steps.find((s) => s.step === "views")?.customers ?? 0;
    process.stdout.write(`\rcounters: ${views} customer-days with views`);
    if (views === last && views > 0) break;
    last = views;
    await new Promise((r) => setTimeout(r, 3000));
  }
  const channels = await get<{ rows: { channel: string; revenue: number; orders: number }[] }>(`/v1/reports/channels?${range}`);
  const revenue = channels.rows.reduce((s, r) => s + r.revenue, 0);
  const orders = channels.rows.reduce((s, r) => s + r.orders, 0);
  console.log(`\n${Math.round(orders)} orders, ${Math.round(revenue)} USD of revenue over ${DAYS} days across ${channels.rows.length} channels`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: open ${host}/dashboard (secret key ${values["secret-key"]})`);
}

main().catch((error: Error) => {
  console.error(`\nseed:demo: ${error.message}`);
  process.exit(1);
});
