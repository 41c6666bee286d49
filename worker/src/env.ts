// The bindings wrangler.toml gives the worker; one place so every module agrees on them.
import type { CustomerDO } from "./customer/CustomerDO.ts";
import type { EventsQueueMessage } from "./facts.ts";

export interface Env {
  CUSTOMER: DurableObjectNamespace<CustomerDO>;
  DB: D1Database;
  RECS_KV: KVNamespace;
  EVENTS: Queue<EventsQueueMessage>;
  MESSAGES: Queue<unknown>;
  /** Operator token for `/admin/*` (a secret; `.dev.vars` locally). Unset = operator API off. */
  ADMIN_TOKEN?: string;
  WORKSPACE_CACHE_TTL_MS?: string;
}

export type AppEnv = { Bindings: Env };
