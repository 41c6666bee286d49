// Reading what the recommendation shards and the KV pages hold, as the worker itself reads them.
import { env } from "cloudflare:workers";
import { allShards, DEFAULT_RECS_SHARDS, recsShard, recsShardOf } from "../src/recs-shards/client.ts";
import type { ItemRecord } from "../src/recs-shards/item-record.ts";
import type { EdgeNeighbours } from "../src/recs/edge.ts";
import type { NeighbourList } from "../src/recs/neighbours.ts";
import { forgetCachedLookups, kvLookups } from "../src/stores/recs-lookups.ts";

/** What the workspace's shards hold, added up (each shard folds its logged calls first). */
export async function shardTotals(workspaceId: string, shards = DEFAULT_RECS_SHARDS): Promise<{ items: number; interestEntries: number; profiles: Set<string> }> {
  const summaries = await Promise.all(allShards(env, workspaceId, shards).map((shard) => shard.summary()));
  return {
    items: summaries.reduce((n, s) => n + s.items, 0),
    interestEntries: summaries.reduce((n, s) => n + s.interestEntries, 0),
    profiles: new Set(summaries.flatMap((s) => s.profiles)),
  };
}

/** Items the workspace's shards hold. */
export async function shardItemCount(workspaceId: string): Promise<number> {
  return (await shardTotals(workspaceId)).items;
}

/** An item's lists as the recommendations read them (its KV page), not a cached copy. */
export async function servedLists(workspaceId: string, item: string): Promise<EdgeNeighbours | undefined> {
  forgetCachedLookups();
  return kvLookups(env.RECS_KV, workspaceId).neighbours(item);
}

/** Trending of a category ("" = the whole store) as the recommendations read it. */
export async function servedTrending(workspaceId: string, category = ""): Promise<NeighbourList> {
  forgetCachedLookups();
  return kvLookups(env.RECS_KV, workspaceId).trending(category);
}

/** Items' sums as their shards store them (absent items left out). */
export async function shardRecords(workspaceId: string, items: string[], shards = DEFAULT_RECS_SHARDS): Promise<Record<string, ItemRecord>> {
  const answers = await Promise.all(items.map((item) => recsShard(env, workspaceId, recsShardOf(item, shards)).inspect([item])));
  return Object.assign({}, ...answers) as Record<string, ItemRecord>;
}
