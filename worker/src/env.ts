// The bindings wrangler.toml gives the worker; one place so every module agrees on them.
import type { CustomerDO } from "./customer/CustomerDO.ts";
import type { RateLimiterDO } from "./rate-limit/RateLimiterDO.ts";
import type { EventsQueueMessage } from "./facts.ts";
import type { SegmentBackfillMessage, SegmentFactsMessage } from "./segments/facts.ts";
import type { OutgoingMessage } from "./messages/message.ts";

export interface Env {
  CUSTOMER: DurableObjectNamespace<CustomerDO>;
  /** One token bucket per (workspace, client IP): rate limits of browser traffic. */
  RATE_LIMITER: DurableObjectNamespace<RateLimiterDO>;
  DB: D1Database;
  RECS_KV: KVNamespace;
  /** Item facts (facts.ts) and, by `kind`, segment facts and back-fill pages (segments/facts.ts). */
  EVENTS: Queue<EventsQueueMessage | SegmentFactsMessage | SegmentBackfillMessage>;
  MESSAGES: Queue<OutgoingMessage>;
  /** Published trigger definitions and messaging policy, read by the CustomerDOs (stores/published-config.ts). */
  CONFIG_KV: KVNamespace;
  /** Seals tracking-link tokens (open pixel, click redirect, unsubscribe). A secret; unset = links untracked. */
  LINK_SECRET?: string;
  /** The public origin tracked links point at (this worker's). */
  TRACKING_BASE_URL?: string;
  /** Signs the dashboard's session cookies and derives their CSRF tokens. A secret; unset = dashboard sign-in off. */
  SESSION_SECRET?: string;
  /** Operator token for `/admin/*` (a secret; `.dev.vars` locally). Unset = operator API off. */
  ADMIN_TOKEN?: string;
  WORKSPACE_CACHE_TTL_MS?: string;
}

export type AppEnv = { Bindings: Env };
