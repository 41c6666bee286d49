// Typed queries over the CustomerDO's SQLite, in the style of cloudflare/agents' `sql<T>` tag: the
// caller names the row type it selected, values are always bound (never spliced into the text),
// and a failing statement says which one it was.
import { LazyTableRunner, type LazyTable } from "./lazy-tables.ts";

export type SqlValue = SqlStorageValue;

/** A statement that failed, with its text (never its values: they may be a customer's data). */
export class SqlError extends Error {
  readonly query: string;

  constructor(query: string, cause: unknown) {
    super(`SQL failed: ${cause instanceof Error ? cause.message : String(cause)} (in: ${query.replace(/\s+/g, " ").slice(0, 160)})`, { cause });
    this.name = "SqlError";
    this.query = query;
  }
}

export interface Sql {
  /** `sql<Row>\`SELECT a, b FROM t WHERE c = ${value}\`` → the rows, typed as `Row`. */
  <Row extends object = Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]): Row[];
  /**
   * A statement whose text is put together in code: table and column names from a fixed list
   * (bounded lists, snapshot tables). Values are still bound.
   */
  text<Row extends object = Record<string, SqlValue>>(query: string, ...values: SqlValue[]): Row[];
}

/** The statement text of each call site, joined once: a template's strings array is the same object on every call. */
const statements = new WeakMap<TemplateStringsArray, string>();

function statementOf(strings: TemplateStringsArray): string {
  let text = statements.get(strings);
  if (text === undefined) {
    text = strings.join("?");
    statements.set(strings, text);
  }
  return text;
}

/**
 * Typed queries over `storage`. With `tables`, those tables are created on first use
 * (customer/lazy-tables.ts): a statement may name a table of the schema that does not exist yet.
 */
export function sqlOver(storage: SqlStorage, tables?: ReadonlyMap<string, LazyTable>): Sql {
  const exec = (query: string, values: SqlValue[]) => storage.exec(query, ...values).toArray();
  const runner = tables && new LazyTableRunner(exec, tables);
  const run = <Row extends object>(query: string, values: SqlValue[]): Row[] => {
    try {
      // The one cast: SQLite answers the columns the statement selected, which `Row` names.
      return (runner ? runner.run(query, values) : exec(query, values)) as unknown as Row[];
    } catch (error) {
      throw new SqlError(query, error);
    }
  };
  const sql = (<Row extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => run<Row>(statementOf(strings), values)) as Sql;
  sql.text = <Row extends object>(query: string, ...values: SqlValue[]) => run<Row>(query, values);
  return sql;
}

/** Writes a list of rows in one statement, each column read from its JSON object (a merge's hand-over). */
export function insertRows(sql: Sql, table: string, columns: string, rows: object[]): void {
  if (rows.length === 0) return;
  const names = columns.split(", ");
  sql.text(
    `INSERT INTO ${table} (${columns}) SELECT ${names.map((c) => `value->>'${c}'`).join(", ")} FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
    JSON.stringify(rows),
  );
}
