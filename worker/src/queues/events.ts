// Consumer of the `events` queue: hands compact item facts to the recommendation shards (pair sums,
// item stats and the product-interest index the price-drop and back-in-stock triggers fan out through), and
// hands messages of other kinds to their own module by `kind` (KPI counters: queues/kpis.ts; segments: queues/segment-facts.ts).
import type { Env } from "../env.ts";
import type { EventsQueueMessage, ItemFact, PairIncrementTuple } from "../facts.ts";
import { RELATIONS_BY_KIND } from "../recs/edge.ts";
import type { KpiQueueMessage } from "../kpis/counters.ts";
import { foldKpiMessages, isKpiMessage } from "./kpis.ts";
import { consumeSegmentMessages, isSegmentQueueMessage } from "./segment-facts.ts";
import { addFactsToShards, recsShardCount } from "../recs-shards/client.ts";

const FACT_KINDS = new Set(["view", "cart", "buy"]);
const RELATIONS = new Set(Object.values(RELATIONS_BY_KIND).flatMap((relations) => Object.keys(relations)));

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
    Number.isFinite(fact.ts) &&
    (fact.quantity === undefined || Number.isFinite(fact.quantity)) &&
    (fact.pairs === undefined || (Array.isArray(fact.pairs) && fact.pairs.every(isPair)))
  );
}

/** A pair increment the object computed: a relation of the fact's kind, two items, a positive finite weight. */
function isPair(p: unknown): p is PairIncrementTuple {
  return (
    Array.isArray(p) &&
    p.length === 4 &&
    RELATIONS.has(p[0]) &&
    typeof p[1] === "string" &&
    typeof p[2] === "string" &&
    typeof p[3] === "number" &&
    Number.isFinite(p[3]) &&
    p[3] > 0
  );
}

/** wrangler.toml's `max_retries` for seam-events: with the backoff below, an outage of about two hours is ridden out. */
export const EVENTS_MAX_RETRIES = 12;
/** Retry backoff: 5 s, 10 s, 20 s … capped at 20 minutes. */
const RETRY_BASE_S = 5;
const RETRY_MAX_S = 20 * 60;

export function eventsRetryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_S * 2 ** Math.max(0, attempts - 1), RETRY_MAX_S);
}

/**
 * Folds the whole batch, then acks it. A malformed message is acked and logged rather than
 * retried: retrying cannot make it valid. If a recommendation or aggregator shard fails, the batch is
 * retried with backoff (an immediate retry would spend every attempt within the same outage and
 * dead-letter the facts); shards remember the messages they applied, so a retry adds nothing twice.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Messages of other kinds are acked or retried one by one; the batch-wide ack and retry below
  // then apply to the item facts alone (an explicitly handled message keeps its own outcome).
  const segments = batch.messages.filter((m) => isSegmentQueueMessage(m.body));
  if (segments.length) await consumeSegmentMessages(segments, env, eventsRetryDelaySeconds);
  const facts: { id: string; workspaceId: string; shards: number; facts: ItemFact[] }[] = [];
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
    const shards = recsShardCount({ recsShards: message.body.shards });
    facts.push({ id: message.id, workspaceId: message.body.workspaceId, shards, facts: message.body.facts.filter(isFact) });
  }
  if (facts.length || kpis.length) {
    try {
      await Promise.all([facts.length ? addFactsToShards(env, facts) : undefined, kpis.length ? foldKpiMessages(kpis, env) : undefined]);
    } catch (error) {
      const attempts = Math.max(...batch.messages.map((m) => m.attempts));
      console.error(`events queue: fold failed (attempt ${attempts}); retrying the batch`, error);
      batch.retryAll({ delaySeconds: eventsRetryDelaySeconds(attempts) });
      return;
    }
  }
  batch.ackAll();
}
