// The customer index and segment membership index on the index shards (IndexShardDO): the events
// consumer folds a batch's segment facts with one call per shard and writes no D1 row (D1 may be
// down); a later fact wins whatever the delivery order, a redelivery changes nothing (nor the day's
// entries and exits), and reads merge the shards (pages by profile key, sums).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { INDEX_TOMBSTONE_MS } from "../src/index-shards/IndexShardDO.ts";
import { INDEX_SHARDS, indexShardName, indexShardOf } from "../src/index-shards/shards.ts";
import type { SegmentFact, SegmentFactsMessage } from "../src/segments/facts.ts";
import { countCustomers, customerPage, indexedCustomers, membersAmong, segmentChanges, segmentMembers, segmentSizes } from "../src/stores/segment-index.ts";
import { batch, deliverQueueBatch, request, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, messagingWorkspace } from "./messaging-helpers.ts";
import { segmentsApi, waitForIndex } from "./segment-helpers.ts";

afterEach(() => vi.restoreAllMocks());

const T0 = Date.parse("2026-11-20T10:00:00.000Z");
const DAY = 24 * 3600_000;

const seen = (customer: string, at: number): SegmentFact => ({ type: "customer", customer, present: true, at });
const gone = (customer: string, at: number): SegmentFact => ({ type: "customer", customer, present: false, at });
const entered = (customer: string, segment: string, at: number): SegmentFact => ({ type: "membership", customer, segment, member: true, since: at, at });
const left = (customer: string, segment: string, at: number): SegmentFact => ({ type: "membership", customer, segment, member: false, since: at, at });

const message = (workspaceId: string, facts: SegmentFact[]): SegmentFactsMessage => ({ v: 1, kind: "segments", workspaceId, facts });
const deliver = (bodies: SegmentFactsMessage[], attempts = 1) => deliverQueueBatch("seam-events", bodies, attempts, bodies.map((_, i) => `${uid("m")}-${i}`));

/** Customer keys, at least two in each shard. */
function customersOnEveryShard(): string[] {
  const keys: string[] = [];
  const perShard = new Map<number, number>();
  for (let i = 0; [...perShard.values()].filter((n) => n >= 2).length < INDEX_SHARDS; i++) {
    const key = `a:${uid("c")}-${i}`;
    const shard = indexShardOf(key);
    if ((perShard.get(shard) ?? 0) >= 2) continue;
    perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    keys.push(key);
  }
  return keys;
}

describe("index shards", () => {
  it("fold a batch's facts with one call per shard and no D1 at all, and the reads merge the shards", async () => {
    const ws = uid("ws");
    const keys = customersOnEveryShard();
    const named: string[] = [];
    const getByName = env.INDEX_SHARDS.getByName.bind(env.INDEX_SHARDS);
    vi.spyOn(env.INDEX_SHARDS, "getByName").mockImplementation((name) => (named.push(name), getByName(name)));
    const down = () => {
      throw new Error("D1_ERROR: database unavailable");
    };
    const prepare = vi.spyOn(env.DB, "prepare").mockImplementation(down);
    const d1Batch = vi.spyOn(env.DB, "batch").mockImplementation(down);

    // Three messages, each with customers of several shards; the buyers (even) are in `vip`.
    const facts = keys.map((key, i) => [seen(key, T0 + i), ...(i % 2 === 0 ? [entered(key, "vip", T0 + i)] : [])]);
    const bodies = [message(ws, facts.slice(0, 3).flat()), message(ws, facts.slice(3, 6).flat()), message(ws, facts.slice(6).flat())];
    const result = await deliver(bodies);
    expect(result.explicitAcks).toHaveLength(bodies.length);
    expect(result.retryMessages).toEqual([]);
    expect(prepare).not.toHaveBeenCalled();
    expect(d1Batch).not.toHaveBeenCalled();
    // One call per shard for the whole batch.
    expect(named.sort()).toEqual(Array.from({ length: INDEX_SHARDS }, (_, i) => indexShardName(ws, i)).sort());
    vi.restoreAllMocks();

    const sorted = [...keys].sort();
    const vip = keys.filter((_, i) => i % 2 === 0).sort();
    expect(await countCustomers(env, ws)).toBe(keys.length);
    // Pages by profile key across the shards: every customer once, in order, the cursor continuing.
    const first = await customerPage(env, ws, null, 3);
    const rest = await customerPage(env, ws, first.at(-1)!.profile_key, 100);
    expect([...first, ...rest].map((r) => r.profile_key)).toEqual(sorted);
    expect(first[0]).toEqual({ profile_key: sorted[0], seen_at: T0 + keys.indexOf(sorted[0]!) });
    expect((await segmentMembers(env, ws, "vip", null, 100)).map((r) => r.profile_key)).toEqual(vip);
    expect((await segmentMembers(env, ws, "vip", vip[1]!, 2)).map((r) => r.profile_key)).toEqual(vip.slice(2, 4));
    expect((await segmentSizes(env, ws)).get("vip")).toBe(vip.length);
    expect([...(await membersAmong(env, ws, "vip", keys)).keys()].sort()).toEqual(vip);
    expect([...(await indexedCustomers(env, ws, [keys[0]!, "a:nobody"])).keys()]).toEqual([keys[0]]);
    expect(await segmentChanges(env, ws, "vip", "2026-11-01")).toEqual([{ day: "2026-11-20", entered: vip.length, exited: 0 }]);
  });

  it("keep the latest fact whatever the delivery order, count a day's change once, and change nothing on redelivery", async () => {
    const ws = uid("ws");
    const [c1, c2] = [`a:${uid("x")}`, `a:${uid("y")}`];
    // c1 entered on day 1, left on day 2, came back on day 3; c2 left on day 2 and its older entry arrives late.
    const day1 = [seen(c1, T0), entered(c1, "cart", T0), seen(c2, T0)];
    const day2 = [left(c1, "cart", T0 + DAY), left(c2, "cart", T0 + DAY + 5)];
    const day3 = [entered(c1, "cart", T0 + 2 * DAY)];
    const lateEntry = [entered(c2, "cart", T0 + DAY)];

    const state = async () => ({
      members: await segmentMembers(env, ws, "cart", null, 100),
      size: (await segmentSizes(env, ws)).get("cart") ?? 0,
      changes: await segmentChanges(env, ws, "cart", "2026-11-01"),
    });
    // Newest first, in separate batches.
    for (const facts of [day3, day2, lateEntry, day1]) expect((await deliver([message(ws, facts)])).retryMessages).toEqual([]);
    const once = await state();
    expect(once.members).toEqual([{ profile_key: c1, since: T0 + 2 * DAY }]);
    expect(once.size).toBe(1);
    // Only the facts that changed the index counted: c1's day-3 entry (the first to arrive); the
    // older entry and exit found a later fact in place. c2 never became a member.
    expect(once.changes).toEqual([{ day: "2026-11-22", entered: 1, exited: 0 }]);

    // Everything again, in one batch and in the other order: nothing changes, no count moves.
    expect((await deliver([message(ws, [...day1, ...lateEntry]), message(ws, [...day2, ...day3])], 2)).retryMessages).toEqual([]);
    expect(await state()).toEqual(once);

    // In order, a fresh workspace counts each change: enter, leave, enter again.
    const ordered = uid("ws");
    await deliver([message(ordered, day1), message(ordered, day2), message(ordered, day3)]);
    expect(await segmentChanges(env, ordered, "cart", "2026-11-01")).toEqual([
      { day: "2026-11-20", entered: 1, exited: 0 },
      { day: "2026-11-21", entered: 0, exited: 1 },
      { day: "2026-11-22", entered: 1, exited: 0 },
    ]);
  });

  it("write one billed row per new customer, per membership change and per segment-day of a call; none for a redelivery", async () => {
    const ws = uid("ws");
    const keys = customersOnEveryShard().filter((k) => indexShardOf(k) === 0);
    const stub = env.INDEX_SHARDS.getByName(indexShardName(ws, 0));
    const now = Date.now();
    await stub.apply([], now); // the shard's first call: tables created, the day's prune done
    const facts = keys.flatMap((k) => [seen(k, now), entered(k, "vip", now), entered(k, "cart", now)]);
    // 2 customers, 4 memberships, 2 segment-days.
    expect(await stub.apply(facts, now)).toEqual({ rowsWritten: keys.length * 3 + 2 });
    expect(await stub.apply(facts, now)).toEqual({ rowsWritten: 0 });
    expect(await stub.apply([left(keys[0]!, "vip", now + 1)], now)).toEqual({ rowsWritten: 2 });
  });

  it("keep a merged-away object out of the customers until a later fact brings it back", async () => {
    const ws = uid("ws");
    const c = `a:${uid("m")}`;
    await deliver([message(ws, [gone(c, T0 + 10)])]);
    await deliver([message(ws, [seen(c, T0)])]);
    expect(await countCustomers(env, ws)).toBe(0);
    await deliver([message(ws, [seen(c, T0 + 20)])]);
    expect((await customerPage(env, ws, null, 10)).map((r) => r.profile_key)).toEqual([c]);
  });

  it("retry only the messages whose shard failed; the rest are applied and acked", async () => {
    const ws = uid("ws");
    const keys = customersOnEveryShard();
    const failing = indexShardName(ws, indexShardOf(keys[0]!));
    const getByName = env.INDEX_SHARDS.getByName.bind(env.INDEX_SHARDS);
    vi.spyOn(env.INDEX_SHARDS, "getByName").mockImplementation((name) => {
      const stub = getByName(name);
      if (name !== failing) return stub;
      return new Proxy(stub, {
        get: (target, prop) =>
          prop === "apply"
            ? async () => {
                throw new Error("simulated shard outage");
              }
            : Reflect.get(target, prop),
      });
    });
    const onOther = keys.filter((k) => indexShardName(ws, indexShardOf(k)) !== failing);
    const bodies = [message(ws, [seen(keys[0]!, T0)]), message(ws, onOther.map((k) => seen(k, T0)))];
    const result = await deliverQueueBatch("seam-events", bodies, 1, ["hit", "spared"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["hit"]);
    expect(result.explicitAcks).toEqual(["spared"]);
    expect(await countCustomers(env, ws)).toBe(onOther.length);
  });

  it("prune tombstones past their 30 days once a day, in the call that finds them due", async () => {
    const ws = uid("ws");
    const c = `a:${uid("t")}`;
    const now = Date.now();
    const old = now - INDEX_TOMBSTONE_MS - DAY;
    const stub = env.INDEX_SHARDS.getByName(indexShardName(ws, indexShardOf(c)));
    const rows = () =>
      runInDurableObject(stub, (_, state) => ({
        members: state.storage.sql.exec(`SELECT COUNT(*) AS n FROM members`).one().n,
        customers: state.storage.sql.exec(`SELECT COUNT(*) AS n FROM customers`).one().n,
      }));
    // The shard's first call prunes (nothing yet); tombstones written later that day wait for the next day's.
    await stub.apply([], now);
    await stub.apply([seen(c, old - 20), entered(c, "vip", old - 10), left(c, "vip", old), gone(c, old)], now + 1000);
    expect(await rows()).toEqual({ members: 1, customers: 1 });
    expect(await countCustomers(env, ws)).toBe(0);
    await stub.apply([], now + 25 * 3600_000);
    expect(await rows()).toEqual({ members: 0, customers: 0 });
  });

  it("erase a deleted customer's rows in its shard, and a deleted segment's in every shard, tombstones and counts too", async () => {
    const ws = await messagingWorkspace();
    const [gone, kept] = [uid("gone"), uid("kept")];
    for (const id of [gone, kept]) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, total: 30 })], ws.writeKey);
    await waitForIndex(ws, "recent_buyers", [gone, kept], [gone, kept]);
    expect((await segmentsApi(ws, "PUT", "/buyers", { rule: { bought: {} } })).status).toBe(201);
    await waitForIndex(ws, "buyers", [gone, kept], [gone, kept]);

    /** Every row any shard of the workspace holds that names `text` (a profile key or a segment). */
    const rowsNaming = async (text: string) => {
      const found: unknown[] = [];
      for (let i = 0; i < INDEX_SHARDS; i++)
        found.push(
          ...(await runInDurableObject(env.INDEX_SHARDS.getByName(indexShardName(ws.id, i)), (_, state) => [
            ...state.storage.sql.exec(`SELECT * FROM customers WHERE profile_key = ?`, text).toArray(),
            ...state.storage.sql.exec(`SELECT * FROM members WHERE profile_key = ? OR segment = ?`, text, text).toArray(),
            ...state.storage.sql.exec(`SELECT * FROM changes WHERE segment = ?`, text).toArray(),
          ])),
        );
      return found;
    };
    expect(await rowsNaming(`a:${gone}`)).not.toEqual([]);
    const erased = await request(`/v1/customers/${gone}`, { method: "DELETE", headers: { authorization: `Bearer ${ws.secretKey}` } });
    expect(await erased.json()).toEqual({ deleted: true });
    expect(await rowsNaming(`a:${gone}`)).toEqual([]);
    expect(await rowsNaming(`a:${kept}`)).not.toEqual([]);

    expect(await rowsNaming("buyers")).not.toEqual([]);
    expect((await segmentsApi(ws, "DELETE", "/buyers")).body).toEqual({ deleted: true });
    expect(await rowsNaming("buyers")).toEqual([]);
    expect((await segmentsApi(ws, "GET", "")).body.segments.find((s: { id: string }) => s.id === "recent_buyers").size).toBe(1);
    for (const id of [gone, kept]) await clearAlarm(ws, `a:${id}`);
  });
});
