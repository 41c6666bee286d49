// Cloudflare's published list prices (Workers Paid, US dollars), the one table `npm run bench:cost`
// and docs/scale.md price operations with. Marginal rates above each plan's monthly inclusions:
// the inclusions are a fixed monthly credit, not a per-event price, so they are left out.
// Checked 2026-12-04 against the pages named per row (no fetch from here: copied from the pages).

export const PRICES_CHECKED = "2026-12-04";

/** usd: price per `per` units of `unit`. */
export const CLOUDFLARE_PRICES = {
  worker_requests: { usd: 0.3, per: 1e6, unit: "requests", source: "https://developers.cloudflare.com/workers/platform/pricing/ (Workers Standard: +$0.30 per million requests)" },
  worker_cpu_ms: { usd: 0.02, per: 1e6, unit: "CPU ms", source: "https://developers.cloudflare.com/workers/platform/pricing/ (+$0.02 per million CPU milliseconds)" },
  do_requests: { usd: 0.15, per: 1e6, unit: "requests", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (requests incl. RPC calls and alarm invocations: +$0.15 per million)" },
  do_duration_gb_s: { usd: 12.5, per: 1e6, unit: "GB-s", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (duration, 128 MB per object: +$12.50 per million GB-s)" },
  do_rows_read: { usd: 0.001, per: 1e6, unit: "rows", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (SQLite storage: +$0.001 per million rows read)" },
  do_rows_written: { usd: 1.0, per: 1e6, unit: "rows", source: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (SQLite storage: +$1.00 per million rows written)" },
  d1_rows_read: { usd: 0.001, per: 1e6, unit: "rows", source: "https://developers.cloudflare.com/d1/platform/pricing/ (+$0.001 per million rows read)" },
  d1_rows_written: { usd: 1.0, per: 1e6, unit: "rows", source: "https://developers.cloudflare.com/d1/platform/pricing/ (+$1.00 per million rows written)" },
  queue_operations: { usd: 0.4, per: 1e6, unit: "operations", source: "https://developers.cloudflare.com/queues/platform/pricing/ (per 64 KB written, read or deleted: +$0.40 per million)" },
  kv_reads: { usd: 0.5, per: 1e6, unit: "reads", source: "https://developers.cloudflare.com/kv/platform/pricing/ (+$0.50 per million reads)" },
  kv_writes: { usd: 5.0, per: 1e6, unit: "writes", source: "https://developers.cloudflare.com/kv/platform/pricing/ (+$5.00 per million writes)" },
  kv_deletes: { usd: 5.0, per: 1e6, unit: "deletes", source: "https://developers.cloudflare.com/kv/platform/pricing/ (+$5.00 per million deletes)" },
  kv_lists: { usd: 5.0, per: 1e6, unit: "lists", source: "https://developers.cloudflare.com/kv/platform/pricing/ (+$5.00 per million list requests)" },
};

/** Memory a Durable Object is billed for, whatever it uses (the pricing page's footnote). */
export const DO_BILLED_GB = 128 / 1024;
