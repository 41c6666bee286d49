// The worker's entry: HTTP, queue consumers and the cron, plus the Durable Object classes.
import { app } from "./app.ts";
import type { Env } from "./env.ts";
import { pruneDeliveries } from "./messaging/deliveries.ts";
import { pruneProductInterest } from "./messaging/interest.ts";
import { consumeEvents } from "./queues/events.ts";
import { consumeMessages } from "./queues/messages.ts";

export { CustomerDO } from "./customer/CustomerDO.ts";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === "seam-events") return consumeEvents(batch, env);
    if (batch.queue === "seam-messages") return consumeMessages(batch, env);
    console.warn("no consumer for queue", batch.queue);
    batch.retryAll();
  },
  // The cron materialises recommendation lists (not yet); it also applies the messaging tables' retention.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(Promise.all([pruneDeliveries(env.DB, controller.scheduledTime), pruneProductInterest(env.DB, controller.scheduledTime)]));
  },
} satisfies ExportedHandler<Env>;
