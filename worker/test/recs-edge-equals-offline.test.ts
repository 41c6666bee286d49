// Exactness: real sessions (the first rsc15-64 training sessions) pushed through the worker path —
// ingest, the customer objects (which count the pairs), the events queue, the shards, the cron — give every item the very
// lists in KV that worker/src/recs' offline core trains from the same clicks, tie order included.
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { SESSION_BLEND } from "../src/recs/recommenders.ts";
import { trainNeighbours, type ItemNeighbours, type Relation } from "../src/recs/train.ts";
import { batch, createWorkspace } from "./helpers.ts";
import { servedLists, shardItemCount } from "./recs-helpers.ts";

const handler = worker as ExportedHandler<typeof env>;
const RELATIONS: Relation[] = ["successors", "later", "earlier", "related"];
const SESSION_SPACING_MS = 60 * 60_000;
const MAX_GAP_MS = 60_000;

describe("edge lists equal the offline core's", () => {
  it("for every item of a slice of real sessions", { timeout: 120_000 }, async () => {
    const sessions = JSON.parse(env.TEST_RECS_SESSIONS) as [string, number][][];
    expect(sessions.length).toBeGreaterThanOrEqual(50);
    const { workspace, keys } = await createWorkspace({ name: "recs exactness" });
    // The 2014 clicks moved to the past days, each session an hour after the one before, its own gaps
    // kept up to MAX_GAP_MS: a longer pause would start a new session in the customer's object.
    const start = Date.now() - sessions.length * SESSION_SPACING_MS;
    const timed = sessions.map((clicks, s) => {
      let ms = start + s * SESSION_SPACING_MS;
      return clicks.map(([item, t], i) => {
        if (i > 0) ms += Math.min(MAX_GAP_MS, Math.round((t - clicks[i - 1]![1]) * 1000));
        return { item, ms };
      });
    });
    for (const [s, clicks] of timed.entries()) {
      const events = clicks.map(({ item, ms }, i) => ({
        type: "track",
        event: "Product Viewed",
        anonymousId: `exact-${s}`,
        messageId: `exact-${s}-${i}`,
        timestamp: new Date(ms).toISOString(),
        properties: { product_id: item },
      }));
      expect((await batch(events, keys.write_key)).status).toBe(200);
    }
    const items = new Set(timed.flat().map((c) => c.item));
    await vi.waitUntil(async () => (await shardItemCount(workspace.id)) === items.size, { timeout: 60_000, interval: 100 });
    const now = Date.now();
    await handler.scheduled!(createScheduledController({ scheduledTime: now, cron: "*/10 * * * *" }), env, createExecutionContext());

    const offline = trainNeighbours(
      timed.map((clicks) => ({ items: clicks.map((c) => c.item), times: clicks.map((c) => c.ms / 1000) })),
      SESSION_BLEND.training,
      now / 1000,
    ).neighbours;
    expect(offline.size).toBe(items.size);
    let lists = 0;
    for (const [item, expected] of offline) {
      const edge = (await servedLists(workspace.id, item)) as ItemNeighbours | undefined;
      expect(edge, item).toBeDefined();
      expect(edge!.views).toBeCloseTo(expected.views, 6);
      for (const relation of RELATIONS) {
        const want = expected[relation] ?? [];
        const got = edge![relation] ?? [];
        expect(got.map((n) => n.item), `${item} ${relation}`).toEqual(want.map((n) => n.item));
        got.forEach((n, i) => expect(n.score, `${item} ${relation} ${n.item}`).toBeCloseTo(want[i]!.score, 9));
        if (want.length) lists += 1;
      }
    }
    // The slice exercises every relation: not a comparison of empty lists.
    expect(lists).toBeGreaterThan(items.size);
  });
});
