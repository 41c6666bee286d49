// Small key/value facts of a customer's object (profile key, session counter, armed alarm, time
// zones), kept in memory and written with the transaction that changed them. One mechanism for
// both meta tables: a rollback drops what memory holds of either, so it is read again from disk.
import type { Journal } from "./journal.ts";
import type { Sql } from "./sql.ts";

type MetaTable = "meta" | "messaging_meta" | "segment_meta";

interface MetaRow {
  key: string;
  value: string;
}

/**
 * The row holding every key, as one JSON object. A batch changes about five keys; written as one
 * row, a flush costs one billed row instead of five. Rows under other keys are from before (one
 * row per key): read once, folded into this row by the next flush, then deleted.
 */
const ALL_KEYS_ROW = "";

/**
 * The profile meta also travels in the journal row of each batch (customer/journal.ts), so a batch
 * writes no meta row. Which copy is current: the meta table's row names the journal row number it
 * was written after, under this key (no real key starts with a NUL); the newest journal row with
 * meta wins only when it is later than that.
 */
const JOURNAL_SEQ_KEY = "\u0000journal_seq";

export class MetaCache {
  private readonly sql: Sql;
  /** `meta` (the profile's facts, merged with it), or `messaging_meta` / `segment_meta` (the object's own: never merged). */
  private readonly table: MetaTable;
  private values: Map<string, string> | undefined;
  private readonly dirty = new Set<string>();
  /** Rows of the one-row-per-key layout are still on disk (see ALL_KEYS_ROW). */
  private perKeyRows = false;
  /** The profile meta's journal (see JOURNAL_SEQ_KEY); the other tables have none. */
  private readonly journal: Journal | undefined;

  constructor(sql: Sql, table: MetaTable, journal?: Journal) {
    this.sql = sql;
    this.table = table;
    this.journal = journal;
  }

  /** Read on every event, so loaded once; the object is the table's only writer, so memory cannot go stale. */
  private map(): Map<string, string> {
    if (!this.values) {
      this.values = new Map();
      let all: Record<string, string> = {};
      this.perKeyRows = false;
      for (const row of this.sql.text<MetaRow>(`SELECT key, value FROM ${this.table}`)) {
        if (row.key === ALL_KEYS_ROW) all = JSON.parse(row.value) as Record<string, string>;
        else {
          this.values.set(row.key, row.value);
          this.perKeyRows = true;
        }
      }
      const tableSeq = Number(all[JOURNAL_SEQ_KEY] ?? -1);
      delete all[JOURNAL_SEQ_KEY];
      const journaled = this.journal?.newestMeta();
      if (journaled && journaled.seq > tableSeq) {
        all = JSON.parse(journaled.json) as Record<string, string>;
        // The per-key rows are older than the journal's copy: the next table flush deletes them.
        this.values.clear();
      }
      for (const [key, value] of Object.entries(all)) this.values.set(key, value);
    }
    return this.values;
  }

  get(key: string): string | undefined {
    return this.map().get(key);
  }

  /** Every key and value (a snapshot's meta). */
  entries(): [string, string][] {
    return [...this.map()];
  }

  /** Written to SQLite when the current transaction ends (see transactions()). */
  set(key: string, value: string | number): void {
    const map = this.map();
    // An unchanged value writes nothing (first_seen, a session that goes on: most batches).
    if (map.get(key) === String(value)) return;
    map.set(key, String(value));
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.map().delete(key)) this.dirty.add(key);
  }

  /**
   * Every key as one JSON object, for the journal row the transaction writes (customer/journal.ts):
   * the meta table is then not written at all.
   */
  takeForJournal(): string {
    this.dirty.clear();
    return JSON.stringify(Object.fromEntries(this.map()));
  }

  /** Every key in one row, written when any changed (a batch changes about five). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const values = this.map();
    const all: Record<string, string> = Object.fromEntries(values);
    if (this.journal) all[JOURNAL_SEQ_KEY] = String(this.journal.lastSeq());
    this.sql.text(
      `INSERT INTO ${this.table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ALL_KEYS_ROW,
      JSON.stringify(all),
    );
    if (this.perKeyRows) this.sql.text(`DELETE FROM ${this.table} WHERE key <> ?`, ALL_KEYS_ROW);
    this.perKeyRows = false;
    this.dirty.clear();
  }

  /** Drops what memory holds (a rolled-back transaction, an erased object): the next read loads from disk. */
  forget(): void {
    this.values = undefined;
    this.dirty.clear();
  }
}

/** Runs work as one SQLite transaction. */
export type Transaction = <T>(work: () => T) => T;

/**
 * The object's one way to write: `work` and the meta changes it made commit together; if it
 * throws, the transaction rolls back and every meta cache (and the journal) forgets, so none keeps
 * a value the rollback removed. When `work` staged a journal row (a batch), the profile meta
 * (`metas[0]`) is written into that row instead of its table: a batch is one billed row.
 */
export function transactions(storage: DurableObjectStorage, metas: readonly [MetaCache, ...MetaCache[]], journal: Journal): Transaction {
  return <T>(work: () => T): T => {
    try {
      return storage.transactionSync(() => {
        const result = work();
        if (journal.hasStaged()) journal.flush(metas[0].takeForJournal());
        for (const meta of metas) meta.flush();
        return result;
      });
    } catch (error) {
      for (const meta of metas) meta.forget();
      journal.forget();
      throw error;
    }
  };
}
