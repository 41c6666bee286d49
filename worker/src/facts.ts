// Compact facts that leave a CustomerDO on the `events` queue for global aggregation.
import type { KpiQueueMessage } from "./kpis/counters.ts";
import type { Channel } from "./schemas.ts";
import { sizedChunks } from "./sized-chunks.ts";

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
  /** The event the fact came from. */
  messageId: string;
  /**
   * What the fact adds to the item-pair sums, computed where the session lives (the customer's
   * object, customer/session-pairs.ts): `to` gains `weight` in `from`'s `relation` list, in first-seen order.
   */
  pairs?: PairIncrementTuple[];
}

export type PairIncrementTuple = [relation: string, from: string, to: string, weight: number];

export interface EventsQueueMessage {
  v: 1;
  workspaceId: string;
  /** The workspace's recommendation shard count when the facts were sent (recs-shards/client.ts); absent: the default. */
  shards?: number;
  facts: ItemFact[];
}

/**
 * Everything the `events` queue carries: item facts (no `kind`, the original shape), and messages of
 * other kinds, each handled by its own module (queues/events.ts dispatches by `kind`).
 */
export type EventsQueueBody = EventsQueueMessage | KpiQueueMessage;

/** Facts per queue message, and their JSON size: keeps each message far below the 128 KB queue message limit. */
export const FACTS_PER_MESSAGE = 100;
export const FACT_BYTES_PER_MESSAGE = 96_000;

/**
 * Splits facts into queue messages of at most FACTS_PER_MESSAGE facts and about
 * FACT_BYTES_PER_MESSAGE of JSON (a cart fact of a long session carries up to a hundred pairs).
 */
export function factMessages(workspaceId: string, facts: ItemFact[], shards?: number): EventsQueueMessage[] {
  return sizedChunks(facts, (fact) => JSON.stringify(fact).length, FACT_BYTES_PER_MESSAGE, FACTS_PER_MESSAGE).map((chunk) => ({
    v: 1,
    workspaceId,
    ...(shards ? { shards } : {}),
    facts: chunk,
  }));
}
