#!/usr/bin/env node
// `npm run test:restart`: the worker is killed (SIGKILL, the whole process tree) in the middle of a
// concurrent load and started again on the same local state. Every event that was answered
// `accepted` before the crash must still be there: re-sent, each is answered `duplicate`. Then the
// load is finished (the client re-sends what was never answered) and every customer's state is
// checked exactly. Exits non-zero on any loss or double count.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalWorker } from "./lib/local-worker.mjs";
import { checkState, planLoad, runLoad } from "./lib/load.mjs";

const EVENTS = Number(process.env.RESTART_EVENTS ?? 12_000);
const CUSTOMERS = Number(process.env.RESTART_CUSTOMERS ?? 400);
/** The crash comes once this share of the events was answered `accepted`. */
const KILL_AT = 0.4;

const stateDir = mkdtempSync(path.join(tmpdir(), "seam-restart-"));
const plans = planLoad({ customers: CUSTOMERS, events: EVENTS, prefix: `restart-${Date.now().toString(36)}` });
const accepted = new Set();
let failed = true;
try {
  const first = await startLocalWorker({ stateDir });
  const abort = new AbortController();
  const crashed = new Promise((resolve) => {
    const load = runLoad(first.url, plans, {
      signal: abort.signal,
      resendRate: 0,
      onAccepted: (id) => {
        accepted.add(id);
        if (accepted.size >= EVENTS * KILL_AT && !abort.signal.aborted) {
          first.kill();
          abort.abort();
          resolve();
        }
      },
    });
    load.catch(() => resolve()).then(() => resolve());
  });
  await crashed;
  console.log(`killed the worker after ${accepted.size.toLocaleString("en-US")} of ${EVENTS.toLocaleString("en-US")} events were answered accepted`);
  await new Promise((r) => setTimeout(r, 500));

  const second = await startLocalWorker({ stateDir });
  try {
    // Everything answered `accepted` before the crash is in state: its re-send is a duplicate.
    const answeredBatches = plans.flatMap((p) => p.batches.filter((b) => b.some((e) => accepted.has(e.messageId))));
    const replay = planOf(answeredBatches);
    let missing = 0;
    const stats = await runLoad(second.url, replay, { resendRate: 0, onAccepted: (id) => accepted.has(id) && (missing += 1) });
    console.log(`re-sent ${stats.sent.toLocaleString("en-US")} events of the answered batches: ${missing} accepted again (lost in the crash), ${stats.serverErrors} 5xx`);

    // The client carries on: everything again, in order; what is there is a duplicate, the rest lands.
    const rest = await runLoad(second.url, plans, { resendRate: 0.1 });
    const check = await checkState(second.url, plans);
    console.log(`finished the load: ${rest.accepted.toLocaleString("en-US")} accepted, ${rest.duplicate.toLocaleString("en-US")} duplicate, ${rest.serverErrors} 5xx`);
    console.log(`state of ${CUSTOMERS} customers: lost ${check.lost}, double-counted ${check.double}`);
    if (check.mismatches.length) console.log(`  ${check.mismatches.join("\n  ")}`);
    failed = missing > 0 || check.lost > 0 || check.double > 0 || stats.serverErrors > 0 || rest.serverErrors > 0;
    console.log(failed ? "FAILED: the crash lost or doubled events" : "every accepted event survived the crash; final state exact");
  } finally {
    second.stop();
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

/** The given batches as plans of one customer each, in their order (for a replay). */
function planOf(batches) {
  const byCustomer = new Map();
  for (const b of batches) byCustomer.set(b[0].anonymousId, [...(byCustomer.get(b[0].anonymousId) ?? []), b]);
  return [...byCustomer].map(([anonymousId, list]) => ({ anonymousId, batches: list, expected: null }));
}
