#!/usr/bin/env node
// `npm run bench:recs`: latency of GET /v1/recs?type=for_you on the local worker with a
// 100,000-product catalog and a customer with 50 recent items.
import autocannon from "autocannon";
import { devtoolsNote, startLocalWorker } from "./lib/local-worker.mjs";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const CATEGORIES = 200;
/** Shoppers' sessions that train the lists: co-views over the most popular part of the catalog. */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 6_000);
const POPULAR = 5_000;
const RECENT_ITEMS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
/**
 * Load before measuring. After loading a 100,000-product catalog and 27,000 events the worker's
 * p99 keeps falling for the first half-minute of requests (JIT tiers, the import's garbage; 30 s
 * of idling instead does not help): measured after 10 s of warm-up it was 9–11 ms, after 30 s it
 * is 4–5 ms, with p50 unchanged. The target is the steady state of a warm edge, so the warm-up is
 * 30 s of the same requests.
 */
const WARM_UP_S = Number(process.env.BENCH_WARM_UP ?? 30);
const SECRET = { authorization: "Bearer sk_demo", "content-type": "application/json" };

let seed = 42;
/** A small deterministic PRNG, so every run trains the same lists. */
function random() {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
/** Popular items are clicked far more often than the tail (a Zipf-like skew). */
const popularItem = () => `p${Math.floor(POPULAR * random() ** 2)}`;

async function post(url, body, headers = SECRET) {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function step(label, work) {
  const started = Date.now();
  process.stdout.write(`${label} … `);
  const result = await work();
  console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

const { url, stop } = await startLocalWorker({ extraArgs: ["--test-scheduled"] });
try {
  await step(`catalog: ${PRODUCTS.toLocaleString("en-US")} products`, async () => {
    for (let start = 0; start < PRODUCTS; start += 1000) {
      const products = [];
      for (let i = start; i < Math.min(start + 1000, PRODUCTS); i++)
        products.push({ product_id: `p${i}`, name: `Product ${i}`, price: 5 + (i % 200), currency: "EUR", category: `c${i % CATEGORIES}`, url: `https://shop.example/p${i}` });
      await post(`${url}/v1/catalog/products`, { products });
    }
  });

  await step(`history: ${SESSIONS.toLocaleString("en-US")} sessions`, async () => {
    const events = [];
    const t0 = Date.now() - 86_400_000;
    for (let s = 0; s < SESSIONS; s++) {
      const length = 2 + Math.floor(random() * 6);
      for (let i = 0; i < length; i++)
        events.push({ type: "track", event: "Product Viewed", anonymousId: `shopper-${s}`, properties: { product_id: popularItem() }, timestamp: new Date(t0 + s * 10_000 + i * 30_000).toISOString() });
    }
    for (let i = 0; i < events.length; i += 2500) await post(`${url}/v1/batch`, { batch: events.slice(i, i + 2500) });
    // The events queue folds them into D1; wait until the cron has nothing left to do.
    await new Promise((r) => setTimeout(r, 5000));
  });

  await step("materialise lists (cron)", async () => {
    for (let run = 0; run < 20; run++) {
      await fetch(`${url}/__scheduled?cron=*/10+*+*+*+*`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  const customer = "bench-customer";
  await step(`customer: ${RECENT_ITEMS} recent items`, async () => {
    const t0 = Date.now() - 3600_000;
    const batch = Array.from({ length: RECENT_ITEMS }, (_, i) => ({
      type: "track", event: "Product Viewed", anonymousId: customer, properties: { product_id: popularItem(), category: "c1" }, timestamp: new Date(t0 + i * 20_000).toISOString(),
    }));
    await post(`${url}/v1/batch`, { batch }, { "content-type": "text/plain", authorization: `Basic ${Buffer.from("wk_demo:").toString("base64")}` });
  });

  const path = `/v1/recs?type=for_you&limit=8&anonymousId=${customer}&writeKey=wk_demo`;
  const sample = await (await fetch(url + path)).json();
  console.log(`sample answer: ${sample.items.length} items, fallback ${sample.fallback}, first ${sample.items[0]?.product_id}`);

  const run = (connections, target = path, duration = DURATION_S) =>
    new Promise((resolve, reject) =>
      autocannon({ url: url + target, connections, duration }, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await step(`warm-up: ${WARM_UP_S} s of the same requests`, () => run(1, path, WARM_UP_S));
  const single = await run(1);
  const loaded = await run(16);
  // The floor of this setup (client, wrangler's proxy, workerd): a route that does nothing.
  const noop = await run(1, "/v1/ping");
  console.log(`\nSeam /v1/recs?type=for_you — local wrangler dev, ${PRODUCTS.toLocaleString("en-US")} products, customer with ${RECENT_ITEMS} recent items`);
  console.log(`${devtoolsNote()}\n`);
  console.log("| load | req/s | p50 ms | p99 ms | errors |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [name, r] of [["1 connection", single], ["16 connections", loaded], ["no-op GET /v1/ping, 1 connection", noop]])
    console.log(`| ${name} | ${Math.round(r.requests.average).toLocaleString("en-US")} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.non2xx} |`);
  console.log(`\ntarget p99 ≤ 10 ms (1 connection): ${single.latency.p99 <= 10 ? "met" : "MISSED"} (${single.latency.p99} ms)`);
} finally {
  stop();
}
