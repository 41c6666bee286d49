// The segment facts that leave a customer's object on the `events` queue (their own message kind,
// beside the item facts of facts.ts), and the back-fill's page messages on the same queue.
import { sizedChunks } from "../sized-chunks.ts";

/** A customer entered (`member`) or left a segment; `since` is when they entered (the fact's time when leaving). */
export interface MembershipFact {
  type: "membership";
  /** Profile key of the customer, never a raw email or phone. */
  customer: string;
  segment: string;
  member: boolean;
  since: number;
  /** When the object decided it: a later fact about the same customer and segment wins, whatever order the queue delivers them in. */
  at: number;
}

/** A customer object that holds data (`present`), or no longer does (merged into another, so it forwards). */
export interface CustomerFact {
  type: "customer";
  customer: string;
  present: boolean;
  at: number;
}

export type SegmentFact = MembershipFact | CustomerFact;

export interface SegmentFactsMessage {
  v: 1;
  kind: "segments";
  workspaceId: string;
  facts: SegmentFact[];
}

/** One page of a segment's back-fill: the job (in D1) holds the cursor, so a redelivered page message simply continues. */
export interface SegmentBackfillMessage {
  v: 1;
  kind: "segment_backfill";
  workspaceId: string;
  segmentId: string;
  version: number;
}

/** Facts per queue message: far below the 128 KB message limit. */
export const SEGMENT_FACTS_PER_MESSAGE = 200;

/** Facts of one workspace as queue messages of at most SEGMENT_FACTS_PER_MESSAGE each (the ingest route's window). */
export function segmentFactMessages(workspaceId: string, facts: readonly SegmentFact[]): SegmentFactsMessage[] {
  return sizedChunks(facts, () => 0, Number.POSITIVE_INFINITY, SEGMENT_FACTS_PER_MESSAGE).map((chunk) => ({ v: 1, kind: "segments", workspaceId, facts: chunk }));
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object";

export function isSegmentFact(fact: unknown): fact is SegmentFact {
  if (!isObject(fact) || typeof fact.customer !== "string" || typeof fact.at !== "number") return false;
  if (fact.type === "customer") return typeof fact.present === "boolean";
  return fact.type === "membership" && typeof fact.segment === "string" && typeof fact.member === "boolean" && typeof fact.since === "number";
}

export function isSegmentFactsMessage(body: unknown): body is SegmentFactsMessage {
  return isObject(body) && body.v === 1 && body.kind === "segments" && typeof body.workspaceId === "string" && Array.isArray(body.facts) && body.facts.every(isSegmentFact);
}

export function isSegmentBackfillMessage(body: unknown): body is SegmentBackfillMessage {
  return (
    isObject(body) &&
    body.v === 1 &&
    body.kind === "segment_backfill" &&
    typeof body.workspaceId === "string" &&
    typeof body.segmentId === "string" &&
    typeof body.version === "number"
  );
}
