// Consumer of the `events` queue: folds compact item facts into the D1 recommendation aggregates
// and the product-interest index (price-drop and back-in-stock triggers fan out through it), and
// hands messages of other kinds to their own module by `kind` (KPI counters: queues/kpis.ts; segments: queues/segment-facts.ts).
import type { Env } from "../env.ts";
import type { EventsQueueMessage, ItemFact } from "../facts.ts";
import type { KpiQueueMessage } from "../kpis/counters.ts";
import { foldKpiMessages, isKpiMessage } from "./kpis.ts";
import { recordProductInterest } from "../stores/product-interest.ts";
import { consumeSegmentMessages, isSegmentQueueMessage } from "./segment-facts.ts";
import { aggregateFacts } from "../stores/recs-aggregates.ts";

const FACT_KINDS = new Set(["view", "cart", "buy"]);

function isEventsMessage(body: unknown): body is EventsQueueMessage {
  const m = body as EventsQueueMessage | null;
  return m !== null && typeof m === "object" && m.v === 1 && !("kind" in m) && typeof m.workspaceId === "string" && Array.isArray(m.facts);
}

function isFact(f: unknown): f is ItemFact {
  const fact = f as ItemFact | null;
  return (
    fact !== null &&
    typeof fact === "object" &&
    FACT_KINDS.has(fact.kind) &&
    typeof fact.item === "string" &&
    typeof fact.customer === "string" &&
    typeof fact.session === "string" &&
    typeof fact.messageId === "string" &&
    typeof fact.ts === "number"
  );
}

/** wrangler.toml's `max_retries` for seam-events: with the backoff below, a D1 outage of about two hours is ridden out. */
export const EVENTS_MAX_RETRIES = 12;
/** Retry backoff: 5 s, 10 s, 20 s … capped at 20 minutes. */
const RETRY_BASE_S = 5;
const RETRY_MAX_S = 20 * 60;

export function eventsRetryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_S * 2 ** Math.max(0, attempts - 1), RETRY_MAX_S);
}

/**
 * Folds the whole batch, then acks it. A malformed message is acked and logged rather than
 * retried: retrying cannot make it valid. If D1 or an aggregator shard fails, the batch is retried
 * with backoff (an immediate retry would spend every attempt within the same outage and
 * dead-letter the facts); every fold is idempotent per fact, so a retry adds nothing twice.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Messages of other kinds are acked or retried one by one; the batch-wide ack and retry below
  // then apply to the item facts alone (an explicitly handled message keeps its own outcome).
  const segments = batch.messages.filter((m) => isSegmentQueueMessage(m.body));
  if (segments.length) await consumeSegmentMessages(segments, env, eventsRetryDelaySeconds);
  const facts: { workspaceId: string; fact: ItemFact }[] = [];
  const kpis: KpiQueueMessage[] = [];
  for (const message of batch.messages) {
    if (isSegmentQueueMessage(message.body)) continue;
    if (isKpiMessage(message.body)) {
      kpis.push(message.body);
      continue;
    }
    if (!isEventsMessage(message.body)) {
      console.warn("events queue: dropping malformed message", message.id);
      continue;
    }
    for (const fact of message.body.facts) if (isFact(fact)) facts.push({ workspaceId: message.body.workspaceId, fact });
  }
  if (facts.length || kpis.length) {
    try {
      if (facts.length) {
        await aggregateFacts(env.DB, facts);
        await recordProductInterest(env.DB, facts, Date.now());
      }
      if (kpis.length) await foldKpiMessages(kpis, env);
    } catch (error) {
      const attempts = Math.max(...batch.messages.map((m) => m.attempts));
      console.error(`events queue: fold failed (attempt ${attempts}); retrying the batch`, error);
      batch.retryAll({ delaySeconds: eventsRetryDelaySeconds(attempts) });
      return;
    }
  }
  batch.ackAll();
}
