// The daily KPI counters apply each fact once: a redelivered queue message (or the same fact twice
// in one batch) changes nothing, and an aggregator shard writes per batch, not per increment.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueuePayload } from "../src/env.ts";
import type { KpiQueueMessage } from "../src/kpis/counters.ts";
import { createWorkspace, deliverQueueBatch, QUEUE_WINDOW_WAIT, request, uid } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** Keeps the KPI messages ingest sends instead of queueing them, so the test delivers them itself. */
function captureKpiMessages(): KpiQueueMessage[] {
  const captured: KpiQueueMessage[] = [];
  const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
  vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
    const rest: MessageSendRequest<EventsQueuePayload>[] = [];
    for (const m of messages) if ("kind" in m.body && m.body.kind === "kpis") captured.push(m.body);
    else rest.push(m);
    return rest.length ? sendBatch(rest, options) : ({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as unknown as QueueSendBatchResponse);
  });
  return captured;
}

async function channelsReport(secretKey: string, day: string) {
  const res = await request(`/v1/reports/channels?from=${day}&to=${day}`, { headers: { authorization: `Bearer ${secretKey}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { rows: { channel: string; touches: number; customers: number }[] }).rows;
}

describe("KPI counters under redelivery", () => {
  it("count a fact once however often the queue delivers it", async () => {
    const { workspace, keys } = await createWorkspace({ name: uid("kpis") });
    const captured = captureKpiMessages();
    const visitor = uid();
    const res = await request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${keys.write_key}:`)}` },
      body: JSON.stringify({
        batch: [{ type: "page", anonymousId: visitor, context: { page: { url: "https://shop.example/?utm_medium=social" }, campaign: { source: "fb", medium: "social", name: "may" } } }],
      }),
    });
    expect(res.status).toBe(200);
    await vi.waitUntil(() => captured.length > 0, QUEUE_WINDOW_WAIT);
    expect(captured.every((m) => m.workspaceId === workspace.id)).toBe(true);
    const day = new Date().toISOString().slice(0, 10);

    expect((await deliverQueueBatch("seam-events", captured, 1, captured.map((_, i) => `k${i}`))).ackAll).toBe(true);
    const once = await channelsReport(keys.secret_key, day);
    expect(once).toEqual([expect.objectContaining({ channel: "social", touches: 1, customers: 1 })]);

    // The same messages again (a retry after a lost ack), and twice within one batch.
    expect((await deliverQueueBatch("seam-events", captured, 2, captured.map((_, i) => `k${i}`))).ackAll).toBe(true);
    expect((await deliverQueueBatch("seam-events", [...captured, ...captured], 3)).ackAll).toBe(true);
    expect(await channelsReport(keys.secret_key, day)).toEqual(once);
  });
});

describe("an aggregator shard", () => {
  it("logs one row per call however many facts and keys, nothing for a fact it applied, and folds once a minute", async () => {
    const shard = env.AGGREGATOR.getByName(`${uid("ws")}:0`);
    const facts = Array.from({ length: 100 }, (_, i) => ({
      id: `fact-${i}`,
      sums: [
        ["k|channel|2026-05-01|web|touches", 1],
        ["k|channel|2026-05-01|web|customers", 1],
        ["k|channel|2026-05-01|email|touches", 2],
      ] as [string, number][],
    }));
    const first = await shard.add(facts);
    expect(first).toEqual({ applied: 100, duplicates: 0, rowsWritten: 1 });
    const again = await shard.add(facts.slice(0, 10));
    expect(again).toEqual({ applied: 0, duplicates: 10, rowsWritten: 0 });
    const range = [{ from: "k|channel|2026-05-01|", to: "k|channel|2026-05-01}" }];
    const expected = {
      "k|channel|2026-05-01|email|touches": 200,
      "k|channel|2026-05-01|web|customers": 100,
      "k|channel|2026-05-01|web|touches": 100,
    };
    const sums = async () => {
      const { keys, values } = await shard.read(range);
      return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    };
    // Logged, not folded yet: reads add the log to the folded sums.
    expect(await sums()).toEqual(expected);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await sums()).toEqual(expected);
    // After the fold, a fact applied before is still known, and new ones add to the folded sums.
    expect(await shard.add(facts.slice(0, 3))).toEqual({ applied: 0, duplicates: 3, rowsWritten: 0 });
    await shard.add([{ id: "fact-next", sums: [["k|channel|2026-05-01|web|touches", 1]] }]);
    expect(await sums()).toEqual({ ...expected, "k|channel|2026-05-01|web|touches": 101 });
  });

  it("shares one write among calls that arrive together", async () => {
    const shard = env.AGGREGATOR.getByName(`${uid("ws")}:1`);
    const call = (i: number) => shard.add([{ id: `c-${i}`, sums: [["k|funnel|2026-05-01|views|customers", 1]] }]);
    const results = await Promise.all([call(1), call(2), call(3), call(4)]);
    expect(results.map((r) => r.applied)).toEqual([1, 1, 1, 1]);
    // Each call reports the rows of the write that carried it: calls that arrived together share one logged row.
    expect(results.every((r) => r.rowsWritten === 1)).toBe(true);
    const { values } = await shard.read([{ from: "k|funnel|", to: "k|funnel}" }]);
    expect(values).toEqual([4]);
  });

  it("refuses a malformed call and changes nothing", async () => {
    const shard = env.AGGREGATOR.getByName(`${uid("ws")}:2`);
    expect(await shard.add([{ id: "", sums: [] }])).toEqual({ applied: 0, duplicates: 0, rowsWritten: 0, invalid: true });
    expect(await shard.add([{ id: "x", sums: [["k", Number.NaN]] }])).toMatchObject({ invalid: true });
    expect((await shard.read([{ from: "", to: "\uffff" }])).keys).toEqual([]);
  });
});
