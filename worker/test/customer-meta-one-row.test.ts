// A customer object's small facts (meta) are one row, rewritten only when a value changed: a batch
// changes about five of them, and every row written is billed. Objects written before keep one
// row per key until their next change folds those rows into the one.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batch, customer, trackEvent, uid } from "./helpers.ts";

const stubOf = (visitor: string) => env.CUSTOMER.getByName(`demo:a:${visitor}`);

function metaRows(visitor: string) {
  return runInDurableObject(stubOf(visitor), (_instance, state) => state.storage.sql.exec<{ key: string; value: string }>(`SELECT key, value FROM meta ORDER BY key`).toArray());
}

describe("customer meta is one row", () => {
  it("holds every key in one row after a batch", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" }), trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 })]);
    const rows = await metaRows(visitor);
    expect(rows.map((r) => r.key)).toEqual([""]);
    expect(JSON.parse(rows[0]!.value)).toMatchObject({ workspace_id: "demo", profile_key: `a:${visitor}`, event_count: "2" });
  });

  it("folds rows of the one-row-per-key layout into the one row at the next change, losing none", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" })]);
    // An object as the old layout left it: one row per key.
    await runInDurableObject(stubOf(visitor), (_instance, state) => {
      const all = JSON.parse(String(state.storage.sql.exec(`SELECT value FROM meta WHERE key = ''`).one().value)) as Record<string, string>;
      state.storage.sql.exec(`DELETE FROM meta`);
      for (const [key, value] of Object.entries(all)) state.storage.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?)`, key, value);
    });
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.event_count).toBe(1);
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p2" })]);
    const rows = await metaRows(visitor);
    expect(rows.map((r) => r.key)).toEqual([""]);
    expect(JSON.parse(rows[0]!.value)).toMatchObject({ workspace_id: "demo", profile_key: `a:${visitor}`, event_count: "2" });
  });
});
