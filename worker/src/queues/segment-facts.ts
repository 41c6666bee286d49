// The events queue's segment messages (their own kinds beside the item facts): membership and
// customer facts folded into the index shards (one call per shard per batch), and back-fill pages.
// Each message is acked or retried on its own, so a failure here never holds back the item facts of
// the same batch, nor they it.
import type { Env } from "../env.ts";
import { isSegmentBackfillMessage, isSegmentFactsMessage, type SegmentFactsMessage } from "../segments/facts.ts";
import { runBackfillPage } from "../stores/segment-backfill.ts";
import { applySegmentFacts } from "../stores/segment-index.ts";

/** Whether a queue message is one of this module's kinds (the dispatcher's question). */
export function isSegmentQueueMessage(body: unknown): boolean {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return kind === "segments" || kind === "segment_backfill";
}

/**
 * Folds the batch's facts messages, one call per index shard for them all (idempotent: a
 * redelivery changes nothing), then each back-fill page (its job's cursor makes a redelivery
 * continue, not repeat). A malformed message is acked and logged; a message whose facts a failed
 * shard held, or a failed page, is retried with the events queue's backoff.
 */
export async function consumeSegmentMessages(messages: readonly Message<unknown>[], env: Env, retryDelaySeconds: (attempts: number) => number): Promise<void> {
  const retry = (message: Message<unknown>, error: unknown) => {
    console.error(`events queue: segment message failed (attempt ${message.attempts}); retrying it`, error);
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  };
  const factMessages = messages.filter((m) => isSegmentFactsMessage(m.body)) as Message<SegmentFactsMessage>[];
  if (factMessages.length) {
    let failed: Set<number>;
    try {
      failed = await applySegmentFacts(env, factMessages.map((m) => m.body), Date.now());
    } catch (error) {
      failed = new Set(factMessages.keys());
      console.error("events queue: index shards unreachable", error);
    }
    factMessages.forEach((message, i) => (failed.has(i) ? retry(message, "an index shard call failed") : message.ack()));
  }
  for (const message of messages) {
    const body = message.body;
    if (isSegmentFactsMessage(body)) continue;
    if (!isSegmentBackfillMessage(body)) {
      console.warn("events queue: dropping malformed segment message", message.id);
      message.ack();
      continue;
    }
    try {
      await runBackfillPage(env, body, Date.now());
      message.ack();
    } catch (error) {
      retry(message, error);
    }
  }
}
