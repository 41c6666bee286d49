// A customer object's tables are created on first use, not all at once with its first event.
// Creating a table is billed (2–3 rows written, 1 per index) and most visitors never need most of
// them: an anonymous visitor who browses a few pages writes its journal and little else, while the
// full schema was ~66 rows, more than everything the visitor's batches wrote. The rule, applied to
// every statement the store runs (customer/sql.ts), so no module has to know which tables exist:
// - a statement that reads a table that is not there reads it as empty (the table is shadowed by an
//   empty common table expression of the same name and columns): an absent table and an empty one
//   answer the same;
// - an UPDATE or DELETE of a table that is not there changes nothing, so it is not run;
// - an INSERT into a table that is not there creates it first (with its indexes, from schema.ts
//   FRESH_SCHEMA).
// Which tables exist is read once per object, so each statement is planned before it runs; one
// that names a missing table where the planner does not look is found by its failure and planned
// again.

/** A table the store may create: its CREATE TABLE and CREATE INDEX statements, and its columns in order. */
export interface LazyTable {
  statements: string[];
  columns: string[];
}

/** Table constraints, which are not columns: `PRIMARY KEY (…)`, `UNIQUE (…)`, … */
const CONSTRAINT = /^(PRIMARY|UNIQUE|CHECK|FOREIGN|CONSTRAINT)\b/i;

/** The columns of a `CREATE TABLE name (…)` statement, in order. */
export function columnsOf(create: string): string[] {
  const body = create.slice(create.indexOf("(") + 1, create.lastIndexOf(")"));
  const definitions: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "(") depth++;
    else if (body[i] === ")") depth--;
    else if (body[i] === "," && depth === 0) {
      definitions.push(body.slice(start, i));
      start = i + 1;
    }
  }
  definitions.push(body.slice(start));
  return definitions.map((d) => d.trim()).filter((d) => d && !CONSTRAINT.test(d)).map((d) => d.split(/\s+/)[0]!);
}

/** The schema's tables by name, each with its indexes (the statements of schema.ts FRESH_SCHEMA). */
export function lazyTables(schema: readonly string[]): ReadonlyMap<string, LazyTable> {
  const tables = new Map<string, LazyTable>();
  for (const statement of schema) {
    const table = /^CREATE TABLE (\w+)/.exec(statement)?.[1];
    if (table) tables.set(table, { statements: [statement], columns: columnsOf(statement) });
    const indexed = /^CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)/.exec(statement)?.[1];
    if (indexed) tables.get(indexed)!.statements.push(statement);
  }
  return tables;
}

const MISSING_TABLE = /no such table: (?:main\.)?(\w+)/;
/** The table an UPDATE or DELETE changes. */
const CHANGED = /^\s*(?:UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(\w+)/i;
/** The table an INSERT writes. */
const INSERTED = /^\s*(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO\s+(\w+)/i;
const LEADING_WITH = /^\s*WITH(\s+RECURSIVE)?\s+/i;
/** A statement that needs no run: it would change rows of a table that does not exist. */
const NOTHING = Symbol("nothing");

export type Exec = (query: string, values: SqlStorageValue[]) => Record<string, SqlStorageValue>[];

/** Statements that define the schema: run as they are. */
const DDL = /^\s*(CREATE|ALTER|DROP)\b/i;

/** The schema's table names each statement text mentions, shared by every object of the isolate (the texts come from code). */
const mentioned = new Map<string, string[]>();
const MENTIONED_MAX = 5_000;

function tablesMentioned(query: string, tables: ReadonlyMap<string, LazyTable>): string[] {
  let names = mentioned.get(query);
  if (!names) {
    // Where a table is named (a table named otherwise, say in a comma join, is found by its failure: run()).
    names = [...tables.keys()].filter((name) => new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE)\\s+${name}\\b`, "i").test(query));
    if (mentioned.size >= MENTIONED_MAX) mentioned.clear();
    mentioned.set(query, names);
  }
  return names;
}

/**
 * Runs statements over `exec`, creating the tables of `tables` on first use (see the rules above).
 * The object's tables are read once (sqlite_master) and kept in step, so a statement is planned
 * before it runs, without a failure; a statement that still names a missing table (after a
 * rolled-back creation) reads them again and is planned anew. A statement failing for any other
 * reason, or naming a table the schema does not have, throws as it is.
 */
export class LazyTableRunner {
  private readonly exec: Exec;
  private readonly tables: ReadonlyMap<string, LazyTable>;
  /** The schema's tables this object has; read when first needed. */
  private existing: Set<string> | undefined;
  /** What each statement that names a missing table runs instead (its text with empty tables, or nothing). */
  private readonly instead = new Map<string, string | typeof NOTHING>();

  constructor(exec: Exec, tables: ReadonlyMap<string, LazyTable>) {
    this.exec = exec;
    this.tables = tables;
  }

  run(query: string, values: SqlStorageValue[]): Record<string, SqlStorageValue>[] {
    const named: string[] = [];
    for (;;) {
      try {
        return this.runPlanned(query, values, named);
      } catch (error) {
        const table = MISSING_TABLE.exec(error instanceof Error ? error.message : String(error))?.[1];
        if (table === undefined || !this.tables.has(table) || named.includes(table)) throw error;
        // A table this object was thought to have is not there (its creation rolled back), or one
        // named where tablesMentioned does not look: read the tables again, and plan with it.
        this.forget();
        named.push(table);
      }
    }
  }

  /** Forgets which tables exist (after a rollback, or everything was deleted). */
  forget(): void {
    this.existing = undefined;
    this.instead.clear();
  }

  private runPlanned(query: string, values: SqlStorageValue[], named: readonly string[]): Record<string, SqlStorageValue>[] {
    if (DDL.test(query)) {
      // A migration's statement: the tables may have changed.
      const rows = this.exec(query, values);
      this.forget();
      return rows;
    }
    const mentioned = tablesMentioned(query, this.tables);
    const names = named.length ? [...new Set([...mentioned, ...named])] : mentioned;
    if (names.length === 0) return this.exec(query, values);
    this.existing ??= new Set(this.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`, []).map((r) => String(r.name)));
    let missing = names.filter((name) => !this.existing!.has(name));
    if (missing.length === 0) return this.exec(query, values);
    const inserted = INSERTED.exec(query)?.[1];
    if (inserted !== undefined && missing.includes(inserted)) {
      this.create(inserted);
      missing = missing.filter((name) => name !== inserted);
      if (missing.length === 0) return this.exec(query, values);
    }
    let text = this.instead.get(query);
    if (text === undefined) {
      const changed = CHANGED.exec(query)?.[1];
      text = changed !== undefined && missing.includes(changed) ? NOTHING : missing.reduce((t, name) => withEmpty(t, name, this.tables.get(name)!.columns), query);
      this.instead.set(query, text);
    }
    return text === NOTHING ? [] : this.exec(text, values);
  }

  /** Creates a table with its indexes; what was remembered about missing tables no longer holds. */
  private create(table: string): void {
    for (const statement of this.tables.get(table)!.statements) this.exec(statement, []);
    this.existing?.add(table);
    this.instead.clear();
  }
}

/** `text` with `table` read as an empty table of the same columns (a common table expression shadows it). */
function withEmpty(text: string, table: string, columns: string[]): string {
  const empty = `${table} (${columns.join(", ")}) AS (SELECT ${columns.map(() => "NULL").join(", ")} WHERE 0)`;
  const leading = LEADING_WITH.exec(text);
  return leading ? `WITH${leading[1] ?? ""} ${empty}, ${text.slice(leading[0].length)}` : `WITH ${empty} ${text}`;
}

/** The name a table is rebuilt under before it takes its own name back (a migration changes a table's kind by copying it). */
export const rebuilding = (table: string) => `${table}_rebuilt`;
/** The table a statement of a rebuild is about: `x_rebuilt` is `x`. */
const rebuilt = (name: string) => name.replace(/_rebuilt$/, "");

/**
 * The statements of a later migration an object with tables created on first use runs: a table it
 * has not created will come from the schema with the migration in it, so only the tables it has are
 * altered, indexed or rebuilt (created under `rebuilding(name)`, its rows copied, the old one dropped
 * and the copy renamed); a new table waits for its first use; anything else runs under the rules above.
 * Which tables exist is asked before any statement runs.
 */
export function lazyMigration(statements: readonly string[], exists: (table: string) => boolean): string[] {
  return statements.filter((statement) => {
    const table =
      /^\s*(?:CREATE TABLE|INSERT INTO|DROP TABLE|ALTER TABLE)\s+(\w+)/i.exec(statement)?.[1] ??
      /^\s*CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)/i.exec(statement)?.[1];
    if (table === undefined) return true;
    const copy = rebuilt(table) !== table;
    // A new table waits for its first use; rows a migration moves into a table are moved under the rules above.
    if (/^\s*CREATE TABLE\b/i.test(statement) && !copy) return false;
    if (/^\s*INSERT INTO\b/i.test(statement) && !copy) return true;
    return exists(rebuilt(table));
  });
}
