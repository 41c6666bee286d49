// The customer's event journal: ONE row per ingested batch holding what the batch adds to the
// customer's history (its message ids for dedupe, touchpoints, product clicks and views, raw event
// bodies) and the profile meta the batch produced. Rows sit in a ring of JOURNAL_SLOTS slots, upserted in
// place, so keeping "the last N batches" needs no trim deletes (a delete is a billed write too):
// a batch costs one billed row where the four per-event tables it replaces cost about twenty.
// Part of the customer store (customer/store.ts); the batch writer stages a row, the store's
// transaction writes it (customer/meta.ts transactions()).
import type { SeamEvent } from "../schemas.ts";
import type { ItemClickRow, RecentEventRow, SeenMessageRow, TouchpointRow, ViewedItemRow } from "./rows.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";
import { applyViews, foldViews, VIEWED_COLUMNS, type ViewTuple } from "./viewed-items.ts";

/** A touchpoint as the journal stores it: TouchpointRow's columns in order (compact JSON). */
type TouchpointTuple = [number, string, string, string | null, string | null, string | null, string | null, string | null, string];
/** A product click: item, category, time. */
type ClickTuple = [string, string | null, number];

/** What one batch adds to the history (a merge's hand-over is written as one such entry too). */
export interface JournalEntry {
  receivedAt: number;
  ids: string[];
  touchpoints: TouchpointRow[];
  clicks: ItemClickRow[];
  /** Product views not yet in the viewed_items table (customer/viewed-items.ts); a merge's row has none. */
  views: ViewTuple[];
  /** The batch's raw events, at most CAPS.recentEvents (older ones could never be shown). */
  bodies: SeamEvent[];
}

/** What memory keeps of a row: everything but the bodies (read only when the raw events are asked for). */
interface Loaded {
  seq: number;
  receivedAt: number;
  ids: string[];
  touchpoints: TouchpointTuple[];
  clicks: ClickTuple[];
  views: ViewTuple[];
  bodyCount: number;
}

interface JournalRow {
  seq: number;
  received_at: number;
  ids: string;
  touchpoints: string;
  clicks: string;
  views: string;
  body_count: number;
}

const touchpointTuple = (t: TouchpointRow): TouchpointTuple => [t.ts, t.channel, t.type, t.event, t.utm_source, t.utm_medium, t.utm_campaign, t.referrer, t.message_id];
const touchpointRow = ([ts, channel, type, event, utm_source, utm_medium, utm_campaign, referrer, message_id]: TouchpointTuple): TouchpointRow => ({
  ts, channel, type, event, utm_source, utm_medium, utm_campaign, referrer, message_id,
});

/** Newest first by time, later-written first among equal times (the old tables' `ORDER BY ts DESC, seq DESC`). */
function newestFirst<T>(oldestFirst: T[], time: (item: T) => number): T[] {
  return oldestFirst
    .map((item, index) => ({ item, index }))
    .sort((a, b) => time(b.item) - time(a.item) || b.index - a.index)
    .map(({ item }) => item);
}

/** What memory keeps of an entry written as row `seq` (see flush). */
function loadedOf(entry: JournalEntry, seq: number): Loaded {
  return {
    seq,
    receivedAt: entry.receivedAt,
    ids: entry.ids,
    touchpoints: entry.touchpoints.slice(-CAPS.touchpoints).map(touchpointTuple),
    clicks: entry.clicks.slice(-CAPS.itemClicks).map((c): ClickTuple => [c.item, c.category, c.ts]),
    views: entry.views,
    bodyCount: Math.min(entry.bodies.length, CAPS.recentEvents),
  };
}

export class Journal {
  private readonly sql: Sql;
  /** The retained rows, oldest first; loaded once per wake-up, then kept in step. */
  private rows: Loaded[] | undefined;
  /** Every id of the retained rows: the dedupe window. */
  private ids: Set<string> | undefined;
  private lastSeqValue: number | undefined;
  /** The row the current transaction will write (see flush). */
  private staged: JournalEntry | undefined;
  /** The viewed_items table (views folded out of the ring), read once per wake-up. */
  private folded: ViewedItemRow[] | undefined;
  /** The retained rows with the staged one (retained()); dropped when either changes. */
  private withStaged: Loaded[] | undefined;
  /** The newest meta a row carries (newestMeta; null: none), until a row's meta is written. */
  private newest: { seq: number; meta: Record<string, string> } | null | undefined;
  /** The viewed items, folded rows with the retained rows' views applied; dropped when either changes. */
  private viewed: ViewedItemRow[] | undefined;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  private load(): Loaded[] {
    if (!this.rows) {
      const rows = this.sql<JournalRow>`
        SELECT seq, received_at, ids, touchpoints, clicks, views, json_array_length(bodies) AS body_count FROM journal ORDER BY seq`;
      this.rows = rows.map((r) => ({
        seq: r.seq,
        receivedAt: r.received_at,
        ids: JSON.parse(r.ids) as string[],
        touchpoints: JSON.parse(r.touchpoints) as TouchpointTuple[],
        clicks: JSON.parse(r.clicks) as ClickTuple[],
        views: JSON.parse(r.views) as ViewTuple[],
        bodyCount: r.body_count,
      }));
      this.ids = new Set(this.rows.flatMap((r) => r.ids));
      this.lastSeqValue = Math.max(this.lastSeqValue ?? 0, this.rows.at(-1)?.seq ?? 0);
    }
    return this.rows;
  }

  /** The highest row number written: versions the meta table's row against the journal's (customer/meta.ts). */
  lastSeq(): number {
    this.lastSeqValue ??= this.sql<{ s: number | null }>`SELECT MAX(seq) AS s FROM journal`[0]?.s ?? 0;
    return this.lastSeqValue;
  }

  /**
   * The newest meta a row carries, parsed, with the row's number: read once at wake-up for the three
   * metas it holds (customer/meta.ts), and again only after it was written.
   */
  newestMeta(): { seq: number; meta: Record<string, string> } | undefined {
    if (this.newest === undefined) {
      const [row] = this.sql<{ seq: number; meta: string }>`SELECT seq, meta FROM journal WHERE meta IS NOT NULL ORDER BY seq DESC LIMIT 1`;
      this.newest = row ? { seq: row.seq, meta: JSON.parse(row.meta) as Record<string, string> } : null;
    }
    return this.newest ?? undefined;
  }

  /**
   * Writes `meta` over the newest row's (a change outside a batch: a timer, a segment evaluation, a
   * merge's pointer): one billed row, and no meta table is ever created or written once a row exists.
   * False when there is no row yet.
   */
  rewriteMeta(meta: string): boolean {
    const seq = this.lastSeq();
    if (seq === 0) return false;
    this.newest = undefined;
    return this.sql<{ seq: number }>`UPDATE journal SET meta = ${meta} WHERE seq = ${seq} RETURNING seq`.length > 0;
  }

  /** The ids not seen in the retained batches (nor earlier in this list); reads nothing after the first batch of a wake-up. */
  unseen(messageIds: readonly string[]): Set<string> {
    this.load();
    return new Set(messageIds.filter((id) => !this.ids!.has(id)));
  }

  /** Stages what the batch adds; written with the meta when the transaction ends (flush). Reads include it at once. */
  stage(entry: JournalEntry): void {
    this.staged = entry;
    this.changed();
  }

  /** Adds product views (and so clicks) to the staged row (the batch's views are gathered after its history). */
  stageViews(views: ViewTuple[]): void {
    if (!this.staged) return;
    this.staged.views.push(...views);
    for (const [item, ts, , category] of views) this.staged.clicks.push({ item, category, ts });
    this.changed();
  }

  /**
   * The retained rows and the staged one: what runs in the batch's transaction after its history
   * (its segments and triggers: browse abandonment counts this batch's views) reads the batch too.
   */
  private retained(): Loaded[] {
    const rows = this.load();
    if (!this.staged) return rows;
    this.withStaged ??= [...rows, loadedOf(this.staged, this.lastSeq() + 1)];
    return this.withStaged;
  }

  /** The rows or the staged one changed: what was derived from them goes. */
  private changed(): void {
    this.viewed = undefined;
    this.withStaged = undefined;
  }

  /** Empties the journal and stages `entry` as its only row (a merge's result, an emptied profile). */
  replace(entry: JournalEntry): void {
    this.lastSeq();
    this.sql`DELETE FROM journal`;
    this.rows = [];
    this.ids = new Set();
    // The caller rewrote the viewed_items table (a merge's result, or emptied it).
    this.folded = undefined;
    this.newest = undefined;
    this.staged = entry;
    this.changed();
  }

  /** Whether a row is staged: the transaction then writes the profile meta into it, not into the meta table. */
  hasStaged(): boolean {
    return this.staged !== undefined;
  }

  /**
   * Writes the staged row into the next slot of the ring, with `meta` (the profile meta after the
   * batch, as one JSON object): one upsert, one billed row; the slot's previous batch drops out
   * of the retained history (and of the dedupe window) with it, and its product views are folded
   * into the viewed_items table.
   */
  flush(meta: string | null): void {
    const entry = this.staged;
    if (!entry) return;
    const rows = this.load();
    const seq = this.lastSeq() + 1;
    const loaded = loadedOf(entry, seq);
    this.sql`INSERT INTO journal (slot, seq, received_at, ids, touchpoints, clicks, views, bodies, meta)
             VALUES (${seq % CAPS.journalBatches}, ${seq}, ${entry.receivedAt}, ${JSON.stringify(loaded.ids)}, ${JSON.stringify(loaded.touchpoints)},
                     ${JSON.stringify(loaded.clicks)}, ${JSON.stringify(loaded.views)}, ${JSON.stringify(entry.bodies.slice(-CAPS.recentEvents))}, ${meta})
             ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, received_at = excluded.received_at, ids = excluded.ids,
               touchpoints = excluded.touchpoints, clicks = excluded.clicks, views = excluded.views, bodies = excluded.bodies, meta = excluded.meta`;
    rows.push(loaded);
    for (const id of loaded.ids) this.ids!.add(id);
    while (rows.length > CAPS.journalBatches) {
      const left = rows.shift()!;
      for (const id of left.ids) this.ids!.delete(id);
      if (left.views.length) {
        foldViews(this.sql, left.views);
        this.folded = undefined;
      }
    }
    this.lastSeqValue = seq;
    this.newest = undefined;
    this.staged = undefined;
    this.changed();
  }

  /** Drops what memory holds (a rolled-back transaction, an erased object): read again from disk when next needed. */
  forget(): void {
    this.rows = undefined;
    this.ids = undefined;
    this.folded = undefined;
    this.lastSeqValue = undefined;
    this.newest = undefined;
    this.staged = undefined;
    this.changed();
  }

  // ---- reads --------------------------------------------------------------------------------

  /** Touchpoints, oldest written first (a snapshot's order). */
  private touchpointsWritten(): TouchpointRow[] {
    return this.retained().flatMap((r) => r.touchpoints.map(touchpointRow));
  }

  /** The channel history: newest first by time, at most CAPS.touchpoints. */
  channelHistory(): TouchpointRow[] {
    return newestFirst(this.touchpointsWritten().slice(-CAPS.touchpoints), (t) => t.ts);
  }

  /** The last CAPS.touchpoints touchpoints written, newest written first (what segment rules count). */
  latestTouchpoints(): TouchpointRow[] {
    return this.touchpointsWritten().slice(-CAPS.touchpoints).reverse();
  }

  /** Whether any retained touchpoint came through a channel (e.g. the app: push can reach them). */
  hasChannel(channel: string): boolean {
    return this.retained().some((r) => r.touchpoints.some((t) => t[1] === channel));
  }

  /** The session recommendations score: the newest CAPS.itemClicks clicks, in time order. */
  clicks(): { item: string; ts: number }[] {
    const all = this.retained().flatMap((r) => r.clicks.map(([item, , ts]) => ({ item, ts })));
    return newestFirst(all.slice(-CAPS.itemClicks * 2), (c) => c.ts).slice(0, CAPS.itemClicks).reverse();
  }

  /** The viewed items, newest view first, at most CAPS.viewedItems (customer/viewed-items.ts). */
  viewedItems(): ViewedItemRow[] {
    if (!this.viewed) {
      const rows = this.retained();
      this.folded ??= this.sql.text<ViewedItemRow>(`SELECT ${VIEWED_COLUMNS} FROM viewed_items`);
      this.viewed = applyViews(this.folded, rows.flatMap((r) => r.views));
    }
    return this.viewed;
  }

  /** The raw events of the newest rows, newest first by time, at most CAPS.recentEvents. */
  recentEvents(): SeamEvent[] {
    const rows = this.retained();
    let from = rows.length;
    for (let count = 0; from > 0 && count < CAPS.recentEvents; ) count += rows[--from]!.bodyCount;
    if (from === rows.length) return [];
    const bodies = this.sql<{ bodies: string }>`SELECT bodies FROM journal WHERE seq >= ${rows[from]!.seq} ORDER BY seq`.flatMap(
      (r) => JSON.parse(r.bodies) as SeamEvent[],
    );
    if (this.staged) bodies.push(...this.staged.bodies.slice(-CAPS.recentEvents));
    return newestFirst(bodies, (e) => e.timestamp).slice(0, CAPS.recentEvents);
  }

  // ---- snapshots (merges) ---------------------------------------------------------------------

  /** The journal as the four history lists of a snapshot, each oldest first. */
  snapshot(): { touchpoints: TouchpointRow[]; recent_events: RecentEventRow[]; seen_messages: SeenMessageRow[]; item_clicks: ItemClickRow[] } {
    const rows = this.retained();
    return {
      touchpoints: this.touchpointsWritten(),
      recent_events: this.recentEvents()
        .reverse()
        .map((e) => ({ message_id: e.messageId, ts: e.timestamp, body: JSON.stringify(e) })),
      seen_messages: rows.flatMap((r) => r.ids.map((message_id) => ({ message_id, received_at: r.receivedAt }))),
      item_clicks: rows.flatMap((r) => r.clicks.map(([item, category, ts]) => ({ item, category, ts }))),
    };
  }
}

/** A snapshot's history lists as the one journal row a merge writes. */
export function entryOf(history: ReturnType<Journal["snapshot"]>, receivedAt: number): JournalEntry {
  return {
    receivedAt,
    ids: history.seen_messages.map((m) => m.message_id),
    touchpoints: history.touchpoints,
    clicks: history.item_clicks,
    // The merged viewed items are written to the viewed_items table: none are left to fold.
    views: [],
    bodies: history.recent_events.map((e) => JSON.parse(e.body) as SeamEvent),
  };
}
