// Types for `cloudflare:workers` in tests: the worker's Env plus test-only bindings, and its exports.
import type { D1Migration } from "cloudflare:test";
import type { Env as SeamEnv } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends SeamEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_SEED_SQL: string;
      /** JSON: the first rsc15-64 training sessions, [[item, unix seconds], ...] each (vitest.config.ts). */
      TEST_RECS_SESSIONS: string;
      FUZZ_CASES?: string;
      FUZZ_TIME_LIMIT_MS?: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index.ts");
      durableNamespaces: "CustomerDO" | "AggregatorDO";
    }
  }
}
