// Numbered SQLite migrations of a small Durable Object (aggregator and recommendation shards): the
// statements of every version not applied yet, in one transaction, recorded in `_schema`.

/** Versions in order, each a list of statements; append only. */
export type ObjectMigrations = readonly (readonly string[])[];

export function migrateObject(storage: DurableObjectStorage, migrations: ObjectMigrations): void {
  const sql = storage.sql;
  // Even a CREATE TABLE IF NOT EXISTS that creates nothing is billed as a row written: look first (a read).
  if (sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'`).toArray().length === 0)
    sql.exec(`CREATE TABLE _schema (version INTEGER NOT NULL)`);
  const current = Number(sql.exec(`SELECT MAX(version) AS v FROM _schema`).one().v ?? 0);
  if (current >= migrations.length) return;
  storage.transactionSync(() => {
    migrations.slice(current).forEach((statements, i) => {
      for (const statement of statements) sql.exec(statement);
      sql.exec(`INSERT INTO _schema (version) VALUES (?)`, current + i + 1);
    });
  });
}
