// A customer object writes about one billed SQLite row per ordinary batch: the batch's history
// (message ids, touchpoints, clicks, views, raw events) and the profile meta it changed travel in one
// journal row (customer/journal.ts). Rows are counted from the object's own SQLite cursors
// (`rowsWritten`), as Cloudflare bills them. Also here: the meta's two copies (journal, table), the
// journal's migration, KPI marks and the segment outbox as meta values, keeping their guarantees.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { lazyTables } from "../src/customer/lazy-tables.ts";
import { FRESH_SCHEMA, MIGRATIONS } from "../src/customer/schema.ts";
import type { CustomerDO } from "../src/customer/CustomerDO.ts";
import type { IngestOutcome } from "../src/customer/ingest-request.ts";
import type { SeamEvent } from "../src/schemas.ts";
import { batch, customer, rowsWrittenBy, trackEvent, uid } from "./helpers.ts";

const stubOf = (visitor: string) => env.CUSTOMER.getByName(`demo:a:${visitor}`);

const countWrites = (visitor: string) => rowsWrittenBy(stubOf(visitor));

const total = (written: Map<string, number>) => [...written.values()].reduce((a, b) => a + b, 0);

describe("a batch is one row", () => {
  it("writes the history and the profile meta of an ordinary batch into one journal row", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1", category: "shoes" })]);
    const written = await countWrites(visitor);
    await batch([
      { type: "page", anonymousId: visitor, name: "Home" },
      trackEvent(visitor, "Product Viewed", { product_id: "p2", category: "shoes" }),
    ]);
    const rows = written();
    // The journal row alone: the views wait in it (customer/viewed-items.ts), the anonymous id's
    // last-seen time rides in its meta (customer/identity-seen.ts).
    expect([...rows.keys()]).toEqual([expect.stringMatching(/^INSERT INTO journal /)]);
    expect(total(rows)).toBe(1);
    const state = (await customer(visitor)).body;
    expect(state.event_count).toBe(3);
    expect(state.channel_history).toHaveLength(3);
    expect(state.recent_events).toHaveLength(3);
    expect(state.viewed_items.map((v: { product_id: string }) => v.product_id).sort()).toEqual(["p1", "p2"]);
    expect(state.identities).toMatchObject([{ kind: "anonymous_id", value: visitor, last_seen: state.last_seen }]);
  });

  it("keeps every meta key through a wake-up: the journal's copy is the newer one", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" }), trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 })]);
    await evictAllDurableObjects();
    const state = (await customer(visitor)).body;
    expect(state).toMatchObject({ workspace_id: "demo", profile_key: `a:${visitor}`, event_count: 2 });
    expect(state.cart.lines).toHaveLength(1);
  });

  it("reads an object written before the journal: its meta rows until a batch's journal row supersedes them", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" })]);
    // An object as the one-row-per-key layout left it: meta in its own rows, no journal meta.
    await runInDurableObject(stubOf(visitor), (_instance, state) => {
      const meta = JSON.parse(String(state.storage.sql.exec(`SELECT meta FROM journal ORDER BY seq DESC LIMIT 1`).one().meta)) as Record<string, string>;
      // Tables are created on first use: this object never wrote its meta table.
      for (const statement of lazyTables(FRESH_SCHEMA).get("meta")!.statements) state.storage.sql.exec(statement);
      state.storage.sql.exec(`UPDATE journal SET meta = NULL`);
      for (const [key, value] of Object.entries(meta)) state.storage.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?)`, key, value);
    });
    await evictAllDurableObjects();
    expect((await customer(visitor)).body.event_count).toBe(1);
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p2" })]);
    await evictAllDurableObjects();
    expect((await customer(visitor)).body).toMatchObject({ workspace_id: "demo", profile_key: `a:${visitor}`, event_count: 2 });
  });

  it("a change outside a batch (a merge's pointer, a timer) is written to the meta table and wins over older journal rows", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" })]);
    await runInDurableObject(stubOf(visitor), (instance) => {
      const store = (instance as unknown as { store: { transaction: (work: () => void) => void; meta: { set(k: string, v: string): void } } }).store;
      store.transaction(() => store.meta.set("near_store", JSON.stringify({ store_id: "s1" })));
    });
    await evictAllDurableObjects();
    const meta = await runInDurableObject(stubOf(visitor), (instance) =>
      (instance as unknown as { store: { meta: { get(k: string): string | undefined } } }).store.meta.get("near_store"),
    );
    expect(meta).toBe(JSON.stringify({ store_id: "s1" }));
    expect((await customer(visitor)).body.event_count).toBe(1);
  });
});

describe("the journal's migration", () => {
  it("moves an object's message ids, touchpoints, clicks and raw events from the old tables into one journal row", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" }, { messageId: "new-1" })]);
    // The object as it was before migration 8: every table of migrations 1–7 (history in four of
    // them), its version in `_schema`, no journal.
    await runInDurableObject(stubOf(visitor), (_instance, state) => {
      const sql = state.storage.sql;
      const meta = sql.exec<{ meta: string }>(`SELECT meta FROM journal ORDER BY seq DESC LIMIT 1`).one().meta;
      const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' AND substr(name, 1, 4) <> '_cf_'`).toArray();
      for (const { name } of tables) sql.exec(`DROP TABLE ${name}`);
      for (const statement of MIGRATIONS.slice(0, 7).flat()) sql.exec(statement);
      sql.exec(`CREATE TABLE _schema (version INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO _schema (version) VALUES (7)`);
      sql.exec(`INSERT INTO meta (key, value) VALUES ('', ?)`, meta);
      const body = JSON.stringify({ type: "track", event: "Old", messageId: "old-1", timestamp: 1_000, anonymousId: visitor, channel: "web", context: {}, properties: {}, traits: {} });
      sql.exec(`INSERT INTO seen_messages (message_id, received_at) VALUES ('old-1', 1000)`);
      sql.exec(`INSERT INTO touchpoints (ts, channel, type, event, message_id) VALUES (1000, 'web', 'track', 'Old', 'old-1')`);
      sql.exec(`INSERT INTO recent_events (message_id, ts, body) VALUES ('old-1', 1000, ?)`, body);
      sql.exec(`INSERT INTO item_clicks (item, category, ts) VALUES ('p0', 'shoes', 1000)`);
    });
    await evictAllDurableObjects();
    const again = (await (await batch([trackEvent(visitor, "Old", {}, { messageId: "old-1" })])).json()) as { results: { status: string }[] };
    expect(again.results[0]!.status).toBe("duplicate");
    const state = (await customer(visitor)).body;
    expect(state.channel_history.map((t: { message_id: string }) => t.message_id)).toContain("old-1");
    expect(state.recent_events.map((e: { messageId: string }) => e.messageId)).toContain("old-1");
    const left = await runInDurableObject(stubOf(visitor), (_instance, state) =>
      state.storage.sql.exec<{ n: number }>(`SELECT (SELECT COUNT(*) FROM seen_messages) + (SELECT COUNT(*) FROM touchpoints) + (SELECT COUNT(*) FROM item_clicks) AS n`).one().n,
    );
    expect(left).toBe(0);
  });
});

describe("first-of-the-day marks", () => {
  it("count a customer once a day through a wake-up, with no row of their own", async () => {
    const visitor = uid();
    const day = Date.parse("2026-11-20T10:00:00.000Z");
    const view = (messageId: string, ts: number): SeamEvent => ({
      messageId, type: "track", event: "Product Viewed", timestamp: ts, receivedAt: ts, channel: "web", verified: false,
      anonymousId: visitor, properties: { product_id: "p1" }, traits: {}, context: {},
    });
    const ingest = (event: SeamEvent) =>
      runInDurableObject(stubOf(visitor), (instance) => (instance as unknown as CustomerDO).ingest({ workspaceId: "demo", profileKey: `a:${visitor}`, events: [event] }));
    const viewers = (outcome: IngestOutcome) => (outcome.kpis?.increments ?? []).filter((i) => i[1] === "funnel" && i[2] === "views" && i[3] === "customers");
    expect(viewers(await ingest(view("k1", day)))).toHaveLength(1);
    await evictAllDurableObjects();
    const written = await countWrites(visitor);
    expect(viewers(await ingest(view("k2", day + 60_000)))).toHaveLength(0);
    expect([...written().keys()].filter((s) => s.includes("kpi_marks"))).toEqual([]);
    expect(viewers(await ingest(view("k3", day + 86_400_000)))).toHaveLength(1);
  });
});

describe("the segment outbox in segment meta", () => {
  it("keeps a fact through a failed send and sends it at the retry, then holds nothing", async () => {
    const visitor = uid();
    const send = env.EVENTS.send.bind(env.EVENTS);
    let failed = 0;
    const spy = vi.spyOn(env.EVENTS, "send").mockImplementation(async (message, options) => {
      if ((message as { kind?: string }).kind === "segments" && failed++ === 0) throw new Error("queue down");
      return send(message, options);
    });
    try {
      // A batch whose caller does not carry its segment facts (the object's own ingest, as a
      // tracking link's engagement runs it): the outbox sends them (the ingest route's requests
      // take them with their answer: segment-facts-window.test.ts).
      const event: SeamEvent = {
        messageId: uid("m"), type: "track", event: "Product Viewed", timestamp: Date.now(), receivedAt: Date.now(), channel: "web", verified: false,
        anonymousId: visitor, properties: { product_id: "p1" }, traits: {}, context: {},
      };
      await runInDurableObject(stubOf(visitor), (instance) => (instance as unknown as CustomerDO).ingest({ workspaceId: "demo", profileKey: `a:${visitor}`, events: [event] }));
      const outbox = () =>
        runInDurableObject(stubOf(visitor), (instance) => (instance as unknown as { store: { segmentMeta: { get(k: string): string | undefined } } }).store.segmentMeta.get("outbox"));
      await vi.waitFor(() => expect(failed).toBe(1));
      await vi.waitFor(async () => expect(JSON.parse((await outbox())!).facts).toMatchObject([[1, { type: "customer", present: true }]]));
      expect(await runDurableObjectAlarm(stubOf(visitor))).toBe(true);
      await vi.waitFor(async () => expect(await outbox()).toBeUndefined());
      expect(spy.mock.calls.filter(([m]) => (m as { kind?: string }).kind === "segments")).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });
});
