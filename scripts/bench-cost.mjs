#!/usr/bin/env node
// `npm run bench:cost [-- --json]`: what a million storefront events cost on Cloudflare's list prices.
//
// Drives a storefront mix through the real local worker (wrangler dev, devtools off) with the
// dev-only meter on (SEAM_DEV_METER=on, worker/src/metering.ts), which counts every billable
// operation from the runtime itself: Worker invocations, Durable Object requests (RPC calls and
// alarms), DO SQLite rows read/written (each cursor's rowsRead/rowsWritten), D1 rows read/written
// (each result's meta), queue operations (per 64 KB written, read, deleted), KV reads/writes.
// Prices come from scripts/lib/cloudflare-prices.mjs, the one price table. Not meterable locally,
// and so printed as *estimates*: DO duration (the wall time of DO calls as their callers saw them,
// at 128 MB) and Workers CPU time (the workerd process's CPU time, all of it charged as Worker CPU).
//
// The mix (deterministic, seeded), one session at a time per simulated shopper, 48 in flight, on a
// store whose 2,000-product catalog is imported first (not metered):
// - 2–8 pages per session (5 on average): each page is one `page` event, sent with the page's other
//   events as one /v1/batch request (the SDK flushes once per page), with the page's recommendation
//   read riding on it (`recs` in the batch: `similar` on a product page, `for_you` elsewhere), as the
//   SDK sends a widget's getRecommendations while the page view waits to go;
// - 70 % of pages are product pages (`Product Viewed`, products drawn Zipf-like from 2,000);
//   12 % of product views add to cart (`Product Added`), 3 % remove a cart line (`Product Removed`);
// - a session with a cart checks out 35 % of the time (`Checkout Started`), 60 % of those buy
//   (`Order Completed`); 15 % of sessions identify with an email (`identify`);
// - 30 % of sessions are a returning shopper's (same anonymousId as an earlier session);
// - the post-purchase trigger is switched on with no delay, so orders cause messages through the
//   messages queue (delayed reminders due after the run are not fired);
// - the recommendations cron runs once per 20,000 events (a store at ~33 events/s between two
//   10-minute runs) and once at the end.
// `BENCH_WIDGET=own|next` adds the widget's own events, which the mix leaves out: on 70 % of the pages
// whose strip was answered its impression ("Product List Viewed"), and on 10 % of those a click on it
// ("Product Clicked"), sent as the SDK sends them today (`own`: a request each) or held for the page's
// next request (`next`: the next page's batch, or the shopper's next visit).
import { readdirSync, readFileSync } from "node:fs";
import { devtoolsNote, startLocalWorker } from "./lib/local-worker.mjs";
import { CLOUDFLARE_PRICES, DO_BILLED_GB, PRICES_CHECKED } from "./lib/cloudflare-prices.mjs";
import { DEMO_WRITE_KEY_AUTH } from "./lib/storefront-batch.mjs";

const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 48);
const PRODUCTS = 2_000;
const CATEGORIES = 40;
const EVENTS_PER_CRON = 20_000;
const JSON_OUT = process.argv.includes("--json");
/**
 * The widget's own events, which the documented mix leaves out (docs/cost.md, last section), for
 * planning's question of how to send them: `none` (the mix), `own` (as the SDK sends them today: the
 * impression a second after the page's batch, a click by an unload beacon, each a request of its own),
 * `next` (held for the page's next request: the next page's batch, or the shopper's next visit).
 */
const WIDGET = process.env.BENCH_WIDGET ?? "none";
if (!["none", "own", "next"].includes(WIDGET)) throw new Error(`BENCH_WIDGET must be none, own or next, not ${WIDGET}`);
/** Of the pages whose strip was answered, those that scroll half of it into view, and those left by a click on it. */
const WIDGET_SEEN = 0.7;
const WIDGET_CLICKED = 0.1;
const SECRET = { authorization: "Bearer sk_demo", "content-type": "application/json" };
const WRITE = { authorization: DEMO_WRITE_KEY_AUTH, "content-type": "text/plain" };
const log = (...a) => (JSON_OUT ? console.error(...a) : console.log(...a));

let seed = 20261204;
function random() {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
const product = () => {
  const n = Math.floor(PRODUCTS * random() ** 2);
  return { product_id: `p${n}`, category: `c${n % CATEGORIES}`, price: 5 + (n % 90), url: `https://shop.example/p/p${n}` };
};

/** One session's pages: each an array of events (one request) and the recommendation read that page makes. */
function session(anonymousId, index) {
  const pages = [];
  const cart = [];
  let n = 0;
  const event = (e) => ({ ...e, anonymousId, messageId: `bc-${index}-${n++}`, context: { library: { name: "seam-web" }, page: { url: "https://shop.example/" } } });
  const pageCount = 2 + Math.floor(random() * 7);
  for (let p = 0; p < pageCount; p++) {
    const events = [];
    let recs = { type: "for_you" };
    if (random() < 0.7) {
      const item = product();
      events.push(event({ type: "page", name: "Product" }), event({ type: "track", event: "Product Viewed", properties: item }));
      recs = { type: "similar", item: item.product_id };
      if (random() < 0.12) {
        events.push(event({ type: "track", event: "Product Added", properties: { ...item, quantity: 1 } }));
        cart.push(item);
      } else if (cart.length && random() < 0.03 / 0.88) events.push(event({ type: "track", event: "Product Removed", properties: { ...cart.pop(), quantity: 1 } }));
    } else events.push(event({ type: "page", name: "Category" }));
    if (p === 0 && random() < 0.15) events.push(event({ type: "identify", traits: { email: `${anonymousId}@shoppers.example` } }));
    pages.push({ events, recs });
  }
  if (cart.length && random() < 0.35) {
    const checkout = [event({ type: "track", event: "Checkout Started", properties: { products: cart } })];
    if (random() < 0.6)
      checkout.push(event({ type: "track", event: "Order Completed", properties: { order_id: `o-${index}`, total: cart.reduce((t, i) => t + i.price, 0), currency: "EUR", products: cart } }));
    pages.push({ events: checkout, recs: null });
  }
  return pages;
}

const serverErrors = [];

/** A request that has not answered by then is counted with the 5xx: a hung request must not stall a shopper for the rest of the run. */
const REQUEST_TIMEOUT_MS = 30_000;

async function call(url, path, init) {
  let res;
  try {
    res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    if (error?.name !== "TimeoutError") throw error;
    serverErrors.push(`${init?.method ?? "GET"} ${path.slice(0, 60)}: no answer in ${REQUEST_TIMEOUT_MS / 1000} s`);
    return null;
  }
  const text = await res.text();
  // A 5xx is counted and reported, not fatal: one failed request must not throw away a 20-minute run.
  if (res.status >= 500 && path !== "/__meter") {
    serverErrors.push(`${init?.method ?? "GET"} ${path.slice(0, 60)}: ${res.status} ${text.slice(0, 120)}`);
    return null;
  }
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const meter = (url, method = "GET") => call(url, "/__meter", { method });

/** Waits until the queues and objects have nothing left to do: the counts stop moving for 6 s. */
async function settle(url) {
  let last = "";
  let still = 0;
  for (let i = 0; i < 300 && still < 3; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = JSON.stringify(await meter(url));
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/** CPU seconds (user + system) of the workerd processes in the worker's process group. */
function workerdCpuSeconds(groupId) {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === groupId && stat.includes("(workerd)")) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

// BENCH_LOG=1 shows the worker's own log (e.g. the cause of a 5xx) on stderr.
const worker = await startLocalWorker({ log: process.env.BENCH_LOG === "1", extraArgs: ["--var", "SEAM_DEV_METER:on"] });
const { url } = worker;
try {
  // The store's catalog, as any store has one: recommendation answers read product cards, and a
  // missing card is asked for again every few seconds (a KV read each time).
  for (let start = 0; start < PRODUCTS; start += 1000) {
    const products = Array.from({ length: Math.min(1000, PRODUCTS - start) }, (_, i) => {
      const n = start + i;
      return { product_id: `p${n}`, name: `Product ${n}`, price: 5 + (n % 90), currency: "EUR", category: `c${n % CATEGORIES}`, url: `https://shop.example/p/p${n}` };
    });
    await call(url, "/v1/catalog/products", { method: "POST", headers: SECRET, body: JSON.stringify({ products }) });
  }
  await call(url, "/v1/admin/triggers/bench-post-purchase", { method: "PUT", headers: SECRET, body: JSON.stringify({ template: "post_purchase", steps: [{ delay_minutes: 0 }] }) });
  // Warm up (compile, open queues), then count from zero.
  await call(url, "/v1/batch", { method: "POST", headers: WRITE, body: JSON.stringify({ batch: [{ type: "page", anonymousId: "warm-up", name: "Home" }] }) });
  await settle(url);
  await meter(url, "DELETE");
  const cpuBefore = workerdCpuSeconds(worker.pid);
  const started = Date.now();

  let events = 0;
  let requests = { batch: 0, recs: 0, recs_with_items: 0 };
  let sessions = 0;
  let nextCron = EVENTS_PER_CRON;
  const visitors = [];
  const active = new Set();
  /** Widget events a shopper's browser holds for its next visit (BENCH_WIDGET=next). */
  const heldFor = new Map();
  let crons = 0;
  const runCron = async () => {
    crons += 1;
    await fetch(`${url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
  };
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (events < TARGET_EVENTS) {
        const index = sessions++;
        // A returning shopper is one not in a session right now (one browser, one session at a time).
        const candidate = visitors.length > 0 && random() < 0.3 ? visitors[Math.floor(random() * visitors.length)] : undefined;
        const returning = candidate !== undefined && !active.has(candidate);
        const anonymousId = returning ? candidate : `shopper-${index}`;
        if (!returning) visitors.push(anonymousId);
        active.add(anonymousId);
        const held = [];
        let w = 0;
        const widgetEvent = (event, properties) => ({ type: "track", event, properties, anonymousId, messageId: `bw-${index}-${w++}`, context: { library: { name: "seam-web" }, page: { url: "https://shop.example/" } } });
        const send = async (batch, recs) => {
          events += batch.length;
          requests.batch += 1;
          if (recs) requests.recs += 1;
          return call(url, "/v1/batch", { method: "POST", headers: WRITE, body: JSON.stringify({ batch, ...(recs && { recs: [recs] }) }) });
        };
        for (const page of session(anonymousId, index)) {
          const answer = await send([...(WIDGET === "next" ? (heldFor.get(anonymousId) ?? []).concat(held.splice(0)) : []), ...page.events], page.recs);
          heldFor.delete(anonymousId);
          const list = answer?.recs?.[0];
          if (list?.items?.length) requests.recs_with_items += 1;
          if (WIDGET === "none" || !list?.items?.length) continue;
          const own = [];
          if (random() < WIDGET_SEEN) {
            own.push(widgetEvent("Product List Viewed", { list_id: page.recs.type, rec_id: list.recId, products: list.items.map((item, i) => ({ product_id: item.product_id, position: i + 1 })) }));
            if (random() < WIDGET_CLICKED) own.push(widgetEvent("Product Clicked", { product_id: list.items[0].product_id, position: 1, rec_id: list.recId, list_id: page.recs.type }));
          }
          if (WIDGET === "own") for (const event of own) await send([event]);
          else held.push(...own);
        }
        // The session's last held events wait in the browser's stored queue for the shopper's next visit.
        if (held.length) heldFor.set(anonymousId, held.splice(0));
        active.delete(anonymousId);
        if (events >= nextCron) {
          nextCron += EVENTS_PER_CRON;
          await runCron();
        }
      }
    }),
  );
  const drivenS = (Date.now() - started) / 1000;
  await settle(url);
  await runCron();
  await settle(url);
  const cpuS = workerdCpuSeconds(worker.pid) - cpuBefore;
  const m = await meter(url);

  const perK = (v) => (v / events) * 1000;
  const usd = (key, amount) => (amount / CLOUDFLARE_PRICES[key].per) * CLOUDFLARE_PRICES[key].usd;
  const doGbS = (m.do_call_wall_ms / 1000) * DO_BILLED_GB;
  const lines = [
    ["Worker requests", "worker_requests", m.worker_requests, false],
    ["Workers CPU ms (estimate: workerd process CPU)", "worker_cpu_ms", cpuS * 1000, true],
    ["DO requests (RPC + alarms)", "do_requests", m.do_requests, false],
    ["DO duration GB-s (estimate: caller-seen wall time × 128 MB)", "do_duration_gb_s", doGbS, true],
    ["DO SQLite rows read", "do_rows_read", m.do_rows_read, false],
    ["DO SQLite rows written (+ alarm sets as rows)", "do_rows_written", m.do_rows_written + m.do_alarm_writes, false],
    ["D1 rows read", "d1_rows_read", m.d1_rows_read, false],
    ["D1 rows written", "d1_rows_written", m.d1_rows_written, false],
    ["Queue operations", "queue_operations", m.queue_operations, false],
    ["KV reads", "kv_reads", m.kv_reads, false],
    ["KV writes", "kv_writes", m.kv_writes, false],
    ["KV deletes", "kv_deletes", m.kv_deletes, false],
    ["KV lists", "kv_lists", m.kv_lists, false],
  ];
  const rows = lines.map(([name, key, amount, estimate]) => ({ name, key, estimate, per1000: perK(amount), usdPerMillion: (usd(key, amount) / events) * 1e6 }));
  const total = rows.reduce((t, r) => t + r.usdPerMillion, 0);
  const measured = rows.filter((r) => !r.estimate).reduce((t, r) => t + r.usdPerMillion, 0);

  const result = {
    widget_events: WIDGET,
    events,
    sessions,
    requests,
    cron_runs: crons,
    server_errors: serverErrors.length,
    driven_seconds: Number(drivenS.toFixed(1)),
    usd_per_million_events: Number(total.toFixed(4)),
    usd_per_million_events_metered_only: Number(measured.toFixed(4)),
    do_rows_written_per_1000_events: Number(perK(m.do_rows_written + m.do_alarm_writes).toFixed(1)),
    d1_rows_written_per_1000_events: Number(perK(m.d1_rows_written).toFixed(1)),
    kv_writes_per_1000_events: Number(perK(m.kv_writes).toFixed(2)),
    per_1000_events: Object.fromEntries(rows.map((r) => [r.key, Number(r.per1000.toFixed(2))])),
    usd_per_million_events_by_item: Object.fromEntries(rows.map((r) => [r.key, Number(r.usdPerMillion.toFixed(4))])),
    meter: m,
    prices_checked: PRICES_CHECKED,
  };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`\nSeam cost benchmark — ${events.toLocaleString("en-US")} storefront events (${sessions.toLocaleString("en-US")} sessions, ${requests.batch.toLocaleString("en-US")} batch requests, ${requests.recs.toLocaleString("en-US")} recommendation reads with them (${requests.recs_with_items.toLocaleString("en-US")} answered with items), ${crons} cron runs) through local wrangler dev`);
    if (WIDGET !== "none") console.log(`with the widget's own events (BENCH_WIDGET=${WIDGET}): ${WIDGET === "own" ? "each a request of its own, as the SDK sends them today" : "held for the page's next request"}`);
    console.log(`${devtoolsNote()}; prices: Cloudflare list prices checked ${PRICES_CHECKED} (scripts/lib/cloudflare-prices.mjs)\n`);
    console.log("| operation | per 1,000 events | $ per million events |");
    console.log("|---|---:|---:|");
    for (const r of rows) console.log(`| ${r.name} | ${r.per1000.toFixed(2)} | ${r.usdPerMillion.toFixed(4)} |`);
    console.log(`| **total** | | **${total.toFixed(4)}** |`);
    console.log(`\nmetered items alone: $${measured.toFixed(4)} per million events; estimates (CPU, DO duration): $${(total - measured).toFixed(4)}`);
    console.log(`D1 rows written by table per 1,000 events: ${Object.entries(m.d1_rows_written_by_table).map(([t, n]) => `${t} ${perK(n).toFixed(1)}`).join(", ") || "none"}`);
    console.log(`DO rows written by class per 1,000 events: ${Object.entries(m.do_rows_written_by_class).map(([t, n]) => `${t} ${perK(n).toFixed(1)}`).join(", ") || "none"}; alarm sets ${perK(m.do_alarm_writes).toFixed(1)}`);
    const statements = Object.entries(m.do_rows_written_by_statement).sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(`DO rows written per 1,000 events, top statements:\n${statements.map(([t, n]) => `  ${perK(n).toFixed(1).padStart(8)}  ${t}`).join("\n")}`);
    console.log(`DO requests by class per 1,000 events: ${Object.entries(m.do_requests_by_class).map(([t, n]) => `${t} ${perK(n).toFixed(1)}`).join(", ")}`);
    const storage = Object.entries(m.do_storage_by_class ?? {}).map(([c, v]) => `${c} ${v.objects.toLocaleString("en-US")} objects, ${(v.total_bytes / v.objects / 1024).toFixed(1)} KB average, ${(v.max_bytes / 1024).toFixed(1)} KB largest`);
    console.log(`DO storage (SQLite database size at the end): ${storage.join("; ") || "none"}`);
    console.log(`KV writes by key prefix per 1,000 events: ${Object.entries(m.kv_writes_by_prefix).map(([t, n]) => `${t} ${perK(n).toFixed(2)}`).join(", ") || "none"}`);
    console.log(`KV reads by key prefix per 1,000 events: ${Object.entries(m.kv_reads_by_prefix ?? {}).map(([t, n]) => `${t} ${perK(n).toFixed(2)}`).join(", ") || "none"}`);
    console.log(`queue messages per 1,000 events: ${Object.entries(m.queue_messages_by_queue).map(([t, n]) => `${t} ${perK(n).toFixed(1)}`).join(", ")}`);
    if (serverErrors.length) console.log(`5xx answers: ${serverErrors.length} (first: ${serverErrors[0]})`);
    console.log(`target: ≤ $1.00 per million events → $${total.toFixed(2)} ${total <= 1 ? "met" : "MISSED"}`);
  }
} finally {
  worker.stop();
}
