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
 * Every meta travels in the newest journal row (customer/journal.ts): a batch's row carries them,
 * and a change outside a batch rewrites that row's meta, so no meta table is written (or created)
 * once the object has a row. Which copy is current: a meta table's row names the journal row
 * number it was written after, under this key (no real key starts with a NUL); the newest journal
 * row with meta wins when it is later than that, or as late and rewritten after its batch (tables
 * are written only while there is no row, so a rewrite is the newer of the two).
 */
const JOURNAL_SEQ_KEY = "\u0000journal_seq";
/** Marks a journal row whose meta was rewritten after its batch (see JOURNAL_SEQ_KEY). */
const REWRITTEN_KEY = "\u0000rewritten";
/** In a journal row's meta (the profile meta's keys), the other tables' values, each as one JSON object under its reserved key. */
const sliceKey = (table: MetaTable) => `\u0000${table}`;

export class MetaCache {
  private readonly sql: Sql;
  /** `meta` (the profile's facts, merged with it), or `messaging_meta` / `segment_meta` (the object's own: never merged). */
  readonly table: MetaTable;
  private values: Map<string, string> | undefined;
  private readonly dirty = new Set<string>();
  /** Rows of the one-row-per-key layout are still on disk (see ALL_KEYS_ROW). */
  private perKeyRows = false;
  /** The journal whose newest row carries this meta (see JOURNAL_SEQ_KEY). */
  private readonly journal: Journal;

  constructor(sql: Sql, table: MetaTable, journal: Journal) {
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
      const journaled = this.journal.newestMeta();
      const slice = journaled && this.sliceOf(journaled.meta);
      const rewritten = journaled?.meta[REWRITTEN_KEY] !== undefined;
      if (journaled && slice && (journaled.seq > tableSeq || (journaled.seq === tableSeq && rewritten))) {
        all = slice;
        // The per-key rows are older than the journal's copy.
        this.values.clear();
      }
      for (const [key, value] of Object.entries(all)) this.values.set(key, value);
    }
    return this.values;
  }

  /** This table's values in a journal row's meta, if the row carries them (rows before other tables rode along carry only the profile's). */
  private sliceOf(row: Record<string, string>): Record<string, string> | undefined {
    if (this.table !== "meta") return row[sliceKey(this.table)] === undefined ? undefined : (JSON.parse(row[sliceKey(this.table)]!) as Record<string, string>);
    return Object.fromEntries(Object.entries(row).filter(([key]) => !key.startsWith("\u0000")));
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

  /** Whether a change waits to be written. */
  dirtyKeys(): boolean {
    return this.dirty.size > 0;
  }

  /** Every key as one JSON object (this table's part of a journal row's meta). */
  json(): string {
    return JSON.stringify(Object.fromEntries(this.map()));
  }

  /** The changes are in a journal row (see journalMeta): nothing left to write. */
  written(): void {
    this.dirty.clear();
  }

  /** Every key in one row, written when any changed (a batch changes about five). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const values = this.map();
    const all: Record<string, string> = Object.fromEntries(values);
    all[JOURNAL_SEQ_KEY] = String(this.journal.lastSeq());
    this.sql.text(
      `INSERT INTO ${this.table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ALL_KEYS_ROW,
      JSON.stringify(all),
    );
    if (this.perKeyRows) this.sql.text(`DELETE FROM ${this.table} WHERE key <> ?`, ALL_KEYS_ROW);
    this.perKeyRows = false;
    this.dirty.clear();
  }

  /** What memory holds now, for restore() (a savepoint's undo). */
  mark(): { values: Map<string, string> | undefined; dirty: Set<string> } {
    return { values: this.values && new Map(this.values), dirty: new Set(this.dirty) };
  }

  restore(mark: ReturnType<MetaCache["mark"]>): void {
    this.values = mark.values;
    this.dirty.clear();
    for (const key of mark.dirty) this.dirty.add(key);
  }

  /** Drops what memory holds (a rolled-back transaction, an erased object): the next read loads from disk. */
  forget(): void {
    this.values = undefined;
    this.dirty.clear();
  }
}

/**
 * Every meta as one journal row's meta: the profile's keys, each other table's values under its
 * reserved key, and the rewrite mark when it replaces the meta of a row already written.
 */
function journalMeta(metas: readonly MetaCache[], rewritten: boolean): string {
  const [profile, ...others] = metas;
  const row = JSON.parse(profile!.json()) as Record<string, string>;
  for (const meta of others) row[sliceKey(meta.table)] = meta.json();
  if (rewritten) row[REWRITTEN_KEY] = "1";
  return JSON.stringify(row);
}

/** Runs work as one SQLite transaction. */
export type Transaction = <T>(work: () => T) => T;

/**
 * The object's one way to write: `work` and the meta changes it made commit together; if it
 * throws, the transaction rolls back and every meta cache (and the journal) forgets, so none keeps
 * a value the rollback removed. Every meta rides in the journal (see JOURNAL_SEQ_KEY): when `work`
 * staged a row (a batch), in that row, so a batch is one billed row; else a change rewrites the newest
 * row's meta (one billed row for all three); only an object with no row yet writes the meta tables.
 */
export function transactions(storage: DurableObjectStorage, metas: readonly [MetaCache, ...MetaCache[]], journal: Journal): Transaction {
  let open = false;
  return <T>(work: () => T): T => {
    // Inside another: part of it (the batch's segments and triggers), which writes the metas when it ends.
    if (open) return work();
    open = true;
    try {
      return storage.transactionSync(() => {
        const result = work();
        if (journal.hasStaged()) journal.flush(journalMeta(metas, false));
        else if (!metas.some((meta) => meta.dirtyKeys())) return result;
        else if (!journal.rewriteMeta(journalMeta(metas, true))) {
          for (const meta of metas) meta.flush();
          return result;
        }
        for (const meta of metas) meta.written();
        return result;
      });
    } catch (error) {
      for (const meta of metas) meta.forget();
      journal.forget();
      throw error;
    } finally {
      open = false;
    }
  };
}

/**
 * Inside a transaction: `work` in a savepoint (a nested transactionSync). If it throws, its writes
 * are rolled back and the metas forget its changes, the error is rethrown, and the enclosing
 * transaction goes on without it.
 */
export function savepoints(storage: DurableObjectStorage, metas: readonly MetaCache[]): <T>(work: () => T) => T {
  return <T>(work: () => T): T => {
    const marks = metas.map((meta) => meta.mark());
    try {
      return storage.transactionSync(work);
    } catch (error) {
      metas.forEach((meta, i) => meta.restore(marks[i]!));
      throw error;
    }
  };
}
