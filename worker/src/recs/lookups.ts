// Recommendation lookups at the edge: KV reads behind an isolate-memory cache.
import { cardKey, newestKey } from "../catalog/store.ts";
import type { ProductCard } from "../catalog/product.ts";
import { neighboursKey, trendingKey, type EdgeNeighbours } from "./edge.ts";
import type { NeighbourList } from "./neighbours.ts";
import type { RecsLookups } from "./serve.ts";

/**
 * Lists change when the cron runs (every 10 minutes) and cards when the catalog changes: a
 * minute of staleness costs nothing, and a warm isolate then answers without a KV read.
 */
const CACHE_TTL_MS = 60_000;
/** A missing list (a new item, lists not materialised yet) is asked again sooner. */
const MISSING_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 50_000;
const cache = new Map<string, { value: unknown; expires: number }>();

async function cachedJson<T>(kv: KVNamespace, key: string, now: number): Promise<T | undefined> {
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.value as T | undefined;
  const value = (await kv.get<T>(key, "json")) ?? undefined;
  if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { value, expires: now + (value === undefined ? MISSING_TTL_MS : CACHE_TTL_MS) });
  return value;
}

/** Forgets cached lookups (tests that rewrite KV within a minute). */
export function forgetCachedLookups(): void {
  cache.clear();
}

export function kvLookups(kv: KVNamespace, workspaceId: string, now = Date.now()): RecsLookups {
  return {
    neighbours: (item) => cachedJson<EdgeNeighbours>(kv, neighboursKey(workspaceId, item), now),
    trending: async (category) => (await cachedJson<NeighbourList>(kv, trendingKey(workspaceId, category), now)) ?? [],
    newest: async (category) =>
      ((await cachedJson<string[]>(kv, newestKey(workspaceId, category), now)) ?? []).map((item) => ({ item, score: 0 })),
    card: (item) => cachedJson<ProductCard>(kv, cardKey(workspaceId, item), now),
  };
}
