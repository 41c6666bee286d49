// Recommendation lookups at the edge: KV lists and product cards behind the isolate cache.
import { cardKey, newestKey, type ProductCard } from "../catalog/product.ts";
import { neighboursPageKey, neighboursPageOf, trendingKey, type NeighbourPage, type TrendingLists } from "../recs/edge.ts";
import type { RecsLookups } from "../recs/serve.ts";
import { TtlCache } from "../ttl-cache.ts";

/**
 * Every writer of a workspace's lookups publishes a new version of what it wrote after writing:
 * catalog imports the cards and newest lists (`cards:${workspace}`), the cron the neighbour and
 * trending lists (`lookups:${workspace}`). An isolate reads each version at most once a minute and
 * keeps each value under the version it was read at, so between two writes a warm isolate answers
 * from memory instead of KV (a KV read costs a tenth of a write, and a recommendation answer reads a
 * dozen keys), and a write reaches every isolate within a minute, as fast as KV itself propagates
 * it. Two versions, so the cron's new lists do not make every isolate read every card again.
 */
const VERSION_TTL_MS = 60_000;
/** Values under one version: long, since a new version replaces them; bounded by the entry cap. */
const VALUE_TTL_MS = 3_600_000;
const CACHE_MAX_ENTRIES = 50_000;
const cache = new TtlCache<unknown>(CACHE_MAX_ENTRIES);

/** What a version covers: the cron's lists, or the catalog's cards and newest lists. */
export type LookupsKind = "lists" | "catalog";
export const lookupsVersionKey = (workspaceId: string, kind: LookupsKind = "lists") => `${kind === "lists" ? "lookups" : "cards"}:${workspaceId}`;
const cachedVersionKey = (workspaceId: string, kind: LookupsKind) => `v|${kind}|${workspaceId}`;

/** After writing cards or lists: every isolate's cached lookups of that kind are stale within a minute, this one's now. */
export async function publishLookupsVersion(kv: KVNamespace, workspaceId: string, now: number, kind: LookupsKind): Promise<void> {
  await kv.put(lookupsVersionKey(workspaceId, kind), `${now}-${crypto.randomUUID().slice(0, 8)}`);
  cache.delete(cachedVersionKey(workspaceId, kind));
}

async function lookupsVersion(kv: KVNamespace, workspaceId: string, kind: LookupsKind, now: number): Promise<string> {
  const version = await cache.getOrLoad(cachedVersionKey(workspaceId, kind), now, async () => (await kv.get(lookupsVersionKey(workspaceId, kind))) ?? "", () => VERSION_TTL_MS);
  return `${kind}:${version as string}`;
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
  const versions: Partial<Record<LookupsKind, Promise<string>>> = {};
  const read = async <T>(kind: LookupsKind, key: string) =>
    cachedJson<T>(kv, key, await (versions[kind] ??= lookupsVersion(kv, workspaceId, kind, now)), now);
  return {
    // A page holds many items' lists: one cached read serves every item on it.
    neighbours: async (item) => own(await read<NeighbourPage>("lists", neighboursPageKey(workspaceId, neighboursPageOf(item))), item),
    trending: async (category = "") => own(await read<TrendingLists>("lists", trendingKey(workspaceId)), category) ?? [],
    newest: async (category) => ((await read<string[]>("catalog", newestKey(workspaceId, category))) ?? []).map((item) => ({ item, score: 0 })),
    card: (item) => read<ProductCard>("catalog", cardKey(workspaceId, item)),
  };
}
