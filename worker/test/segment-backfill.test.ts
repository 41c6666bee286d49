// A new or changed segment is back-filled over the existing customers: page by page from a cursor
// in D1, progress visible, a lost page message resumed by the cron, a redelivered or doubled page
// never counting a customer twice, a newer version restarting the job.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SegmentBackfillMessage } from "../src/segments/facts.ts";
import { BACKFILL_STALL_MS, resumeStalledBackfills, runBackfillPage } from "../src/stores/segment-backfill.ts";
import { batch, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, messagingWorkspace } from "./messaging-helpers.ts";
import { segmentsApi, waitForCustomers, waitForIndex } from "./segment-helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** Back-fill page messages the worker sends are caught here instead of reaching the queue: "lost". */
function losePageMessages(): SegmentBackfillMessage[] {
  const lost: SegmentBackfillMessage[] = [];
  const send = env.EVENTS.send.bind(env.EVENTS);
  vi.spyOn(env.EVENTS, "send").mockImplementation(async (body, options) => {
    if ((body as { kind?: string }).kind === "segment_backfill") {
      lost.push(body as SegmentBackfillMessage);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendResponse;
    }
    return send(body, options);
  });
  return lost;
}

const progress = async (ws: { secretKey: string }, id: string) => (await segmentsApi(ws, "GET", `/${id}`)).body.segment.backfill;

describe("segment back-fill", () => {
  it("evaluates every existing customer page by page, resumes after its page message is lost, and counts each customer once", async () => {
    const ws = await messagingWorkspace();
    const bagBuyers = [uid("bag"), uid("bag"), uid("bag")];
    const others = [uid("shoe"), uid("none")];
    for (const id of bagBuyers) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, products: [{ product_id: "tote", category: "Bags" }] })], ws.writeKey);
    await batch([trackEvent(others[0]!, "Order Completed", { order_id: "o-s", products: [{ product_id: "boot", category: "Shoes" }] })], ws.writeKey);
    await batch([trackEvent(others[1]!, "Product Viewed", { product_id: "tote" })], ws.writeKey);
    const everyone = [...bagBuyers, ...others];
    await waitForCustomers(ws, everyone);

    const lost = losePageMessages();
    const created = await segmentsApi(ws, "PUT", "/bag_buyers", { rule: { bought: { category: "bags" } } });
    expect(created.status).toBe(201);
    expect(created.body.segment.backfill).toMatchObject({ status: "running", version: 1, processed: 0, total: 5 });
    expect(lost).toEqual([{ v: 1, kind: "segment_backfill", workspaceId: ws.id, segmentId: "bag_buyers", version: 1 }]);

    // One page of two, by hand: the job's cursor moves, its next page message is lost too.
    expect(await runBackfillPage(env, lost[0]!, Date.now(), 2)).toBe("continued");
    expect(await progress(ws, "bag_buyers")).toMatchObject({ status: "running", processed: 2, total: 5 });
    expect(lost).toHaveLength(2);

    // The same page delivered twice at once: one moves the cursor, the other stops ("stale"), nothing is counted twice.
    const outcomes = await Promise.all([runBackfillPage(env, lost[1]!, Date.now(), 2), runBackfillPage(env, lost[1]!, Date.now(), 2)]);
    expect(outcomes.sort()).toEqual(["continued", "stale"]);
    expect(await progress(ws, "bag_buyers")).toMatchObject({ status: "running", processed: 4 });

    // Nothing moves it now (its page message is lost) until the cron finds it stalled and sends another.
    vi.restoreAllMocks();
    expect(await resumeStalledBackfills(env, Date.now())).toBe(0);
    expect(await resumeStalledBackfills(env, Date.now() + BACKFILL_STALL_MS + 1)).toBeGreaterThanOrEqual(1);
    await vi.waitUntil(async () => (await progress(ws, "bag_buyers")).status === "done", { timeout: 5000 });
    expect(await progress(ws, "bag_buyers")).toMatchObject({ status: "done", processed: 5, total: 5, finished_at: expect.any(String) });
    await waitForIndex(ws, "bag_buyers", everyone, bagBuyers);
    expect((await segmentsApi(ws, "GET", "/bag_buyers")).body.segment.size).toBe(3);
    // A page message of a finished job changes nothing.
    expect(await runBackfillPage(env, lost[0]!, Date.now(), 2)).toBe("stale");
    for (const id of everyone) await clearAlarm(ws, `a:${id}`);
  });

  it("a changed rule restarts the job under its new version; the old version's pages stop", async () => {
    const ws = await messagingWorkspace();
    const buyers = [uid("x"), uid("y")];
    for (const id of buyers) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, total: id === buyers[0] ? 50 : 500 })], ws.writeKey);
    await waitForCustomers(ws, buyers);
    const lost = losePageMessages();
    await segmentsApi(ws, "PUT", "/spenders", { rule: { spend: { gte: 40 } } });
    const changed = await segmentsApi(ws, "PUT", "/spenders", { rule: { spend: { gte: 400 } } });
    expect(changed.body.segment).toMatchObject({ version: 2, backfill: { status: "running", version: 2, processed: 0, total: 2 } });
    expect(await runBackfillPage(env, lost[0]!, Date.now())).toBe("stale");
    expect(await runBackfillPage(env, lost[1]!, Date.now())).toBe("done");
    await waitForIndex(ws, "spenders", buyers, [buyers[1]!]);
    // A built-in's new params are back-filled the same way.
    const tuned = await segmentsApi(ws, "PUT", "/high_value", { params: { min_spend: 40 } });
    expect(tuned.body.segment.backfill).toMatchObject({ version: 1, status: "running" });
    expect(await runBackfillPage(env, lost[2]!, Date.now())).toBe("done");
    await waitForIndex(ws, "high_value", buyers, buyers);
    for (const id of buyers) await clearAlarm(ws, `a:${id}`);
  });
});
