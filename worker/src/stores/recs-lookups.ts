// Recommendation lookups at the edge: KV lists and product cards behind the isolate cache.
import { cardKey, newestKey, type ProductCard } from "../catalog/product.ts";
import { neighboursPageKey, neighboursPageOf, trendingKey, type NeighbourPage, type TrendingLists } from "../recs/edge.ts";
import type { RecsLookups } from "../recs/serve.ts";
import { TtlCache } from "../ttl-cache.ts";

/**
 * Every writer of a workspace's lookups (catalog imports: cards and newest lists; the cron: neighbour
 * and trending lists) publishes a new version (`lookups:${workspace}`) after writing. An isolate reads
 * the version at most once a minute and keeps each value under the version it was read at, so
 * between two writes a warm isolate answers from memory instead of KV (a KV read costs a tenth of a
 * write, and a recommendation answer reads a dozen keys), and a write reaches every isolate within a
 * minute, as fast as KV itself propagates it.
 */
const VERSION_TTL_MS = 60_000;
/** Values under one version: long, since a new version replaces them; bounded by the entry cap. */
const VALUE_TTL_MS = 3_600_000;
const CACHE_MAX_ENTRIES = 50_000;
const cache = new TtlCache<unknown>(CACHE_MAX_ENTRIES);

export const lookupsVersionKey = (workspaceId: string) => `lookups:${workspaceId}`;
const cachedVersionKey = (workspaceId: string) => `v|${workspaceId}`;

/** After writing cards or lists: every isolate's cached lookups of this workspace are stale within a minute, this one's now. */
export async function publishLookupsVersion(kv: KVNamespace, workspaceId: string, now: number): Promise<void> {
  await kv.put(lookupsVersionKey(workspaceId), `${now}-${crypto.randomUUID().slice(0, 8)}`);
  cache.delete(cachedVersionKey(workspaceId));
}

async function lookupsVersion(kv: KVNamespace, workspaceId: string, now: number): Promise<string> {
  const version = await cache.getOrLoad(cachedVersionKey(workspaceId), now, async () => (await kv.get(lookupsVersionKey(workspaceId))) ?? "", () => VERSION_TTL_MS);
  return version as string;
}

async function cachedJson<T>(kv: KVNamespace, key: string, version: string, now: number): Promise<T | undefined> {
  // A missing value (an item with no lists yet) is cached too: only a new version can bring it.
  const value = await cache.getOrLoad(`${version}|${key}`, now, async () => (await kv.get<T>(key, "json")) ?? undefined, () => VALUE_TTL_MS);
  return value as T | undefined;
}

/** Forgets cached lookups (tests that rewrite KV directly). */
export function forgetCachedLookups(): void {
  cache.clear();
}

/** A packed value's entry: own keys only (an item id may be "constructor"). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function kvLookups(kv: KVNamespace, workspaceId: string, now = Date.now()): RecsLookups {
  let version: Promise<string> | undefined;
  const read = async <T>(key: string) => cachedJson<T>(kv, key, await (version ??= lookupsVersion(kv, workspaceId, now)), now);
  return {
    // A page holds many items' lists: one cached read serves every item on it.
    neighbours: async (item) => own(await read<NeighbourPage>(neighboursPageKey(workspaceId, neighboursPageOf(item))), item),
    trending: async (category = "") => own(await read<TrendingLists>(trendingKey(workspaceId)), category) ?? [],
    newest: async (category) => ((await read<string[]>(newestKey(workspaceId, category))) ?? []).map((item) => ({ item, score: 0 })),
    card: (item) => read<ProductCard>(cardKey(workspaceId, item)),
  };
}
