// The events queue's segment messages (their own kinds beside the item facts): membership and
// customer facts folded into the D1 index, and back-fill pages. Each message is acked or retried
// on its own, so a failure here never holds back the item facts of the same batch, nor they it.
import type { Env } from "../env.ts";
import { isSegmentBackfillMessage, isSegmentFactsMessage } from "../segments/facts.ts";
import { runBackfillPage } from "../stores/segment-backfill.ts";
import { applySegmentFacts } from "../stores/segment-index.ts";

/** Whether a queue message is one of this module's kinds (the dispatcher's question). */
export function isSegmentQueueMessage(body: unknown): boolean {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return kind === "segments" || kind === "segment_backfill";
}

/**
 * Folds each message: facts into the index (idempotent: a redelivery changes nothing), a page of
 * a back-fill (its job's cursor makes a redelivery continue, not repeat). A malformed message is
 * acked and logged; a failure is retried with the events queue's backoff.
 */
export async function consumeSegmentMessages(messages: readonly Message<unknown>[], env: Env, retryDelaySeconds: (attempts: number) => number): Promise<void> {
  for (const message of messages) {
    const body = message.body;
    try {
      if (isSegmentFactsMessage(body)) await applySegmentFacts(env.DB, body.workspaceId, body.facts);
      else if (isSegmentBackfillMessage(body)) await runBackfillPage(env, body, Date.now());
      else console.warn("events queue: dropping malformed segment message", message.id);
      message.ack();
    } catch (error) {
      console.error(`events queue: segment message failed (attempt ${message.attempts}); retrying it`, error);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
