// What a new visitor costs: its first batch creates the journal table and writes one row, no other
// table: its first segment evaluation and trigger planning run in the batch's transaction. Marketing touches wait in the
// profile meta until there are more than eight, the visitor's own anonymous id is never a row, and
// the meta of the segment and messaging layers rides in the journal row too. Every answer stays as
// it was: the API's touches and lead source, order credits, a merge's identities and touches.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CustomerStore } from "../src/customer/store.ts";
import type { CustomerState } from "../src/customer/views.ts";
import { batch, customer, rowsWrittenBy, signIn, trackEvent, uid } from "./helpers.ts";

const stubOf = (profileKey: string) => env.CUSTOMER.getByName(`demo:${profileKey}`);

const tablesOf = (profileKey: string) =>
  runInDurableObject(stubOf(profileKey), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' AND substr(name, 1, 4) <> '_cf_' ORDER BY name`)
      .toArray()
      .map((r) => r.name),
  );

const campaigns = (state: CustomerState) => (state.touches ?? []).map((t) => t.campaign);

const utmPage = (visitor: string, ts: number, campaign: string) => ({
  type: "page",
  anonymousId: visitor,
  timestamp: new Date(ts).toISOString(),
  context: { page: { url: `https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=${campaign}` }, campaign: { source: "news", medium: "email", name: campaign } },
});

describe("a new visitor's first batch", () => {
  it("creates the journal table and writes one journal row, which the segment evaluation's meta rides in", async () => {
    const visitor = uid();
    const written = await rowsWrittenBy(stubOf(`a:${visitor}`));
    await batch([utmPage(visitor, Date.now(), "spring"), trackEvent(visitor, "Product Viewed", { product_id: "p1", category: "shoes" })]);
    const rows = written();
    expect([...rows.keys()].sort()).toEqual(["CREATE TABLE journal ( slot INTEGER PRIMARY KEY, seq INTEGER", "INSERT INTO journal (slot, seq, received_at, ids, touchpoint"]);
    expect([...rows.values()].reduce((a, b) => a + b, 0)).toBe(3);
    expect(await tablesOf(`a:${visitor}`)).toEqual(["journal"]);

    await evictAllDurableObjects();
    const state = (await customer(visitor)).body;
    expect(state).toMatchObject({ event_count: 2, profile_key: `a:${visitor}` });
    // The own anonymous id, with the profile's times; the UTM touch; the segment layer's memory survived the wake-up.
    expect(state.identities).toEqual([{ kind: "anonymous_id", value: visitor, verified: false, first_seen: state.first_seen, last_seen: state.last_seen }]);
    expect(state.touches).toMatchObject([{ channel: "email", source: "news", campaign: "spring" }]);
    const segmentMeta = await runInDurableObject(stubOf(`a:${visitor}`), (instance) => (instance as unknown as { store: { segmentMeta: { get(k: string): string | undefined } } }).store.segmentMeta.get("indexed"));
    expect(segmentMeta).toBeDefined();
  });
});

describe("marketing touches", () => {
  it("wait in the meta up to eight, then move into the table; reads, lead source and a merge see them all in order", async () => {
    const visitor = uid();
    const start = Date.now() - 20 * 3600_000;
    // Ten visits an hour apart, each from a campaign: ten touches.
    for (let i = 0; i < 8; i++) await batch([utmPage(visitor, start + i * 3600_000, `c${i}`)]);
    expect(await tablesOf(`a:${visitor}`)).not.toContain("touches");
    let state = (await customer(visitor)).body;
    expect(campaigns(state)).toEqual(["c7", "c6", "c5", "c4", "c3", "c2", "c1", "c0"]);
    for (let i = 8; i < 10; i++) await batch([utmPage(visitor, start + i * 3600_000, `c${i}`)]);
    expect(await tablesOf(`a:${visitor}`)).toContain("touches");
    await evictAllDurableObjects();
    state = (await customer(visitor)).body;
    expect(campaigns(state)).toEqual(["c9", "c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1", "c0"]);

    // A sign-in merges the visitor into the customer: every touch, and the anonymous id, come along.
    const userId = uid("user");
    await signIn(visitor, userId, { email: `${uid("ada")}@example.com` });
    const known = (await customer(userId)).body;
    expect(campaigns(known).slice(0, 10)).toEqual(["c9", "c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1", "c0"]);
    expect(known.lead_source).toMatchObject({ campaign: "c0" });
    expect(known.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`)).toContain(`anonymous_id:${visitor}`);
  });
});

describe("segments and triggers in the batch's transaction", () => {
  it("fail alone in a savepoint: their writes and meta changes are undone, the transaction goes on", async () => {
    await runInDurableObject(env.FLOOR.getByName(`savepoint-${uid()}`), (_instance, state) => {
      const store = new CustomerStore(state.storage);
      store.ensureSchema();
      store.transaction(() => {
        store.meta.set("kept", "1");
        expect(() =>
          store.savepoint(() => {
            store.meta.set("kept", "2");
            store.segmentMeta.set("undone", "1");
            store.sql`INSERT INTO traits (key, value, updated_at) VALUES (${"undone"}, ${'"v"'}, ${1})`;
            throw new Error("planning failed");
          }),
        ).toThrow("planning failed");
        store.meta.set("after", "1");
      });
      const again = new CustomerStore(state.storage);
      expect([again.meta.get("kept"), again.meta.get("after"), again.segmentMeta.get("undone")]).toEqual(["1", "1", undefined]);
      expect(again.sql`SELECT key FROM traits`).toEqual([]);
    });
  });

  it("a failing evaluation leaves the batch applied and is tried again after it", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p1" })]);
    // A stored value the segment layer cannot read: its evaluation throws, in the batch and after it.
    await runInDurableObject(stubOf(`a:${visitor}`), (instance) => {
      const store = (instance as unknown as { store: CustomerStore }).store;
      store.transaction(() => store.segmentMeta.set("pushed", "{"));
    });
    const res = await batch([trackEvent(visitor, "Product Added", { product_id: "p1", quantity: 1 })]);
    expect(res.status).toBe(200);
    await evictAllDurableObjects();
    const state = (await customer(visitor)).body;
    expect(state.event_count).toBe(2);
    expect(state.cart.lines).toHaveLength(1);
  });
});
