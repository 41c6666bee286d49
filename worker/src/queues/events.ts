// Consumer of the `events` queue: folds compact item facts into the D1 recommendation aggregates
// and the product-interest index (price-drop and back-in-stock triggers fan out through it).
import type { Env } from "../env.ts";
import type { EventsQueueMessage, ItemFact } from "../facts.ts";
import { recordProductInterest } from "../stores/product-interest.ts";
import { aggregateFacts } from "../stores/recs-aggregates.ts";

const FACT_KINDS = new Set(["view", "cart", "buy"]);

function isEventsMessage(body: unknown): body is EventsQueueMessage {
  const m = body as EventsQueueMessage | null;
  return m !== null && typeof m === "object" && m.v === 1 && typeof m.workspaceId === "string" && Array.isArray(m.facts);
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

/**
 * Folds the whole batch, then acks it. A malformed message is acked and logged rather than
 * retried: retrying cannot make it valid. If D1 fails, the batch is retried (and, after
 * max_retries, dead-lettered); both folds are idempotent per fact, so a retry adds nothing twice.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const facts: { workspaceId: string; fact: ItemFact }[] = [];
  for (const message of batch.messages) {
    if (!isEventsMessage(message.body)) {
      console.warn("events queue: dropping malformed message", message.id);
      continue;
    }
    for (const fact of message.body.facts) if (isFact(fact)) facts.push({ workspaceId: message.body.workspaceId, fact });
  }
  if (facts.length) {
    await aggregateFacts(env.DB, facts);
    await recordProductInterest(env.DB, facts, Date.now());
  }
  batch.ackAll();
}
