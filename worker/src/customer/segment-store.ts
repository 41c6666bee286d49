// The one owner of the CustomerDO's segment state: the segments the customer is in, the facts
// about them waiting for the events queue (an outbox in the segment meta, written with the change,
// so none is lost between the decision and the send), and the segment meta. customer/segments.ts decides; this writes.
import type { SegmentFact } from "../segments/facts.ts";
import { compareText } from "../compare.ts";
import type { MetaCache, Transaction } from "./meta.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";

/** Facts waiting for the events queue, numbered, in segment meta (see addFacts). */
interface Outbox {
  next: number;
  facts: [number, SegmentFact][];
}
const OUTBOX_KEY = "outbox";
/** The segment meta key of the segments the customer is in (see members). */
const MEMBERS_KEY = "members";

/** Facts to send, and what `sent` clears once they are (facts queued before the outbox moved to meta are in the table). */
export interface OutboxBatch {
  facts: SegmentFact[];
  lastSeq: number;
  table: boolean;
}

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

  /**
   * The segments the customer is in, with when they entered: one segment meta value (segment id →
   * since), which rides in the batch's journal row; an object that kept them in the
   * segment_members table (made before) reads them there until its next change moves them.
   */
  members(): Map<string, number> {
    const held = this.meta.get(MEMBERS_KEY);
    if (held !== undefined) return new Map(Object.entries(JSON.parse(held) as Record<string, number>));
    return new Map(this.sql<{ segment_id: string; since: number }>`SELECT segment_id, since FROM segment_members ORDER BY segment_id`.map((r) => [r.segment_id, r.since]));
  }

  /** Call inside a transaction. */
  enter(segmentId: string, since: number): void {
    const members = this.members();
    if (members.has(segmentId)) return;
    this.setMembers(members.set(segmentId, since));
  }

  /** Call inside a transaction. */
  leave(segmentId: string): void {
    const members = this.members();
    if (members.delete(segmentId)) this.setMembers(members);
  }

  /** Writes the membership into the segment meta (in segment id order); rows still in the old table move out of it. */
  private setMembers(members: Map<string, number>): void {
    if (this.meta.get(MEMBERS_KEY) === undefined) this.sql`DELETE FROM segment_members`;
    this.meta.set(MEMBERS_KEY, JSON.stringify(Object.fromEntries([...members].sort(([a], [b]) => compareText(a, b)))));
  }

  // ---- the outbox -----------------------------------------------------------------------------

  /**
   * Queues facts for the events queue, keeping the outbox within its cap; call inside a transaction.
   * The outbox is one segment meta value: the transaction that makes facts writes that row anyway
   * (`fact_at`), so queuing them costs no row, and a send clears them with one (a row per fact
   * was three billed rows: the insert with its sequence, then the delete).
   */
  addFacts(facts: readonly SegmentFact[]): void {
    if (facts.length === 0) return;
    const box = this.outbox();
    for (const fact of facts) box.facts.push([box.next++, fact]);
    box.facts.splice(0, Math.max(0, box.facts.length - CAPS.segmentOutbox));
    this.meta.set(OUTBOX_KEY, JSON.stringify(box));
  }

  /** The oldest `limit` facts waiting (facts queued in the table before it moved to meta first), for `sent` once they are. */
  pending(limit: number): OutboxBatch | null {
    const rows = this.sql<{ seq: number; fact: string }>`SELECT seq, fact FROM segment_outbox ORDER BY seq LIMIT ${limit}`;
    if (rows.length) return { facts: rows.map((r) => JSON.parse(r.fact) as SegmentFact), lastSeq: rows.at(-1)!.seq, table: true };
    const waiting = this.outbox().facts.slice(0, limit);
    if (waiting.length === 0) return null;
    return { facts: waiting.map(([, fact]) => fact), lastSeq: waiting.at(-1)![0], table: false };
  }

  /**
   * The batch reached the queue. Outside a transaction, the outbox's clearing is kept in memory and
   * rides with the object's next write (a row of its own was one billed row per fact-making change);
   * if the object is evicted first, its next evaluation sends the facts again, which the index
   * ignores (stores/segment-index.ts applySegmentFacts is idempotent).
   */
  sent(batch: OutboxBatch): void {
    if (batch.table) {
      this.sql`DELETE FROM segment_outbox WHERE seq <= ${batch.lastSeq}`;
      return;
    }
    const box = this.outbox();
    box.facts = box.facts.filter(([seq]) => seq > batch.lastSeq);
    if (box.facts.length === 0) this.meta.delete(OUTBOX_KEY);
    else this.meta.set(OUTBOX_KEY, JSON.stringify(box));
  }

  /**
   * Every fact of the outbox, marked as handed over: for the ingest request to carry (its route's
   * queue window). Call inside the transaction that writes the batch, so the clearing rides in its
   * journal row. The numbering goes on (`next` stays): a send already under way clears by number
   * (`sent`), and must not clear a fact queued after this. Facts queued in the old table stay there
   * for the outbox's own send.
   */
  handOver(): SegmentFact[] {
    const box = this.outbox();
    if (box.facts.length === 0) return [];
    this.meta.set(OUTBOX_KEY, JSON.stringify({ next: box.next, facts: [] } satisfies Outbox));
    return box.facts.map(([, fact]) => fact);
  }

  private outbox(): Outbox {
    const json = this.meta.get(OUTBOX_KEY);
    return json ? (JSON.parse(json) as Outbox) : { next: 1, facts: [] };
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
