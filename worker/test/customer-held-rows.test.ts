// The cart's lines and the traits live in the profile meta (customer/held-rows.ts), which rides in
// the batch's journal row: a change writes no row of its own and creates no table. An object whose
// rows are still in the old table (made before) reads them there, and its first change moves them
// into the meta; a merge carries them either way.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CART_LINES_KEY } from "../src/customer/cart-lines.ts";
import { TRAITS_KEY } from "../src/customer/held-rows.ts";
import { batch, customer, rowsWrittenBy, signIn, trackEvent, uid } from "./helpers.ts";

const stubOf = (profileKey: string) => env.CUSTOMER.getByName(`demo:${profileKey}`);
const lineIds = (state: { cart: { lines: { product_id: string; quantity: number }[] } }) => state.cart.lines.map((l) => `${l.product_id}×${l.quantity}`);

type StoreInside = { store: { meta: { get(k: string): string | undefined; delete(k: string): void }; transaction(work: () => void): void } };

describe("the cart's lines", () => {
  it("change in the batch's one journal row, with no table, in the order they were added", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p0" })]);
    const written = await rowsWrittenBy(stubOf(`a:${visitor}`));
    await batch([trackEvent(visitor, "Product Added", { product_id: "p2", quantity: 2, price: 3, name: "Tea" }), trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 })]);
    await batch([trackEvent(visitor, "Product Added", { product_id: "p2", quantity: 1 }), trackEvent(visitor, "Product Removed", { product_id: "p1", quantity: 1 })]);
    expect([...written().keys()]).toEqual(["INSERT INTO journal (slot, seq, received_at, ids, touchpoint"]);
    expect([...written().values()]).toEqual([2]);

    await evictAllDurableObjects();
    const state = (await customer(visitor)).body;
    expect(lineIds(state)).toEqual(["p2×3"]);
    expect(state.cart.lines[0]).toMatchObject({ name: "Tea", price: 3 });
    const tables = await runInDurableObject(stubOf(`a:${visitor}`), (_i, s) => s.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE name = 'cart_lines'`).toArray());
    expect(tables).toEqual([]);
  });

  it("of an object that kept them in the table are read there, and move into the meta with the next change", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 }), trackEvent(visitor, "Product Added", { product_id: "p2", quantity: 4 })]);
    const stub = stubOf(`a:${visitor}`);
    // As an object made before kept them: rows in cart_lines, nothing in the meta.
    await runInDurableObject(stub, (instance, state) => {
      const store = (instance as unknown as StoreInside).store;
      const lines = JSON.parse(store.meta.get(CART_LINES_KEY)!) as Record<string, unknown>[];
      const columns = Object.keys(lines[0]!);
      state.storage.sql.exec(
        `CREATE TABLE cart_lines (product_id TEXT NOT NULL, variant TEXT NOT NULL DEFAULT '', quantity INTEGER NOT NULL, name TEXT, price REAL, currency TEXT,
           category TEXT, brand TEXT, url TEXT, image_url TEXT, channel TEXT NOT NULL, device TEXT, anonymous_id TEXT, added_at INTEGER NOT NULL,
           updated_at INTEGER NOT NULL, PRIMARY KEY (product_id, variant)) WITHOUT ROWID`,
      );
      for (const line of lines) state.storage.sql.exec(`INSERT INTO cart_lines (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => line[c] as SqlStorageValue));
      store.transaction(() => store.meta.delete(CART_LINES_KEY));
    });
    await evictAllDurableObjects();
    expect(lineIds((await customer(visitor)).body)).toEqual(["p1×1", "p2×4"]);

    await batch([trackEvent(visitor, "Product Removed", { product_id: "p2", quantity: 1 })]);
    expect(lineIds((await customer(visitor)).body)).toEqual(["p1×1", "p2×3"]);
    const after = await runInDurableObject(stub, (instance, state) => ({
      rows: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM cart_lines`).one().n,
      held: (instance as unknown as StoreInside).store.meta.get(CART_LINES_KEY) !== undefined,
    }));
    expect(after).toEqual({ rows: 0, held: true });
  });

  it("follow the customer through a sign-in merge, from either device", async () => {
    const app = uid();
    const web = uid();
    const userId = uid("user");
    await batch([trackEvent(app, "Product Added", { product_id: "pizza", quantity: 2 })]);
    await batch([trackEvent(web, "Product Added", { product_id: "cola", quantity: 1 })]);
    await signIn(app, userId);
    await signIn(web, userId);
    const state = (await customer(userId)).body;
    expect(lineIds(state).sort()).toEqual(["cola×1", "pizza×2"]);
  });

  it("are emptied by an order", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 })]);
    await batch([trackEvent(visitor, "Order Completed", { order_id: uid("o"), total: 5, products: [{ product_id: "p1", quantity: 1, price: 5 }] })]);
    expect(lineIds((await customer(visitor)).body)).toEqual([]);
  });
});

const identify = (anonymousId: string, traits: Record<string, unknown>, at: number) => ({
  type: "identify",
  anonymousId,
  traits,
  timestamp: new Date(at).toISOString(),
  messageId: crypto.randomUUID(),
});

describe("the traits", () => {
  it("change in the batch's journal row, with no table; a late, older identify does not overwrite a newer trait", async () => {
    const visitor = uid();
    const now = Date.now();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p0" })]);
    const written = await rowsWrittenBy(stubOf(`a:${visitor}`));
    await batch([identify(visitor, { plan: "gold", name: "Ada" }, now - 1_000)]);
    await batch([identify(visitor, { plan: "silver", city: "Oslo" }, now - 60_000)]);
    expect([...written().keys()]).toEqual(["INSERT INTO journal (slot, seq, received_at, ids, touchpoint"]);
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.traits).toEqual({ city: "Oslo", name: "Ada", plan: "gold" });
    const tables = await runInDurableObject(stubOf(`a:${visitor}`), (_i, s) => s.storage.sql.exec(`SELECT name FROM sqlite_master WHERE name = 'traits'`).toArray());
    expect(tables).toEqual([]);
  });

  it("of an object that kept them in the table are read there, and move into the meta with the next identify; a merge carries them", async () => {
    const visitor = uid();
    const now = Date.now();
    await batch([identify(visitor, { plan: "gold" }, now - 5_000)]);
    const stub = stubOf(`a:${visitor}`);
    await runInDurableObject(stub, (instance, state) => {
      const store = (instance as unknown as StoreInside).store;
      state.storage.sql.exec(`CREATE TABLE traits (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`);
      state.storage.sql.exec(`INSERT INTO traits (key, value, updated_at) VALUES ('plan', '"gold"', ?), ('name', '"Ada"', ?)`, now - 5_000, now - 5_000);
      store.transaction(() => store.meta.delete(TRAITS_KEY));
    });
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.traits).toEqual({ name: "Ada", plan: "gold" });
    await batch([identify(visitor, { city: "Oslo" }, now)]);
    const after = await runInDurableObject(stub, (instance, state) => ({
      rows: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM traits`).one().n,
      held: (JSON.parse((instance as unknown as StoreInside).store.meta.get(TRAITS_KEY)!) as { key: string }[]).map((t) => t.key),
    }));
    expect(after).toEqual({ rows: 0, held: ["city", "name", "plan"] });

    const userId = uid("user");
    await signIn(visitor, userId);
    expect((await customer(userId)).body.traits).toEqual({ city: "Oslo", name: "Ada", plan: "gold" });
  });
});
