// A customer object creates each table on first use (customer/lazy-tables.ts): reads of a table not
// there read it as empty, updates and deletes of it change nothing, an insert creates it with its
// indexes. A new visitor's first batch creates only what it writes; a read creates nothing; a later
// migration reaches only the tables an object has.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { columnsOf, lazyMigration, lazyTables } from "../src/customer/lazy-tables.ts";
import { FRESH_SCHEMA, MIGRATIONS, SCHEMA_VERSION_KEY } from "../src/customer/schema.ts";
import { sqlOver } from "../src/customer/sql.ts";
import { batch, customer, request, rowsWrittenBy, trackEvent, uid } from "./helpers.ts";

const SCHEMA = [
  `CREATE TABLE items (id TEXT PRIMARY KEY, qty INTEGER NOT NULL DEFAULT 0, note TEXT)`,
  `CREATE INDEX items_qty ON items (qty)`,
  `CREATE TABLE tags (item TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (item, tag)) WITHOUT ROWID`,
];

const tablesIn = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND substr(name, 1, 7) <> 'sqlite_' AND substr(name, 1, 4) <> '_cf_' ORDER BY name`)
    .toArray()
    .map((r) => r.name);

describe("the lazy table rules", () => {
  it("reads a missing table as empty, changes nothing in it, creates it with its indexes on insert", async () => {
    await runInDurableObject(env.FLOOR.getByName(`lazy-${uid()}`), (_instance, state) => {
      const raw = state.storage.sql;
      const before = tablesIn(raw);
      const sql = sqlOver(raw, lazyTables(SCHEMA));
      expect(sql`SELECT id, qty FROM items`).toEqual([]);
      expect(sql`SELECT COUNT(*) AS n FROM items JOIN tags ON tags.item = items.id`).toEqual([{ n: 0 }]);
      expect(sql`UPDATE items SET qty = qty + 1 RETURNING id`).toEqual([]);
      expect(sql`DELETE FROM tags WHERE item = ${"a"}`).toEqual([]);
      expect(tablesIn(raw)).toEqual(before);

      sql`INSERT INTO items (id, qty) VALUES (${"a"}, ${2})`;
      expect(tablesIn(raw)).toEqual([...before, "items", "items_qty"].sort());
      // One table there, one not: a join and a scalar subquery over the missing one answer as over an empty table.
      expect(sql`SELECT items.id, tags.tag FROM items LEFT JOIN tags ON tags.item = items.id`).toEqual([{ id: "a", tag: null }]);
      expect(sql`SELECT id, (SELECT COUNT(*) FROM tags WHERE tags.item = items.id) AS n FROM items`).toEqual([{ id: "a", n: 0 }]);
      // Named where the planner does not look (a comma join): found by its failure, then read as empty.
      expect(sql`SELECT COUNT(*) AS n FROM items, tags`).toEqual([{ n: 0 }]);
      expect(sql`WITH big AS (SELECT id FROM items WHERE qty > 1) SELECT big.id FROM big WHERE big.id NOT IN (SELECT item FROM tags)`).toEqual([{ id: "a" }]);
      // An insert that reads the missing table creates nothing and inserts what the empty table gives.
      sql`INSERT INTO items (id, qty) SELECT item, 1 FROM tags WHERE true ON CONFLICT DO NOTHING`;
      expect(tablesIn(raw)).not.toContain("tags");
      expect(sql`UPDATE items SET qty = qty + 1 RETURNING id, qty`).toEqual([{ id: "a", qty: 3 }]);

      // A rolled-back transaction takes its table away again; the next use creates it anew.
      expect(() =>
        state.storage.transactionSync(() => {
          sql`INSERT INTO tags (item, tag) VALUES (${"a"}, ${"red"})`;
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
      expect(tablesIn(raw)).not.toContain("tags");
      expect(sql`SELECT tag FROM tags`).toEqual([]);
      sql`INSERT INTO tags (item, tag) VALUES (${"a"}, ${"blue"})`;
      expect(sql`SELECT items.id, tags.tag FROM items JOIN tags ON tags.item = items.id`).toEqual([{ id: "a", tag: "blue" }]);
    });
  });

  it("still fails a statement naming a table the schema does not have, or failing otherwise", async () => {
    await runInDurableObject(env.FLOOR.getByName(`lazy-${uid()}`), (_instance, state) => {
      const sql = sqlOver(state.storage.sql, lazyTables(SCHEMA));
      expect(() => sql`SELECT * FROM nowhere`).toThrow(/no such table: nowhere/);
      sql`INSERT INTO items (id) VALUES (${"a"})`;
      expect(() => sql`SELECT missing_column FROM items`).toThrow(/no such column/);
      expect(() => sql`INSERT INTO items (id) VALUES (${"a"})`).toThrow(/UNIQUE/);
    });
  });

  it("knows each table's columns in order", () => {
    expect(columnsOf(SCHEMA[0]!)).toEqual(["id", "qty", "note"]);
    expect(columnsOf(SCHEMA[2]!)).toEqual(["item", "tag"]);
    for (const [name, table] of lazyTables(FRESH_SCHEMA)) expect(table.columns.length, name).toBeGreaterThan(0);
  });
});

describe("a customer object's tables", () => {
  it("are those a new visitor's first batch writes, and a read creates none", async () => {
    const visitor = uid();
    const read = await request(`/v1/cart?${new URLSearchParams({ anonymousId: visitor, writeKey: "wk_demo" })}`);
    expect(read.status).toBe(200);
    const stub = env.CUSTOMER.getByName(`demo:a:${visitor}`);
    expect(await runInDurableObject(stub, (_instance, state) => tablesIn(state.storage.sql))).toEqual([]);

    await batch([{ type: "page", anonymousId: visitor, name: "Home" }, trackEvent(visitor, "Product Viewed", { product_id: "p1", category: "shoes" })]);
    const tables = await runInDurableObject(stub, (_instance, state) => tablesIn(state.storage.sql));
    expect(tables).toContain("journal");
    for (const never of ["orders", "order_attribution", "cart_lines", "trigger_runs", "schedule", "message_log", "identity_conflicts", "linked_profiles", "consent", "_schema"])
      expect(tables, never).not.toContain(never);
    expect(tables.length).toBeLessThan(lazyTables(FRESH_SCHEMA).size / 2);

    await evictAllDurableObjects();
    const state = (await customer(visitor)).body;
    expect(state).toMatchObject({ event_count: 2, profile_key: `a:${visitor}` });
    expect(state.viewed_items.map((v: { product_id: string }) => v.product_id)).toEqual(["p1"]);
    // The version its tables are at rides in the journal row's meta.
    const version = await runInDurableObject(stub, (instance) => (instance as unknown as { store: { meta: { get(k: string): string | undefined } } }).store.meta.get(SCHEMA_VERSION_KEY));
    expect(version).toBe(String(MIGRATIONS.length));
  });
});

describe("a later migration of an object with tables created on first use", () => {
  it("runs at the object's wake-up, on the tables it has, and records the version in the profile meta", async () => {
    const visitor = uid();
    const order = { order_id: uid("order"), total: 5, products: [{ product_id: "p1", quantity: 1, price: 5 }] };
    await batch([trackEvent(visitor, "Order Completed", order)]);
    const stub = env.CUSTOMER.getByName(`demo:a:${visitor}`);
    // As version 8 made it: its orders table with the index migration 9 drops.
    await runInDurableObject(stub, (instance, state) => {
      state.storage.sql.exec(`CREATE INDEX orders_ts ON orders (ts)`);
      const store = (instance as unknown as { store: { transaction: (work: () => void) => void; meta: { set(k: string, v: number): void } } }).store;
      store.transaction(() => store.meta.set(SCHEMA_VERSION_KEY, 8));
    });
    expect(await runInDurableObject(stub, (_instance, state) => tablesIn(state.storage.sql))).toContain("orders_ts");
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.orders).toMatchObject([{ order_id: order.order_id }]);
    const after = await runInDurableObject(stub, (instance, state) => ({
      tables: tablesIn(state.storage.sql),
      version: (instance as unknown as { store: { meta: { get(k: string): string | undefined } } }).store.meta.get(SCHEMA_VERSION_KEY),
    }));
    expect(after.tables).toContain("orders");
    expect(after.tables).not.toContain("orders_ts");
    expect(after.version).toBe(String(MIGRATIONS.length));
  });

  it("rebuilds the tables it has WITHOUT ROWID (migration 10), rows kept, and a new row is then one billed row", async () => {
    const visitor = uid();
    const order = (id: string) => ({ order_id: id, total: 5, products: [{ product_id: "p1", quantity: 1, price: 5 }] });
    const first = uid("order");
    await batch([trackEvent(visitor, "Order Completed", order(first))]);
    const stub = env.CUSTOMER.getByName(`demo:a:${visitor}`);
    const kinds = (sql: SqlStorage) =>
      Object.fromEntries(
        sql
          .exec<{ name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('orders', 'order_attribution', 'identities')`)
          .toArray()
          .map((r) => [r.name, /WITHOUT ROWID\s*$/.test(r.sql) ? "without rowid" : "rowid"]),
      );
    // As version 9 made them: each table a rowid table, with its rows.
    await runInDurableObject(stub, (instance, state) => {
      const sql = state.storage.sql;
      for (const { name, sql: create } of sql.exec<{ name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('orders', 'order_attribution')`).toArray()) {
        sql.exec(create.replace(`CREATE TABLE ${name} (`, `CREATE TABLE ${name}_v9 (`).replace(/\s*WITHOUT ROWID\s*$/, ""));
        sql.exec(`INSERT INTO ${name}_v9 SELECT * FROM ${name}`);
        sql.exec(`DROP TABLE ${name}`);
        sql.exec(`ALTER TABLE ${name}_v9 RENAME TO ${name}`);
      }
      const store = (instance as unknown as { store: { transaction: (work: () => void) => void; meta: { set(k: string, v: number): void } } }).store;
      store.transaction(() => store.meta.set(SCHEMA_VERSION_KEY, 9));
    });
    expect(await runInDurableObject(stub, (_instance, state) => kinds(state.storage.sql))).toEqual({ orders: "rowid", order_attribution: "rowid" });
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.orders).toMatchObject([{ order_id: first }]);
    // Migrated, not created: the object still has no identities table.
    expect(await runInDurableObject(stub, (_instance, state) => kinds(state.storage.sql))).toEqual({ orders: "without rowid", order_attribution: "without rowid" });
    const written = await rowsWrittenBy(stub);
    const second = uid("order");
    await batch([trackEvent(visitor, "Order Completed", order(second))]);
    expect([...written()].filter(([statement]) => statement.startsWith("INSERT INTO orders"))).toEqual([[expect.any(String), 1]]);
    expect((await customer(visitor)).body.orders.map((o: { order_id: string }) => o.order_id).sort()).toEqual([first, second].sort());
  });

  it("rebuilds only the tables the object has", () => {
    const statements = lazyMigration(
      [
        `CREATE TABLE items_rebuilt (id TEXT PRIMARY KEY) WITHOUT ROWID`,
        `INSERT INTO items_rebuilt (id) SELECT id FROM items`,
        `DROP TABLE items`,
        `ALTER TABLE items_rebuilt RENAME TO items`,
        `CREATE TABLE tags_rebuilt (tag TEXT PRIMARY KEY) WITHOUT ROWID`,
        `INSERT INTO tags_rebuilt (tag) SELECT tag FROM tags`,
        `DROP TABLE tags`,
        `ALTER TABLE tags_rebuilt RENAME TO tags`,
      ],
      (table) => table === "items",
    );
    expect(statements).toEqual([
      `CREATE TABLE items_rebuilt (id TEXT PRIMARY KEY) WITHOUT ROWID`,
      `INSERT INTO items_rebuilt (id) SELECT id FROM items`,
      `DROP TABLE items`,
      `ALTER TABLE items_rebuilt RENAME TO items`,
    ]);
  });

  it("alters and indexes only the tables the object has; new tables wait for their first use", () => {
    const has = new Set(["items"]);
    const statements = lazyMigration(
      [
        `ALTER TABLE items ADD COLUMN colour TEXT`,
        `ALTER TABLE tags ADD COLUMN weight REAL`,
        `CREATE INDEX items_note ON items (note)`,
        `CREATE INDEX tags_tag ON tags (tag)`,
        `CREATE TABLE shelves (id TEXT PRIMARY KEY)`,
        `UPDATE items SET note = 'x' WHERE note IS NULL`,
      ],
      (table) => has.has(table),
    );
    expect(statements).toEqual([`ALTER TABLE items ADD COLUMN colour TEXT`, `CREATE INDEX items_note ON items (note)`, `UPDATE items SET note = 'x' WHERE note IS NULL`]);
  });
});
