// Consumer of the `events` queue: compact item facts on their way to global aggregation (and the product-interest index).
import type { Env } from "../env.ts";
import type { EventsQueueMessage } from "../facts.ts";
import { recordProductInterest } from "../messaging/interest.ts";

function isEventsMessage(body: unknown): body is EventsQueueMessage {
  const m = body as EventsQueueMessage | null;
  return m !== null && typeof m === "object" && m.v === 1 && typeof m.workspaceId === "string" && Array.isArray(m.facts);
}

/**
 * Acks each message once it is handled. A malformed message is acked and logged rather than
 * retried: retrying cannot make it valid, and it would only reach the dead-letter queue later.
 * A D1 failure is retried: the interest upserts are idempotent.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    if (!isEventsMessage(message.body)) {
      console.warn("events queue: dropping malformed message", message.id);
      message.ack();
      continue;
    }
    try {
      await recordProductInterest(env.DB, message.body, Date.now());
      message.ack();
    } catch (error) {
      console.error("events queue: product interest failed; retrying", message.id, error);
      message.retry();
    }
  }
}
