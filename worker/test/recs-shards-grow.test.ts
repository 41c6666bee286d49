// A workspace's recommendation shard count is a setting that may grow, never shrink: after it grows,
// the cron hands every item to its new shard, nothing is lost or counted twice, the lists stay the
// same, and new facts go to the new shards.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_RECS_SHARDS, recsShardOf } from "../src/recs-shards/client.ts";
import { materialiseRecommendations } from "../src/stores/recs-materialise.ts";
import { ADMIN_TOKEN, batch, createWorkspace, request, trackEvent, uid } from "./helpers.ts";
import { servedLists, shardRecords, shardTotals } from "./recs-helpers.ts";

const RELATIONS = ["successors", "later", "earlier", "related"] as const;

function patchSettings(id: string, settings: Record<string, unknown>) {
  return request(`/admin/workspaces/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ settings }),
  });
}

describe("recommendation shards per workspace", () => {
  it("grow: items move to their new shard with their sums, and the lists stay the same", { timeout: 60_000 }, async () => {
    const { workspace, keys } = await createWorkspace({ name: "shards grow" });
    const items = Array.from({ length: 24 }, (_, i) => `g${i}`);
    const start = Date.now() - 3600_000;
    const events = Array.from({ length: 12 }, (_, s) => {
      const shopper = uid();
      return [0, 1, 2, 3].map((k) =>
        trackEvent(shopper, "Product Viewed", { product_id: items[(s * 3 + k * 5) % items.length], category: "Garden" }, { timestamp: new Date(start + s * 600_000 + k * 1000).toISOString() }),
      );
    }).flat();
    await batch(events, keys.write_key);
    const entries = new Set(events.map((e: any) => `${e.anonymousId} ${e.properties.product_id}`)).size;
    await vi.waitUntil(async () => (await shardTotals(workspace.id)).interestEntries === entries, { timeout: 15_000, interval: 50 });
    await materialiseRecommendations(env, Date.now());
    const held = Object.keys(await shardRecords(workspace.id, items));
    const before = await shardRecords(workspace.id, held);
    const listsBefore = await Promise.all(held.map((item) => servedLists(workspace.id, item)));

    // Never shrink; a patch without the setting keeps it.
    const shrink = await patchSettings(workspace.id, { recsShards: 2 });
    expect(shrink.status).toBe(400);
    expect(((await shrink.json()) as any).error.code).toBe("invalid_settings");
    expect((await patchSettings(workspace.id, { recsShards: 8 })).status).toBe(200);
    const kept = await patchSettings(workspace.id, { firstPartyCookie: true });
    expect(((await kept.json()) as any).workspace.settings.recsShards).toBe(8);
    // Some items change shard under N = 8 (else this test would prove nothing).
    expect(held.some((item) => recsShardOf(item, 8) !== recsShardOf(item, DEFAULT_RECS_SHARDS))).toBe(true);

    await materialiseRecommendations(env, Date.now());
    const totals = await shardTotals(workspace.id, 8);
    expect(totals.items).toBe(held.length);
    expect(totals.interestEntries).toBe(entries);
    expect(await shardRecords(workspace.id, held, 8)).toEqual(before);
    const listsAfter = await Promise.all(held.map((item) => servedLists(workspace.id, item)));
    listsAfter.forEach((lists, i) => {
      for (const relation of RELATIONS) expect(lists?.[relation], `${held[i]} ${relation}`).toEqual(listsBefore[i]?.[relation]);
    });

    // New facts go to the new layout: ingest reads N from the workspace.
    const late = uid();
    await batch([trackEvent(late, "Product Viewed", { product_id: "g-new", category: "Garden" })], keys.write_key);
    await vi.waitUntil(async () => (await shardTotals(workspace.id, 8)).interestEntries === entries + 1, { timeout: 15_000, interval: 50 });
    expect(Object.keys(await shardRecords(workspace.id, ["g-new"], 8))).toEqual(["g-new"]);
  });
});
