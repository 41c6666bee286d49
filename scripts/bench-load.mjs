#!/usr/bin/env node
// `npm run bench:load`: 50,000 events over 2,000 customers through the local worker, concurrently,
// 10 % of batches re-sent (a third of those at the same time as the original); then every customer's
// state is checked exactly. Exits non-zero on any lost or double-counted event or any 5xx.
import { devtoolsNote, startLocalWorker } from "./lib/local-worker.mjs";
import { checkState, percentile, planLoad, runLoad } from "./lib/load.mjs";

const EVENTS = Number(process.env.LOAD_EVENTS ?? 50_000);
const CUSTOMERS = Number(process.env.LOAD_CUSTOMERS ?? 2_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 64);

const plans = planLoad({ customers: CUSTOMERS, events: EVENTS });
const batches = plans.reduce((n, p) => n + p.batches.length, 0);
const { url, stop } = await startLocalWorker();
let failed = true;
try {
  const began = Date.now();
  const stats = await runLoad(url, plans, { concurrency: CONCURRENCY });
  const seconds = (Date.now() - began) / 1000;
  const check = await checkState(url, plans);
  console.log(`\nSeam load benchmark — local wrangler dev, ${EVENTS.toLocaleString("en-US")} events over ${CUSTOMERS.toLocaleString("en-US")} customers in ${batches.toLocaleString("en-US")} batches, ${CONCURRENCY} customers at a time, 10 % re-sent`);
  console.log(`${devtoolsNote()}\n`);
  console.log("| sent | accepted | duplicate | rejected | lost | double-counted | 5xx | network errors | requests | p50 ms | p99 ms | events/s |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const f = (n) => n.toLocaleString("en-US");
  console.log(
    `| ${f(stats.sent)} | ${f(stats.accepted)} | ${f(stats.duplicate)} | ${f(stats.rejected)} | ${f(check.lost)} | ${f(check.double)} | ${f(stats.serverErrors)} | ${f(stats.networkErrors)} | ${f(stats.requests)} | ${percentile(stats.latencies, 50).toFixed(1)} | ${percentile(stats.latencies, 99).toFixed(1)} | ${f(Math.round(EVENTS / seconds))} |`,
  );
  if (check.mismatches.length) console.log(`\nfirst mismatches:\n  ${check.mismatches.join("\n  ")}`);
  const acceptedOnce = stats.accepted === EVENTS;
  if (!acceptedOnce) console.log(`\naccepted ${f(stats.accepted)} events, expected exactly ${f(EVENTS)}`);
  failed = check.lost > 0 || check.double > 0 || stats.serverErrors > 0 || stats.rejected > 0 || !acceptedOnce;
  console.log(failed ? "\nFAILED: events lost, double-counted or refused" : "\nevery event in state exactly once");
} finally {
  stop();
  process.exit(failed ? 1 : 0);
}
