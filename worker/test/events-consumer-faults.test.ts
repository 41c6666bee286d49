// The events consumer failing halfway through a batch (one recommendation shard down), or with every
// shard down, and the batch redelivered: the shards' sums end up exactly as after one clean delivery
// (each message applied once per shard), and the retry waits (backoff) instead of spending every
// attempt within the same outage.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventsQueueMessage, ItemFact } from "../src/facts.ts";
import { eventsRetryDelaySeconds } from "../src/queues/events.ts";
import { DEFAULT_RECS_SHARDS, recsShardOf } from "../src/recs-shards/client.ts";
import { deliverQueueBatch, uid } from "./helpers.ts";
import { shardRecords } from "./recs-helpers.ts";

afterEach(() => vi.restoreAllMocks());

const T0 = Date.parse("2026-11-20T10:00:00.000Z");

function facts(prefix: string): ItemFact[] {
  const customer = `a:${prefix}`;
  const session = `${customer}#1`;
  const fact = (kind: ItemFact["kind"], item: string, minute: number, pairs?: ItemFact["pairs"]): ItemFact => ({
    kind, item, category: "Tents", customer, session, ts: T0 + minute * 60_000, channel: "web", messageId: `${prefix}-${kind}-${item}-${minute}`, ...(pairs ? { pairs } : {}),
  });
  // The pairs as the customer's object counts them (customer/session-pairs.ts), so every shard gets some.
  return [
    fact("view", "tent", 0),
    fact("view", "mat", 1, [["successors", "tent", "mat", 1], ["later", "tent", "mat", 1], ["earlier", "mat", "tent", 1]]),
    fact("view", "stove", 2, [["successors", "tent", "stove", 0.25], ["successors", "mat", "stove", 1], ["earlier", "stove", "mat", 1]]),
    fact("cart", "tent", 3),
    fact("cart", "mat", 4, [["cartedTogether", "tent", "mat", 1], ["cartedTogether", "mat", "tent", 1]]),
    fact("buy", "tent", 5),
    fact("buy", "mat", 5, [["boughtTogether", "tent", "mat", 1], ["boughtTogether", "mat", "tent", 1]]),
  ];
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

const ITEMS = ["tent", "mat", "stove"];

/** What the shards hold for a workspace's items: comparable across workspaces. */
const aggregates = (workspaceId: string) => shardRecords(workspaceId, ITEMS);

/** Makes the shards' `add` throw, for every shard or only the one holding `item`. */
function shardsDown(only?: string) {
  const getByName = env.RECS_SHARDS.getByName.bind(env.RECS_SHARDS);
  return vi.spyOn(env.RECS_SHARDS, "getByName").mockImplementation((name) => {
    const stub = getByName(name);
    if (only !== undefined && !name.endsWith(`:${recsShardOf(only, DEFAULT_RECS_SHARDS)}`)) return stub;
    return new Proxy(stub, {
      get: (target, prop) =>
        prop === "add"
          ? async () => {
              throw new Error("simulated shard outage");
            }
          : Reflect.get(target, prop),
    });
  });
}

describe("events consumer under faults", () => {
  it("applies a batch that one shard failed exactly once when it is redelivered", async () => {
    const clean = uid("clean-ws");
    expect(await deliver(clean, facts("shopper"))).toEqual({ acked: true, retryDelay: undefined });
    const expected = await aggregates(clean);
    expect(Object.keys(expected).sort()).toEqual(["mat", "stove", "tent"]);
    expect(expected.tent!.pairs.successors).toEqual([["mat", 1], ["stove", 0.25]]);
    // The items live in more than one shard, so the fault below leaves the batch half applied.
    expect(new Set(ITEMS.map((item) => recsShardOf(item, DEFAULT_RECS_SHARDS))).size).toBeGreaterThan(1);

    // The shard of "mat" is down: the other shards apply their parts, the batch is retried.
    const faulted = uid("faulted-ws");
    const spy = shardsDown("mat");
    expect(await deliver(faulted, facts("shopper"))).toEqual({ acked: false, retryDelay: eventsRetryDelaySeconds(1) });
    spy.mockRestore();

    // Redelivered (twice, as at-least-once allows): the same sums as one clean delivery.
    expect(await deliver(faulted, facts("shopper"), 2)).toMatchObject({ acked: true });
    expect(await deliver(faulted, facts("shopper"), 3)).toMatchObject({ acked: true });
    expect(await aggregates(faulted)).toEqual(expected);
  });

  it("rides out the shards being down: the batch waits with growing delays, then catches up", async () => {
    const clean = uid("clean-ws");
    await deliver(clean, facts("buyer"));
    const faulted = uid("down-ws");
    shardsDown();
    const delays = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await deliver(faulted, facts("buyer"), attempt);
      expect(outcome.acked).toBe(false);
      delays.push(outcome.retryDelay);
    }
    expect(delays).toEqual([5, 10, 20]);
    vi.restoreAllMocks();
    expect(await aggregates(faulted)).toEqual({});
    expect(await deliver(faulted, facts("buyer"), 4)).toMatchObject({ acked: true });
    expect(await aggregates(faulted)).toEqual(await aggregates(clean));
  });
});
