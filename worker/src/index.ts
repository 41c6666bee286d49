// The worker's entry: HTTP, queue consumers and the cron, plus the Durable Object classes.
import { app } from "./app.ts";
import { benchRoutesActive, floorResponse, FLOOR_PATH } from "./bench/floor.ts";
import { SHARD_BENCH_PATH, shardBenchResponse } from "./bench/shard.ts";
import type { Env } from "./env.ts";
import { countInvocation, countQueueDelivery, meterActive, METER_PATH, meteredEnv, meterResponse } from "./metering.ts";
import { pruneDeliveries } from "./stores/deliveries.ts";
import { consumeEvents } from "./queues/events.ts";
import { consumeMessages } from "./queues/messages.ts";
import { materialiseRecommendations } from "./stores/recs-materialise.ts";
import { resumeStalledBackfills } from "./stores/segment-backfill.ts";

export { AggregatorDO } from "./aggregator/AggregatorDO.ts";
export { FloorDO } from "./bench/floor.ts";
export { RecsShardDO } from "./recs-shards/RecsShardDO.ts";
export { IndexShardDO } from "./index-shards/IndexShardDO.ts";
export { CustomerDO } from "./customer/CustomerDO.ts";
export { RateLimiterDO } from "./rate-limit/RateLimiterDO.ts";

export default {
  fetch(request, env, ctx) {
    // The dev-only meter (metering.ts): with the meter off, `meteredEnv` is `env` and /__meter a 404.
    if (meterActive(env)) {
      if (new URL(request.url).pathname === METER_PATH) return meterResponse(request);
      countInvocation(env, "fetch");
    }
    // The benchmarks' dev-only routes (bench/): a 404 unless SEAM_DEV_BENCH=on.
    if (benchRoutesActive(env)) {
      const path = new URL(request.url).pathname;
      if (path === FLOOR_PATH) return floorResponse(request, env);
      if (path === SHARD_BENCH_PATH) return shardBenchResponse(request, meteredEnv(env));
    }
    return app.fetch(request, meteredEnv(env), ctx);
  },
  async queue(delivered, rawEnv) {
    countInvocation(rawEnv, "queue");
    const { batch, finished } = countQueueDelivery(rawEnv, delivered);
    const env = meteredEnv(rawEnv);
    try {
      if (batch.queue === "seam-events") return await consumeEvents(batch, env);
      if (batch.queue === "seam-messages") return await consumeMessages(batch, env);
      console.warn("no consumer for queue", batch.queue);
      batch.retryAll();
    } finally {
      finished();
    }
  },
  // Every 10 minutes: materialise the recommendation lists of items whose aggregates changed into
  // KV, apply the messaging tables' retention, resume stalled back-fills (the index shards prune
  // their own tombstones as facts reach them).
  async scheduled(controller, rawEnv) {
    countInvocation(rawEnv, "scheduled");
    const env = meteredEnv(rawEnv);
    const [report] = await Promise.all([
      materialiseRecommendations(env, controller.scheduledTime),
      pruneDeliveries(env.DB, controller.scheduledTime),
      resumeStalledBackfills(env, controller.scheduledTime),
    ]);
    console.log("materialised recommendations", report);
  },
} satisfies ExportedHandler<Env>;
