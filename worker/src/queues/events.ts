// Consumer of the `events` queue: compact item facts on their way to global aggregation.
import type { Env } from "../env.ts";
import type { EventsQueueMessage } from "../facts.ts";

function isEventsMessage(body: unknown): body is EventsQueueMessage {
  const m = body as EventsQueueMessage | null;
  return m !== null && typeof m === "object" && m.v === 1 && typeof m.workspaceId === "string" && Array.isArray(m.facts);
}

/**
 * Acks each message once it is handled. A malformed message is acked and logged rather than
 * retried: retrying cannot make it valid, and it would only reach the dead-letter queue later.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  for (const message of batch.messages) {
    if (!isEventsMessage(message.body)) {
      console.warn("events queue: dropping malformed message", message.id);
    }
    message.ack();
  }
}
