// `npm run seed:traffic [-- --sessions 3000 --host http://localhost:8787]`: fills the demo store
// with simulated shoppers through the real ingest API (POST /v1/batch with the demo write key),
// then runs the worker's cron until every product page's strips have their own lists.
// Shoppers keep to a collection's look across categories, so "you may also like" and "bought
// together" show coherent products. Deterministic: the same --seed sends the same sessions.
import { parseArgs } from "node:util";
import { sendWithRetry } from "./lib/send-with-retry.ts";
import { DEMO_CATEGORIES, DEMO_COLLECTIONS, DEMO_PRODUCTS, hashString, seededRandom, type DemoProduct } from "../worker/src/demo/catalog.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.SEAM_HOST ?? "http://localhost:8787" },
    sessions: { type: "string", default: "3000" },
    seed: { type: "string", default: String(Date.now()) },
    "write-key": { type: "string", default: "wk_demo" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: npm run seed:traffic [-- --sessions 3000] [--host http://localhost:8787] [--seed N] [--write-key wk_demo]");
  process.exit(0);
}
const host = values.host.replace(/\/+$/, "");
const SESSIONS = Math.max(1, Number(values.sessions) || 3000);
const random = seededRandom(hashString(values.seed));
/** Sessions per request: each request carries a few thousand events at most, far under the batch limit. */
const SESSIONS_PER_REQUEST = 40;
const CONCURRENCY = 4;
/** How long to wait for the queue consumer and the cron before giving up. */
const SETTLE_TIMEOUT_MS = 180_000;
const DAY_MS = 86_400_000;

const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** Zipf-ish weights: a few collections are much more popular than the rest (as in real shops). */
const collectionWeights = DEMO_COLLECTIONS.map((_, i) => 1 / (i + 1));
function weightedCollection() {
  let r = random() * collectionWeights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < DEMO_COLLECTIONS.length; i++) if ((r -= collectionWeights[i]!) <= 0) return DEMO_COLLECTIONS[i]!;
  return DEMO_COLLECTIONS[0]!;
}

/** The next product a shopper looks at: mostly the same collection, often the same category. */
function nextProduct(current: DemoProduct): DemoProduct {
  const r = random();
  const pool =
    r < 0.45
      ? DEMO_PRODUCTS.filter((p) => p.collection === current.collection && p.category !== current.category && p.colour === current.colour)
      : r < 0.8
        ? DEMO_PRODUCTS.filter((p) => p.collection === current.collection && p.category === current.category && p !== current)
        : DEMO_PRODUCTS.filter((p) => p.category === current.category && p !== current);
  return pick(pool);
}

function productProps(p: DemoProduct) {
  return { product_id: p.id, name: p.name, price: p.price, currency: "USD", category: p.category.name };
}

/** One shopper's session: views, maybe adds to cart, sometimes an order. Events oldest first. */
function session(index: number, now: number): Record<string, unknown>[] {
  const anonymousId = `sim-${values.seed}-${index}`;
  const collection = weightedCollection();
  const category = pick(DEMO_CATEGORIES);
  let product = pick(DEMO_PRODUCTS.filter((p) => p.collection === collection && p.category === category));
  let at = now - Math.floor(random() * DAY_MS) - 3600_000;
  const events: Record<string, unknown>[] = [];
  const event = (e: Record<string, unknown>) => {
    at += 20_000 + Math.floor(random() * 70_000);
    events.push({
      ...e,
      anonymousId,
      messageId: `${anonymousId}-${events.length}`,
      timestamp: new Date(at).toISOString(),
      context: { channel: "web", library: { name: "seam-traffic" }, page: { url: `${host}/demo/p/${product.id}` } },
    });
  };
  const viewed: DemoProduct[] = [];
  const views = 3 + Math.floor(random() * 5);
  for (let i = 0; i < views; i++) {
    event({ type: "track", event: "Product Viewed", properties: productProps(product) });
    viewed.push(product);
    product = nextProduct(product);
  }
  if (random() < 0.4) {
    const carted = [...new Set([viewed.at(-1)!, ...(random() < 0.6 ? [pick(viewed)] : [])])];
    for (const p of carted) event({ type: "track", event: "Product Added", properties: { ...productProps(p), quantity: 1 } });
    if (random() < 0.45) {
      const total = carted.reduce((sum, p) => sum + p.price, 0);
      event({
        type: "track",
        event: "Order Completed",
        properties: { order_id: `${anonymousId}-order`, total, currency: "USD", products: carted.map((p) => ({ ...productProps(p), quantity: 1 })) },
      });
    }
  }
  return events;
}

function post(path: string, body: unknown): Promise<Response> {
  return sendWithRetry(`${host}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${values["write-key"]}:`)}` },
    body: JSON.stringify(body),
  });
}

async function recsFallback(type: string, item: string): Promise<string | null | undefined> {
  const res = await fetch(`${host}/v1/recs?${new URLSearchParams({ type, item, writeKey: values["write-key"], limit: "4" })}`);
  const body = (await res.json()) as { fallback: string | null; items: unknown[] };
  return body.items.length ? body.fallback : "empty";
}

async function main() {
  const started = Date.now();
  // The demo's first page view puts its catalog into Seam (for this origin's urls).
  const home = await fetch(`${host}/demo`).catch((error: Error) => {
    throw new Error(`could not reach the Seam worker at ${host} (${(error.cause as { code?: string })?.code ?? error.message}): is \`npm run dev\` running?`);
  });
  if (!home.ok) throw new Error(`${host}/demo answered ${home.status}: is this the local worker with the demo workspace?`);

  const now = Date.now();
  const requests: Record<string, unknown>[][] = [];
  for (let i = 0; i < SESSIONS; i += SESSIONS_PER_REQUEST)
    requests.push(Array.from({ length: Math.min(SESSIONS_PER_REQUEST, SESSIONS - i) }, (_, j) => session(i + j, now)).flat());
  const total = requests.reduce((sum, r) => sum + r.length, 0);
  let sent = 0;
  let accepted = 0;
  let duplicate = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const batch = requests[next++]!;
        const res = await post("/v1/batch", { sentAt: new Date().toISOString(), batch });
        if (!res.ok) throw new Error(`POST /v1/batch answered ${res.status}: ${await res.text()}`);
        const answer = (await res.json()) as { accepted: number; duplicate: number };
        accepted += answer.accepted;
        // A batch resent after a timeout finds its events already there: delivered, not doubled.
        duplicate += answer.duplicate;
        sent += batch.length;
        process.stdout.write(`\rsent ${sent}/${total} events of ${SESSIONS} sessions`);
      }
    }),
  );
  const sendSeconds = (Date.now() - started) / 1000;
  console.log(`\n${accepted} accepted${duplicate ? `, ${duplicate} already delivered by a timed-out attempt` : ""} in ${sendSeconds.toFixed(1)} s (${Math.round(total / sendSeconds)} events/s)`);

  // The events queue folds the sessions into D1; the cron turns them into lists. Run the cron
  // (wrangler's /__scheduled, which `npm run dev` enables) until every product has its own list.
  const sample = DEMO_PRODUCTS.map((p) => p.id);
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let own = 0;
  while (Date.now() < deadline) {
    const cron = await fetch(`${host}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
    if (cron.status === 404) throw new Error(`${host}/__scheduled is not there: start the worker with \`npm run dev\` (it passes --test-scheduled)`);
    const fallbacks = await Promise.all(sample.map((id) => recsFallback("similar", id)));
    own = fallbacks.filter((f) => f === null).length;
    process.stdout.write(`\rmaterialising: ${own}/${sample.length} products have their own "you may also like" list`);
    if (own === sample.length) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const together = (await Promise.all(sample.map((id) => recsFallback("bought_together", id)))).filter((f) => f === null).length;
  console.log(`\n"frequently bought together" from real orders: ${together}/${sample.length} products`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: open ${host}/demo`);
  if (own < sample.length) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(`\nseed:traffic: ${error.message}`);
  process.exit(1);
});
