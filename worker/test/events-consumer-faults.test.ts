// The events consumer failing halfway through a batch, or with D1 down, and the batch redelivered:
// the aggregates end up exactly as after one clean delivery (each fact folded once), and the
// retry waits (backoff) instead of spending every attempt within the same outage.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage, ItemFact } from "../src/facts.ts";
import { eventsRetryDelaySeconds } from "../src/queues/events.ts";
import { deliverQueueBatch, uid } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

const T0 = Date.parse("2026-11-20T10:00:00.000Z");

function facts(prefix: string): ItemFact[] {
  const customer = `a:${prefix}`;
  const session = `${customer}#1`;
  const fact = (kind: ItemFact["kind"], item: string, minute: number): ItemFact => ({
    kind, item, category: "Tents", customer, session, ts: T0 + minute * 60_000, channel: "web", messageId: `${prefix}-${kind}-${item}-${minute}`,
  });
  return [fact("view", "tent", 0), fact("view", "mat", 1), fact("view", "stove", 2), fact("cart", "tent", 3), fact("cart", "mat", 4), fact("buy", "tent", 5), fact("buy", "mat", 5)];
}

/** Delivers the facts of one workspace as a queue batch (two messages) and answers what the consumer did with it. */
async function deliver(workspaceId: string, list: ItemFact[], attempts = 1) {
  const bodies: EventsQueueMessage[] = [
    { v: 1, workspaceId, facts: list.slice(0, 4) },
    { v: 1, workspaceId, facts: list.slice(4) },
  ];
  const result = await deliverQueueBatch("seam-events", bodies, attempts, [`${workspaceId}-0`, `${workspaceId}-1`]);
  return { acked: result.ackAll, retryDelay: result.retryAllDelay };
}

/** What the folds wrote for a workspace, without the workspace: comparable across workspaces. */
async function aggregates(workspaceId: string) {
  const [stats, pairs, interest] = await env.DB.batch([
    env.DB.prepare(`SELECT item, category, views, carts, buys, popularity FROM item_stats WHERE workspace_id = ? ORDER BY item`).bind(workspaceId),
    env.DB.prepare(`SELECT kind, relation, item, other, weight FROM item_pairs WHERE workspace_id = ? ORDER BY kind, relation, item, other`).bind(workspaceId),
    env.DB.prepare(`SELECT product_id, viewed_at, carted_at, bought_at FROM product_interest WHERE workspace_id = ? ORDER BY product_id`).bind(workspaceId),
  ]);
  return { stats: stats!.results, pairs: pairs!.results, interest: interest!.results };
}

describe("events consumer under faults", () => {
  it("folds a batch that failed after its first write exactly once when it is redelivered", async () => {
    const clean = uid("clean-ws");
    expect(await deliver(clean, facts("shopper"))).toEqual({ acked: true, retryDelay: undefined });
    const expected = await aggregates(clean);
    expect(expected.stats.length).toBe(3);
    expect(expected.pairs.length).toBeGreaterThan(0);

    // The aggregate fold commits, then the product-interest write fails: the consumer is halfway through.
    const faulted = uid("faulted-ws");
    const prepare = env.DB.prepare.bind(env.DB);
    const spy = vi.spyOn(env.DB, "prepare").mockImplementation((sql) => {
      if (sql.includes("product_interest")) throw new Error("D1_ERROR: simulated failure");
      return prepare(sql);
    });
    expect(await deliver(faulted, facts("shopper"))).toEqual({ acked: false, retryDelay: eventsRetryDelaySeconds(1) });
    spy.mockRestore();

    // Redelivered (twice, as at-least-once allows): the same sums as one clean delivery.
    expect(await deliver(faulted, facts("shopper"), 2)).toMatchObject({ acked: true });
    expect(await deliver(faulted, facts("shopper"), 3)).toMatchObject({ acked: true });
    expect(await aggregates(faulted)).toEqual(expected);
  });

  it("rides out D1 being down: the batch waits with growing delays, then catches up", async () => {
    const clean = uid("clean-ws");
    await deliver(clean, facts("buyer"));
    const faulted = uid("down-ws");
    const down = () => {
      throw new Error("D1_ERROR: database unavailable");
    };
    vi.spyOn(env.DB, "prepare").mockImplementation(down);
    vi.spyOn(env.DB, "batch").mockImplementation(down);
    const delays = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await deliver(faulted, facts("buyer"), attempt);
      expect(outcome.acked).toBe(false);
      delays.push(outcome.retryDelay);
    }
    expect(delays).toEqual([5, 10, 20]);
    vi.restoreAllMocks();
    expect(await aggregates(faulted)).toEqual({ stats: [], pairs: [], interest: [] });
    expect(await deliver(faulted, facts("buyer"), 4)).toMatchObject({ acked: true });
    expect(await aggregates(faulted)).toEqual(await aggregates(clean));
  });
});
