#!/usr/bin/env node
// `npm run bench:scale [-- --json]`: what ONE recommendation shard (RecsShardDO) does per second on this
// machine, the numbers docs/scale.md builds on. It drives a shard directly through the dev-only route
// /__shard (worker/src/bench/shard.ts, served under SEAM_DEV_BENCH=on), so the shard's own rate is
// measured, not the ingest path in front of it:
// - calls: each is what one events-queue message costs a shard — FACTS_PER_CALL product views in
//   sessions of 5 over ITEMS items, popular items more often, with the pair increments a customer
//   object computes for them (the same fold) — at 1, 4 and 16 calls in flight;
// - the fold: the cron's first step, every logged call folded into one row per item (timed by the
//   route around the call, as the cron waits for it);
// - storage: the shard's SQLite size per item afterwards (the dev meter's database sizes).
import { devtoolsNote, startLocalWorker } from "./lib/local-worker.mjs";

const FACTS_PER_CALL = Number(process.env.BENCH_FACTS_PER_CALL ?? 100);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const JSON_OUT = process.argv.includes("--json");
const log = (...a) => (JSON_OUT ? console.error(...a) : console.log(...a));

const worker = await startLocalWorker({ extraArgs: ["--var", "SEAM_DEV_BENCH:on", "--var", "SEAM_DEV_METER:on"] });
const { url } = worker;
let seed = 1;

async function post(path) {
  const res = await fetch(`${url}${path}`, { method: "POST" });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** `inFlight` callers sending calls to shard `shard` for SECONDS: calls/s, facts/s, pair increments/s, latency. */
async function drive(shard, inFlight) {
  const latencies = [];
  let facts = 0;
  let pairs = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const answer = await post(`/__shard?op=add&shard=${shard}&facts=${FACTS_PER_CALL}&items=${ITEMS}&seed=${seed++}`);
        latencies.push(performance.now() - t);
        facts += answer.facts;
        pairs += answer.pairs;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    in_flight: inFlight,
    calls: latencies.length,
    calls_per_s: latencies.length / seconds,
    facts_per_s: facts / seconds,
    pair_increments_per_s: pairs / seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  };
}

try {
  // Warm up: compile, create the shards' objects.
  for (const shard of [1, 2, 3, 4]) await post(`/__shard?op=add&shard=${shard}&facts=10&items=${ITEMS}&seed=${seed++}`);
  const runs = [];
  for (const [shard, inFlight] of [[2, 1], [3, 4], [4, 16]]) {
    runs.push(await drive(shard, inFlight));
    log(`  ${inFlight} in flight: ${runs.at(-1).calls_per_s.toFixed(0)} calls/s`);
  }
  // The fold of everything shard 4 logged, timed as the cron's caller sees it.
  const logged = runs.at(-1).calls;
  const fold = await post(`/__shard?op=fold&shard=4`);
  const foldMs = fold.fold_ms;
  // A second fold with nothing logged: the fixed cost of asking.
  const emptyFoldMs = (await post(`/__shard?op=fold&shard=4`)).fold_ms;
  const meter = await (await fetch(`${url}/__meter`)).json();
  const storage = meter.do_storage_by_class?.RecsShardDO;
  const shard4Bytes = storage ? storage.max_bytes : null;

  const result = {
    facts_per_call: FACTS_PER_CALL,
    items: ITEMS,
    seconds_per_run: SECONDS,
    runs: runs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v.toFixed ? v.toFixed(1) : v)]))),
    fold: { calls_folded: logged, items_folded: fold.items, ms: Number(foldMs.toFixed(1)), items_per_s: Number(((fold.items / foldMs) * 1000).toFixed(0)), empty_fold_ms: Number(emptyFoldMs.toFixed(1)) },
    storage: { shard_bytes: shard4Bytes, items: fold.items, bytes_per_item: shard4Bytes && fold.items ? Math.round(shard4Bytes / fold.items) : null, interest_entries: fold.interestEntries },
  };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`\nSeam shard benchmark — one RecsShardDO driven directly (${FACTS_PER_CALL} product views per call over ${ITEMS.toLocaleString("en-US")} items, ${SECONDS} s per run), local wrangler dev`);
    console.log(`${devtoolsNote()}\n`);
    console.log("| calls in flight | calls/s | facts/s | pair increments/s | p50 ms | p99 ms |");
    console.log("|---:|---:|---:|---:|---:|---:|");
    for (const r of runs)
      console.log(`| ${r.in_flight} | ${r.calls_per_s.toFixed(0)} | ${Math.round(r.facts_per_s).toLocaleString("en-US")} | ${Math.round(r.pair_increments_per_s).toLocaleString("en-US")} | ${r.p50_ms.toFixed(1)} | ${r.p99_ms.toFixed(1)} |`);
    console.log(`\nfold: ${logged.toLocaleString("en-US")} logged calls into ${fold.items.toLocaleString("en-US")} item rows in ${foldMs.toFixed(0)} ms (${result.fold.items_per_s.toLocaleString("en-US")} items/s); with nothing logged ${emptyFoldMs.toFixed(1)} ms`);
    if (shard4Bytes) console.log(`storage: ${(shard4Bytes / 1024).toFixed(0)} KB for ${fold.items.toLocaleString("en-US")} items and ${fold.interestEntries.toLocaleString("en-US")} interest entries (${result.storage.bytes_per_item.toLocaleString("en-US")} bytes per item, with the ids of the last six hours' calls)`);
  }
} finally {
  worker.stop();
}
