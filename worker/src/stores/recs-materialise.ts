// The cron's job: turn the recommendation shards' changed items into the KV lists the recommendations
// read, writing a packed page or the trending value only when it actually changed.
import type { Env } from "../env.ts";
import {
  neighboursPageKey,
  neighboursPageOf,
  TRENDING_SIZE,
  trendingKey,
  type EdgeNeighbours,
  type NeighbourPage,
  type TrendingLists,
} from "../recs/edge.ts";
import { SESSION_BLEND } from "../recs/recommenders.ts";
import { relatedItems } from "../recs/train.ts";
import { publishLookupsVersion } from "./recs-lookups.ts";
import { allShards, recsShard, recsShardCount } from "../recs-shards/client.ts";
import type { ShardTrending } from "../recs-shards/RecsShardDO.ts";

/** Changed items materialised per shard per run; the rest wait for the next run. */
export const MATERIALISE_BATCH = 2000;
/** Workspaces materialised at once (each asks its shards in parallel). */
const WORKSPACES_AT_ONCE = 8;

export interface MaterialiseReport {
  workspaces: number;
  items: number;
  /** KV values written (pages and trending): the cost, as opposed to the items they hold. */
  writes: number;
}

/** KV pages of this run, read once each: the base the changed lists are patched into. */
class Pages {
  private readonly loaded = new Map<number, Promise<NeighbourPage>>();
  private readonly kv: KVNamespace;
  private readonly workspaceId: string;

  constructor(kv: KVNamespace, workspaceId: string) {
    this.kv = kv;
    this.workspaceId = workspaceId;
  }

  get(page: number): Promise<NeighbourPage> {
    let value = this.loaded.get(page);
    if (!value) {
      value = this.kv.get<NeighbourPage>(neighboursPageKey(this.workspaceId, page), "json").then((v) => v ?? {});
      this.loaded.set(page, value);
    }
    return value;
  }

  async lists(item: string): Promise<EdgeNeighbours | undefined> {
    const page = await this.get(neighboursPageOf(item));
    return Object.hasOwn(page, item) ? page[item] : undefined;
  }
}

/** Writes `value` under `key` unless KV already holds exactly that (a KV write costs ten reads). */
async function putIfChanged(kv: KVNamespace, key: string, value: string, current?: string | null): Promise<boolean> {
  if ((current === undefined ? await kv.get(key) : current) === value) return false;
  await kv.put(key, value);
  return true;
}

/** A run holds the workspace this long at most: the cron runs every 10 minutes. */
const MATERIALISE_LEASE_MS = 5 * 60_000;

/** One run per workspace at a time (shard 0 holds the lease): a run that overlaps another skips it. */
async function materialiseWorkspace(env: Env, workspaceId: string, shardCount: number, now: number): Promise<{ items: number; writes: number }> {
  const lead = recsShard(env, workspaceId, 0);
  if (!(await lead.claimMaterialisation(MATERIALISE_LEASE_MS))) return { items: 0, writes: 0 };
  try {
    return await materialiseClaimed(env, workspaceId, shardCount, now);
  } finally {
    await lead.releaseMaterialisation();
  }
}

async function materialiseClaimed(env: Env, workspaceId: string, shardCount: number, now: number): Promise<{ items: number; writes: number }> {
  const shards = allShards(env, workspaceId, shardCount);
  // Each shard first hands over the items it no longer owns (N grew), then answers its changed lists.
  const answers = await Promise.all(shards.map((shard, self) => shard.changedLists(now, MATERIALISE_BATCH, { workspaceId, self, shards: shardCount })));
  const fresh = new Map<string, EdgeNeighbours>(answers.flatMap((a) => a.lists.map(({ item, lists }) => [item, lists] as const)));
  if (fresh.size === 0) return { items: 0, writes: 0 };
  const pages = new Pages(env.RECS_KV, workspaceId);

  // Two-hop lists need the direct lists of every neighbour: fresh ones from this run, else KV's.
  if (SESSION_BLEND.training.related) {
    const graph = new Map<string, EdgeNeighbours>(fresh);
    const missing = new Set<string>();
    for (const lists of fresh.values())
      for (const { item } of [...(lists.later ?? []), ...(lists.earlier ?? [])]) if (!graph.has(item)) missing.add(item);
    await Promise.all(
      [...missing].map(async (item) => {
        const lists = await pages.lists(item);
        if (lists) graph.set(item, lists);
      }),
    );
    const related = relatedItems(graph, SESSION_BLEND.training.related.topK);
    for (const [item, lists] of fresh) {
      const list = related.get(item);
      if (list) lists.related = list;
    }
  }

  const byPage = new Map<number, [string, EdgeNeighbours][]>();
  for (const entry of fresh) {
    const page = neighboursPageOf(entry[0]);
    const list = byPage.get(page) ?? [];
    list.push(entry);
    byPage.set(page, list);
  }
  const written = await Promise.all(
    [...byPage].map(async ([page, entries]) => {
      const value = { ...(await pages.get(page)) };
      const before = JSON.stringify(value);
      for (const [item, lists] of entries) value[item] = lists;
      return putIfChanged(env.RECS_KV, neighboursPageKey(workspaceId, page), JSON.stringify(value), before);
    }),
  );
  // Only now, with the lists in KV: an item that changed again meanwhile stays changed.
  await Promise.all(shards.map((shard, i) => shard.markMaterialised(answers[i]!.lists.map(({ item }) => item), answers[i]!.generation)));
  const trending = await writeTrending(env, workspaceId, await Promise.all(shards.map((shard) => shard.trending())));
  const writes = written.filter(Boolean).length + (trending ? 1 : 0);
  // Isolates keep what they read under the lookups version: a new one makes them read the new lists.
  if (writes > 0) await publishLookupsVersion(env.RECS_KV, workspaceId, now, "lists");
  return { items: fresh.size, writes };
}

/**
 * Trending of every category and of the whole store, merged from the shards' top lists (each shard's
 * top TRENDING_SIZE per category holds every item of the merged top): most popular first, ties by item.
 */
export function mergeTrending(shards: readonly ShardTrending[]): TrendingLists {
  const merged: Record<string, { item: string; popularity: number }[]> = {};
  for (const shard of shards) for (const [category, list] of Object.entries(shard)) (merged[category] ??= []).push(...list);
  const lists: TrendingLists = {};
  for (const [category, list] of Object.entries(merged)) {
    const top = list.sort((a, b) => b.popularity - a.popularity || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0)).slice(0, TRENDING_SIZE);
    const best = top[0]?.popularity ?? 0;
    lists[category] = best > 0 ? top.map(({ item, popularity }) => ({ item, score: popularity / best })) : [];
  }
  return lists;
}

async function writeTrending(env: Env, workspaceId: string, shards: readonly ShardTrending[]): Promise<boolean> {
  return putIfChanged(env.RECS_KV, trendingKey(workspaceId), JSON.stringify(mergeTrending(shards)));
}

/** Materialises every workspace's changed items (up to MATERIALISE_BATCH per shard each). */
export async function materialiseRecommendations(env: Env, now: number): Promise<MaterialiseReport> {
  // The workspaces table is configuration (a row per store), not the event path.
  const { results } = await env.DB.prepare(`SELECT id, settings FROM workspaces`).all<{ id: string; settings: string }>();
  const report: MaterialiseReport = { workspaces: 0, items: 0, writes: 0 };
  for (let i = 0; i < results.length; i += WORKSPACES_AT_ONCE) {
    const done = await Promise.all(results.slice(i, i + WORKSPACES_AT_ONCE).map(({ id, settings }) => materialiseWorkspace(env, id, recsShardCount(JSON.parse(settings) as Record<string, unknown>), now)));
    for (const { items, writes } of done) {
      if (items === 0) continue;
      report.workspaces += 1;
      report.items += items;
      report.writes += writes;
    }
  }
  return report;
}
