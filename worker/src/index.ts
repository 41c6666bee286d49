// The worker's entry: HTTP, queue consumers and the cron, plus the Durable Object classes.
import { app } from "./app.ts";
import type { Env } from "./env.ts";
import { pruneDeliveries } from "./stores/deliveries.ts";
import { pruneProductInterest } from "./stores/product-interest.ts";
import { consumeEvents } from "./queues/events.ts";
import { consumeMessages } from "./queues/messages.ts";
import { materialiseRecommendations } from "./stores/recs-materialise.ts";
import { resumeStalledBackfills } from "./stores/segment-backfill.ts";
import { pruneSegmentIndex } from "./stores/segment-index.ts";

export { AggregatorDO } from "./aggregator/AggregatorDO.ts";
export { CustomerDO } from "./customer/CustomerDO.ts";
export { RateLimiterDO } from "./rate-limit/RateLimiterDO.ts";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === "seam-events") return consumeEvents(batch, env);
    if (batch.queue === "seam-messages") return consumeMessages(batch, env);
    console.warn("no consumer for queue", batch.queue);
    batch.retryAll();
  },
  // Every 10 minutes: materialise the recommendation lists of items whose aggregates changed into
  // KV, apply the messaging tables' and the segment index's retention, resume stalled back-fills.
  async scheduled(controller, env) {
    const [report] = await Promise.all([
      materialiseRecommendations(env, controller.scheduledTime),
      pruneDeliveries(env.DB, controller.scheduledTime),
      pruneProductInterest(env.DB, controller.scheduledTime),
      pruneSegmentIndex(env.DB, controller.scheduledTime),
      resumeStalledBackfills(env, controller.scheduledTime),
    ]);
    console.log("materialised recommendations", report);
  },
} satisfies ExportedHandler<Env>;
