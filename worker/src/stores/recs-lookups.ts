// Recommendation lookups at the edge: KV lists and product cards behind the isolate cache.
import { cardKey, newestKey, type ProductCard } from "../catalog/product.ts";
import { neighboursPageKey, neighboursPageOf, trendingKey, type NeighbourPage, type TrendingLists } from "../recs/edge.ts";
import type { RecsLookups } from "../recs/serve.ts";
import { TtlCache } from "../ttl-cache.ts";

/**
 * Lists change when the cron runs (every 10 minutes) and cards when the catalog changes: a
 * minute of staleness costs nothing, and a warm isolate then answers without a KV read. (An
 * upsert forgets this isolate's copies of the cards it changed: see forgetCachedCards.)
 */
const CACHE_TTL_MS = 60_000;
/** A missing value (lists not materialised yet) is asked again sooner. */
const MISSING_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 50_000;
const cache = new TtlCache<unknown>(CACHE_MAX_ENTRIES);

async function cachedJson<T>(kv: KVNamespace, key: string, now: number): Promise<T | undefined> {
  const value = await cache.getOrLoad(
    key,
    now,
    async () => (await kv.get<T>(key, "json")) ?? undefined,
    (found) => (found === undefined ? MISSING_TTL_MS : CACHE_TTL_MS),
  );
  return value as T | undefined;
}

/** Forgets cached lookups (tests that rewrite KV within a minute). */
export function forgetCachedLookups(): void {
  cache.clear();
}

/** Forgets this isolate's copies of cards the catalog just republished, so its next message shows them. */
export function forgetCachedCards(workspaceId: string, productIds: readonly string[]): void {
  for (const id of productIds) cache.delete(cardKey(workspaceId, id));
}

/** A packed value's entry: own keys only (an item id may be "constructor"). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function kvLookups(kv: KVNamespace, workspaceId: string, now = Date.now()): RecsLookups {
  return {
    // A page holds many items' lists: one cached read serves every item on it.
    neighbours: async (item) => own(await cachedJson<NeighbourPage>(kv, neighboursPageKey(workspaceId, neighboursPageOf(item)), now), item),
    trending: async (category = "") => own(await cachedJson<TrendingLists>(kv, trendingKey(workspaceId), now), category) ?? [],
    newest: async (category) =>
      ((await cachedJson<string[]>(kv, newestKey(workspaceId, category), now)) ?? []).map((item) => ({ item, score: 0 })),
    card: (item) => cachedJson<ProductCard>(kv, cardKey(workspaceId, item), now),
  };
}
