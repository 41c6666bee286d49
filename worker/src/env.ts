// The bindings wrangler.toml gives the worker; one place so every module agrees on them.
import type { AggregatorDO } from "./aggregator/AggregatorDO.ts";
import type { FloorDO } from "./bench/floor.ts";
import type { IndexShardDO } from "./index-shards/IndexShardDO.ts";
import type { CustomerDO } from "./customer/CustomerDO.ts";
import type { RecsShardDO } from "./recs-shards/RecsShardDO.ts";
import type { RateLimiterDO } from "./rate-limit/RateLimiterDO.ts";
import type { EventsQueueBody } from "./facts.ts";
import type { SegmentBackfillMessage, SegmentFactsMessage } from "./segments/facts.ts";
import type { OutgoingMessage } from "./messages/message.ts";

export interface Env {
  CUSTOMER: DurableObjectNamespace<CustomerDO>;
  /** One token bucket per (workspace, client IP): rate limits of browser traffic. */
  RATE_LIMITER: DurableObjectNamespace<RateLimiterDO>;
  /** Sharded sums per workspace (`${workspace}:${shard}`): the daily KPI counters (aggregator/). */
  AGGREGATOR: DurableObjectNamespace<AggregatorDO>;
  /** `npm run bench:ingest`'s floor (one RPC, one row): reachable only under SEAM_DEV_BENCH=on (bench/floor.ts). */
  FLOOR: DurableObjectNamespace<FloorDO>;
  /** Recommendation sums and the product-interest index, item-sharded per workspace (`${workspace}:${shard}`, recs-shards/). */
  RECS_SHARDS: DurableObjectNamespace<RecsShardDO>;
  /** The customer index and segment membership index per workspace, by customer (`${workspace}:${shard}`, index-shards/). */
  INDEX_SHARDS: DurableObjectNamespace<IndexShardDO>;
  DB: D1Database;
  RECS_KV: KVNamespace;
  /** Item facts (facts.ts) and, by `kind`, KPI facts (kpis/counters.ts), segment facts and back-fill pages (segments/facts.ts). */
  EVENTS: Queue<EventsQueuePayload>;
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
  /**
   * "allow" only under `npm run dev` (a `--var`, never in wrangler.toml): the `x-seam-location`
   * header may then stand in for request.cf's location. Anywhere else the header is refused.
   */
  SEAM_DEV_LOCATION?: string;
  /**
   * "on" only under `npm run bench:cost` (a `--var`, never in wrangler.toml): every billable operation
   * is then counted and readable at /__meter (metering.ts). Anywhere else nothing is counted.
   */
  SEAM_DEV_METER?: string;
  /** "on" only under the benchmarks (a `--var`): their dev-only routes are served (bench/: /__floor, the architecture's floor). */
  SEAM_DEV_BENCH?: string;
}

export type AppEnv = { Bindings: Env };

/** Everything the `events` queue carries: item and KPI facts (facts.ts), segment facts and back-fill pages. */
export type EventsQueuePayload = EventsQueueBody | SegmentFactsMessage | SegmentBackfillMessage;
