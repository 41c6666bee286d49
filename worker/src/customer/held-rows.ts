// Small lists of a customer held in the profile meta instead of a table of their own: the meta rides
// in the batch's journal row (customer/journal.ts), so a change a batch makes to them writes no billed
// row, and a customer who has one never pays the 2 rows of creating its table. Used for the cart's
// lines (customer/cart-lines.ts) and the traits. An object that kept them in the table (made before)
// reads them there until its first change moves them into the meta and empties the table.
import type { MetaCache } from "./meta.ts";
import type { TraitRow } from "./rows.ts";
import type { Sql } from "./sql.ts";

export class HeldRows<Row extends object> {
  private readonly sql: Sql;
  private readonly meta: MetaCache;
  /** The profile meta key holding the rows (a JSON array). */
  readonly key: string;
  /** The table they were kept in, its columns and order (for an object made before). */
  private readonly table: { name: string; columns: string; order: string };
  /** The meta's text and its rows, parsed once per change. */
  private parsed: { text: string; rows: Row[] } | undefined;

  constructor(sql: Sql, meta: MetaCache, key: string, table: { name: string; columns: string; order: string }) {
    this.sql = sql;
    this.meta = meta;
    this.key = key;
    this.table = table;
  }

  rows(): readonly Row[] {
    const text = this.meta.get(this.key);
    if (text === undefined) return this.sql.text<Row>(`SELECT ${this.table.columns} FROM ${this.table.name} ORDER BY ${this.table.order}`);
    if (this.parsed?.text !== text) this.parsed = { text, rows: JSON.parse(text) as Row[] };
    return this.parsed.rows;
  }

  /** Writes the rows into the meta; rows still in the old table move out of it. Call inside a transaction. */
  save(rows: readonly Row[]): void {
    if (this.meta.get(this.key) === undefined) this.sql.text(`DELETE FROM ${this.table.name}`);
    this.meta.set(this.key, JSON.stringify(rows));
  }
}

/** The newest `cap` rows by `time` when there are more, else the rows as they are. */
export function newestRows<Row>(rows: Row[], cap: number, time: (row: Row) => number): Row[] {
  return rows.length > cap ? [...rows].sort((a, b) => time(b) - time(a)).slice(0, cap) : rows;
}

/** The profile meta key holding the traits (TraitRow[], by key; each value JSON as it was in the table). */
export const TRAITS_KEY = "traits";

/** The customer's traits, held in the profile meta. */
export function heldTraits(sql: Sql, meta: MetaCache): HeldRows<TraitRow> {
  return new HeldRows<TraitRow>(sql, meta, TRAITS_KEY, { name: "traits", columns: "key, value, updated_at", order: "key" });
}
