// Compact facts that leave a CustomerDO on the `events` queue for global aggregation.
import type { KpiQueueMessage } from "./kpis/counters.ts";
import type { Channel } from "./schemas.ts";

export type FactKind = "view" | "cart" | "buy";

export interface ItemFact {
  kind: FactKind;
  item: string;
  variant?: string;
  category?: string;
  price?: number;
  quantity?: number;
  /** Profile key of the customer, never a raw email or phone. */
  customer: string;
  /** `${customer}#${n}`: the customer's n-th session (a 30-minute gap starts a new one). */
  session: string;
  ts: number;
  channel: Channel;
  /** The event the fact came from, so a redelivered queue message folds in once. */
  messageId: string;
}

export interface EventsQueueMessage {
  v: 1;
  workspaceId: string;
  facts: ItemFact[];
}

/**
 * Everything the `events` queue carries: item facts (no `kind`, the original shape), and messages of
 * other kinds, each handled by its own module (queues/events.ts dispatches by `kind`).
 */
export type EventsQueueBody = EventsQueueMessage | KpiQueueMessage;

/** Facts per queue message: keeps each message far below the 128 KB queue message limit. */
export const FACTS_PER_MESSAGE = 100;

/** Splits facts into queue messages of at most FACTS_PER_MESSAGE facts. */
export function factMessages(workspaceId: string, facts: ItemFact[]): EventsQueueMessage[] {
  const messages: EventsQueueMessage[] = [];
  for (let i = 0; i < facts.length; i += FACTS_PER_MESSAGE)
    messages.push({ v: 1, workspaceId, facts: facts.slice(i, i + FACTS_PER_MESSAGE) });
  return messages;
}
