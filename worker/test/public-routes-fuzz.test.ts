// Every public route under hostile input (fast-check): never a 5xx, and a refused request changes nothing.
// `npm test` runs a few hundred cases; `npm run fuzz` runs 10,000 (FUZZ_CASES) and prints the summary.
import { evictAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { configFingerprint, createVictims, existingCustomers, fuzzCases, publicRoutes, restoreDemoWorkspace, send } from "./fuzz-requests.ts";

const CASES = Number(env.FUZZ_CASES ?? 300);
const EVICT_EVERY = 500;
const FRESH_ID = /^fz-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Past this the run stops and fails: a fuzz that cannot finish in time proves nothing about the rest. */
const TIME_LIMIT_MS = Number(env.FUZZ_TIME_LIMIT_MS ?? 15 * 60_000);

beforeAll(async () => {
  await createVictims();
});

describe("public routes under hostile input", () => {
  it("answers every case below 500, and leaves state alone on every refusal", { timeout: TIME_LIMIT_MS + 60_000 }, async () => {
    const routes = publicRoutes();
    expect(routes.length).toBeGreaterThan(30);
    const failures: string[] = [];
    let cases = 0;
    let serverErrors = 0;
    let stateChanges = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fuzzCases(routes), async (c) => {
        cases += 1;
        // Idle objects are let go now and then, as the runtime does: each holds its SQLite files open.
        if (cases % EVICT_EVERY === 0) await evictAllDurableObjects();
        const before = await configFingerprint();
        const res = await send(c);
        const text = new TextDecoder().decode(await res.arrayBuffer());
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          serverErrors += 1;
          failures.push(`${res.status} ${c.describe} ${c.path.slice(0, 120)} → ${text.slice(0, 200)}`);
          return;
        }
        if (res.status < 400) {
          // The operator may rotate the demo workspace's keys or change its origins: put them back for the next case.
          if (c.path.startsWith("/admin/workspaces/demo")) await restoreDemoWorkspace();
          return;
        }
        // A refusal is JSON in the one error shape (the open pixel is the one route that always answers a GIF).
        if (!res.headers.get("content-type")?.includes("application/json") && !c.path.startsWith("/v1/t/o/"))
          failures.push(`non-JSON ${res.status} ${c.describe}`);
        const changed = (await configFingerprint()) !== before;
        // Only ids this case made up (a uuid inside) say something: fixed odd ids may exist from an earlier accepted case.
        // A read of an unknown customer creates nothing either (unknown-customer-reads-write-nothing.test.ts).
        const created = await existingCustomers(c.customers.filter((id) => FRESH_ID.test(id)));
        if (changed || created.length) {
          stateChanges += 1;
          failures.push(`state changed by a refused ${res.status} ${c.describe} ${c.path.slice(0, 120)} (config ${changed}, customers ${created.join(",")})`);
        }
      }),
      { numRuns: CASES, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true, endOnFailure: false },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ");
    console.log(`fuzz: ${cases} cases, ${serverErrors}×5xx, ${stateChanges} state changes (${routes.length} routes, ${seconds} s; ${byStatus})`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(cases).toBe(CASES);
  });
});
