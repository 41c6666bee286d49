// The segments a customer is in are one segment meta value (customer/segment-store.ts), which rides
// in the batch's journal row: entering or leaving one writes no row of its own and creates no
// table. An object that kept them in the segment_members table (made before) reads them there, and
// its next membership change moves them into the meta.
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { messagingWorkspace } from "./messaging-helpers.ts";
import { MINUTE, segmentsOf } from "./segment-helpers.ts";

type SegmentMetaInside = { store: { segmentMeta: { get(k: string): string | undefined; delete(k: string): void }; transaction(work: () => void): void } };

const order = (id: string, total: number) => ({ order_id: id, total, products: [{ product_id: "boot", category: "Shoes", price: total }] });
const tableRows = (sql: SqlStorage) =>
  sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'segment_members'`).one().n === 0
    ? null
    : sql.exec<{ segment_id: string }>(`SELECT segment_id FROM segment_members ORDER BY segment_id`).toArray().map((r) => r.segment_id);

describe("segment membership", () => {
  it("is held in the segment meta: no table, and it survives a wake-up", async () => {
    const ws = await messagingWorkspace();
    const buyer = uid("buyer");
    await batch([trackEvent(buyer, "Order Completed", order("o1", 640), { timestamp: new Date(Date.now() - MINUTE).toISOString() })], ws.writeKey);
    await evictAllDurableObjects();
    expect(await segmentsOf(ws, buyer)).toEqual(["high_value", "recent_buyers"]);
    const inside = await runInDurableObject(env.CUSTOMER.getByName(`${ws.id}:a:${buyer}`), (instance, state) => ({
      table: tableRows(state.storage.sql),
      held: Object.keys(JSON.parse((instance as unknown as SegmentMetaInside).store.segmentMeta.get("members")!)),
    }));
    expect(inside).toEqual({ table: null, held: ["high_value", "recent_buyers"] });
  });

  it("of an object that kept it in the table is read there, and moves into the meta with the next change", async () => {
    const ws = await messagingWorkspace();
    const buyer = uid("buyer");
    await batch([trackEvent(buyer, "Order Completed", order("o1", 40), { timestamp: new Date(Date.now() - MINUTE).toISOString() })], ws.writeKey);
    expect(await segmentsOf(ws, buyer)).toEqual(["recent_buyers"]);
    const stub = env.CUSTOMER.getByName(`${ws.id}:a:${buyer}`);
    // As an object made before kept it: a row in segment_members, nothing in the meta.
    await runInDurableObject(stub, (instance, state) => {
      const store = (instance as unknown as SegmentMetaInside).store;
      const held = JSON.parse(store.segmentMeta.get("members")!) as Record<string, number>;
      state.storage.sql.exec(`CREATE TABLE segment_members (segment_id TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID`);
      for (const [segment, since] of Object.entries(held)) state.storage.sql.exec(`INSERT INTO segment_members (segment_id, since) VALUES (?, ?)`, segment, since);
      store.transaction(() => store.segmentMeta.delete("members"));
    });
    await evictAllDurableObjects();
    expect(await segmentsOf(ws, buyer)).toEqual(["recent_buyers"]);

    // A big order: high value too, and the membership moves out of the table.
    await batch([trackEvent(buyer, "Order Completed", order("o2", 900))], ws.writeKey);
    expect(await segmentsOf(ws, buyer)).toEqual(["high_value", "recent_buyers"]);
    const inside = await runInDurableObject(stub, (instance, state) => ({
      table: tableRows(state.storage.sql),
      held: Object.keys(JSON.parse((instance as unknown as SegmentMetaInside).store.segmentMeta.get("members")!)),
    }));
    expect(inside).toEqual({ table: [], held: ["high_value", "recent_buyers"] });
  });
});
