// A new customer's object creates today's tables directly (schema.ts FRESH_SCHEMA), which must be the
// schema an old object reaches through every migration: same tables (but those the journal replaced),
// same columns in the same order with the same types, defaults and keys, same indexes.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FRESH_SCHEMA, MIGRATIONS } from "../src/customer/schema.ts";

type Shape = Record<string, { columns: unknown[]; indexes: unknown[] }>;

function shape(sql: SqlStorage): Shape {
  const out: Shape = {};
  const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name`).toArray();
  for (const { name } of tables) {
    const columns = sql.exec(`PRAGMA table_info(${name})`).toArray();
    const indexes = sql
      .exec<{ name: string; unique: number; origin: string; partial: number }>(`PRAGMA index_list(${name})`)
      .toArray()
      .map((index) => ({ ...index, name: index.origin === "c" ? index.name : index.origin, columns: sql.exec(`PRAGMA index_info("${index.name}")`).toArray() }))
      .sort((a, b) => a.name.localeCompare(b.name));
    out[name] = { columns, indexes };
  }
  return out;
}

describe("a new customer's schema", () => {
  it("equals the migrated schema, table by table", async () => {
    const fresh = await runInDurableObject(env.FLOOR.getByName("fresh-schema"), (_, state) => {
      for (const statement of FRESH_SCHEMA) state.storage.sql.exec(statement);
      return shape(state.storage.sql);
    });
    const migrated = await runInDurableObject(env.FLOOR.getByName("migrated-schema"), (_, state) => {
      for (const statement of MIGRATIONS.flat()) state.storage.sql.exec(statement);
      return shape(state.storage.sql);
    });
    const replaced = ["item_clicks", "recent_events", "seen_messages", "touchpoints"];
    for (const table of replaced) expect(fresh[table], table).toBeUndefined();
    // The floor object's own table is in both.
    const expected = Object.fromEntries(Object.entries(migrated).filter(([table]) => !replaced.includes(table)));
    expect(fresh).toEqual(expected);
    expect(Object.keys(fresh).length).toBeGreaterThan(15);
  });
});
