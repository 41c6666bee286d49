// Small key/value facts of a customer's object (profile key, session counter, armed alarm, time
// zones), kept in memory and written with the transaction that changed them. One mechanism for
// both meta tables: a rollback drops what memory holds of either, so it is read again from disk.
import type { Sql } from "./sql.ts";

type MetaTable = "meta" | "messaging_meta" | "segment_meta";

interface MetaRow {
  key: string;
  value: string;
}

export class MetaCache {
  private readonly sql: Sql;
  /** `meta` (the profile's facts, merged with it), or `messaging_meta` / `segment_meta` (the object's own: never merged). */
  private readonly table: MetaTable;
  private values: Map<string, string> | undefined;
  private readonly dirty = new Set<string>();

  constructor(sql: Sql, table: MetaTable) {
    this.sql = sql;
    this.table = table;
  }

  /** Read on every event, so loaded once; the object is the table's only writer, so memory cannot go stale. */
  private map(): Map<string, string> {
    if (!this.values) {
      this.values = new Map();
      for (const row of this.sql.text<MetaRow>(`SELECT key, value FROM ${this.table}`)) this.values.set(row.key, row.value);
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
    this.map().set(key, String(value));
    this.dirty.add(key);
  }

  delete(key: string): void {
    this.map().delete(key);
    this.dirty.add(key);
  }

  /** Every changed key in one statement (and deleted ones in one more): a batch changes about five. */
  flush(): void {
    if (this.dirty.size === 0) return;
    const upserts: [string, string][] = [];
    const deletes: string[] = [];
    for (const key of this.dirty) {
      const value = this.values?.get(key);
      if (value === undefined) deletes.push(key);
      else upserts.push([key, value]);
    }
    if (upserts.length)
      this.sql.text(
        `INSERT INTO ${this.table} (key, value) SELECT value->>0, value->>1 FROM jsonb_each(?) WHERE true
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        JSON.stringify(upserts),
      );
    if (deletes.length) this.sql.text(`DELETE FROM ${this.table} WHERE key IN (SELECT value FROM jsonb_each(?))`, JSON.stringify(deletes));
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
 * throws, the transaction rolls back and every meta cache forgets, so none keeps a value the
 * rollback removed.
 */
export function transactions(storage: DurableObjectStorage, metas: readonly MetaCache[]): Transaction {
  return <T>(work: () => T): T => {
    try {
      return storage.transactionSync(() => {
        const result = work();
        for (const meta of metas) meta.flush();
        return result;
      });
    } catch (error) {
      for (const meta of metas) meta.forget();
      throw error;
    }
  };
}
