// The one owner of the CustomerDO's segment tables: the segments the customer is in, the facts
// about them waiting for the events queue (an outbox, written with the change, so none is lost
// between the decision and the send), and the segment meta. customer/segments.ts decides; this writes.
import type { SegmentFact } from "../segments/facts.ts";
import type { MetaCache, Transaction } from "./meta.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";

/** When each segment's membership next changes by time alone (segment id → ms), kept in segment meta. */
export type NextChanges = Record<string, number>;

export class SegmentStore {
  private readonly sql: Sql;
  readonly meta: MetaCache;
  readonly transaction: Transaction;

  constructor(sql: Sql, meta: MetaCache, transaction: Transaction) {
    this.sql = sql;
    this.meta = meta;
    this.transaction = transaction;
  }

  /** The segments the customer is in, with when they entered. */
  members(): Map<string, number> {
    return new Map(this.sql<{ segment_id: string; since: number }>`SELECT segment_id, since FROM segment_members ORDER BY segment_id`.map((r) => [r.segment_id, r.since]));
  }

  /** Call inside a transaction. */
  enter(segmentId: string, since: number): void {
    this.sql`INSERT INTO segment_members (segment_id, since) VALUES (${segmentId}, ${since}) ON CONFLICT (segment_id) DO NOTHING`;
  }

  /** Call inside a transaction. */
  leave(segmentId: string): void {
    this.sql`DELETE FROM segment_members WHERE segment_id = ${segmentId}`;
  }

  // ---- the outbox -----------------------------------------------------------------------------

  /** Queues facts for the events queue, keeping the outbox within its cap; call inside a transaction. */
  addFacts(facts: readonly SegmentFact[]): void {
    if (facts.length === 0) return;
    this.sql`INSERT INTO segment_outbox (fact) SELECT value FROM json_each(${JSON.stringify(facts)})`;
    this.sql`DELETE FROM segment_outbox WHERE seq <= (SELECT MAX(seq) FROM segment_outbox) - ${CAPS.segmentOutbox}`;
  }

  /** The oldest `limit` facts waiting, and the last one's sequence number (what a successful send deletes up to). */
  pending(limit: number): { facts: SegmentFact[]; lastSeq: number } | null {
    const rows = this.sql<{ seq: number; fact: string }>`SELECT seq, fact FROM segment_outbox ORDER BY seq LIMIT ${limit}`;
    if (rows.length === 0) return null;
    return { facts: rows.map((r) => JSON.parse(r.fact) as SegmentFact), lastSeq: rows.at(-1)!.seq };
  }

  sent(lastSeq: number): void {
    this.sql`DELETE FROM segment_outbox WHERE seq <= ${lastSeq}`;
  }

  // ---- meta -----------------------------------------------------------------------------------

  nextChanges(): NextChanges {
    const json = this.meta.get("next_changes");
    return json ? (JSON.parse(json) as NextChanges) : {};
  }

  /** Call inside a transaction; writes nothing when nothing changed (most evaluations). */
  setNextChanges(next: NextChanges): void {
    const json = Object.keys(next).length === 0 ? undefined : JSON.stringify(next);
    if (json === this.meta.get("next_changes")) return;
    if (json === undefined) this.meta.delete("next_changes");
    else this.meta.set("next_changes", json);
  }
}
