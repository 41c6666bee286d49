// One vitest project per folder: the worker runs inside workerd, the SDK, widget and dashboard in happy-dom.
import path from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
const seedSql = readFileSync(path.join(import.meta.dirname, "scripts/seed-demo.sql"), "utf8");

/**
 * The first sessions of rsc15-64's training split (../shared/data, evaluation data: a test binding
 * only, never part of the worker), for recs-edge-equals-offline.test.ts: [[item, unix seconds], ...] each.
 */
function recsSessionsSlice(sessions = 60): string {
  const file = path.join(import.meta.dirname, "..", "shared", "data", "rsc15-64-ecir24", "rec15_train_tr.txt");
  // Without the data beside the checkout the exactness test fails saying so; the rest still runs.
  if (!existsSync(file)) return "[]";
  const bySession = new Map<string, [string, number][]>();
  for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
    const [session, item, , time] = line.split("\t");
    if (!session || !item || !time) continue;
    if (!bySession.has(session) && bySession.size === sessions) break;
    const clicks = bySession.get(session) ?? [];
    clicks.push([item, Number(time)]);
    bySession.set(session, clicks);
  }
  return JSON.stringify([...bySession.values()]);
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "admin_test",
                TEST_MIGRATIONS: migrations,
                TEST_SEED_SQL: seedSql,
                TEST_RECS_SESSIONS: recsSessionsSlice(),
                LINK_SECRET: "link_test",
                SESSION_SECRET: "session_test",
                // `npm run fuzz` raises these; `npm test` runs a few hundred cases.
                FUZZ_CASES: process.env.FUZZ_CASES ?? "300",
                FUZZ_TIME_LIMIT_MS: process.env.FUZZ_TIME_LIMIT_MS ?? String(15 * 60_000),
              },
              // Tests never reach the internet: a fetch that no test mocked (vi.spyOn(globalThis, "fetch"))
              // answers 599 here instead of leaving the machine.
              outboundService: (request: Request) =>
                new Response(`no network in tests: ${request.method} ${request.url}`, { status: 599 }),
              // Deliver queue batches quickly so tests through the real queue do not wait seconds.
              queueConsumers: {
                "seam-events": { maxBatchTimeout: 0.05 },
                "seam-messages": { maxBatchTimeout: 0.05 },
              },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["worker/test/**/*.test.ts"],
          setupFiles: ["./worker/test/setup.ts"],
        },
      },
      {
        test: {
          name: "sdk",
          environment: "happy-dom",
          include: ["sdk/test/**/*.test.ts"],
          // The snippet test adds a <script src> to the page: happy-dom must not try to fetch it.
          environmentOptions: {
            happyDOM: { settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true } },
          },
        },
      },
      {
        test: {
          name: "dashboard",
          environment: "happy-dom",
          include: ["dashboard/test/**/*.test.{ts,tsx}"],
        },
      },
      {
        test: {
          name: "widget",
          environment: "happy-dom",
          // The script-tag test adds the real <script src> tag: treat it as loaded instead of fetching it.
          environmentOptions: { happyDOM: { settings: { handleDisabledFileLoadingAsSuccess: true } } },
          include: ["widget/test/**/*.test.{ts,tsx}"],
          setupFiles: ["./widget/test/setup.ts"],
        },
      },
    ],
  },
});
