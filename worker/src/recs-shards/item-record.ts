// What a recommendation shard keeps per item (pair weights, stats, product interest) and how a
// batch's increments change it. Pure: the shard object stores the records as one JSON row per item.
import { fnv1a } from "../aggregator/shards.ts";
import { DAY_MS } from "../triggers/definitions.ts";

/** Product interest: [profile key, viewed at, carted at, bought at] (ms; 0 = never), newest activity last. */
export type InterestEntry = [profileKey: string, viewedAt: number, cartedAt: number, boughtAt: number];

/** What one queue message adds to one item: the unit a shard applies (and logs) per call. */
export interface ItemDelta {
  item: string;
  category?: string;
  /** Decay-scaled sums (recs/fold.ts addFactStats). */
  views: number;
  carts: number;
  buys: number;
  popularity: number;
  /** `to` gains `weight` in this item's `relation` list, in first-seen order. */
  pairs: [relation: string, to: string, weight: number][];
  interest: InterestEntry[];
}

/** One item's sums. Pair lists are arrays, not objects: their order is the first-seen tie-break of the top-K. */
export interface ItemRecord {
  category: string | null;
  views: number;
  carts: number;
  buys: number;
  popularity: number;
  pairs: Record<string, [to: string, weight: number][]>;
  interest: InterestEntry[];
}

/**
 * Customers remembered per item for the price-drop / back-in-stock / new-arrival fan-outs: the most
 * recently active ones. Bounds the item's row (about 40 bytes each); a product more popular than
 * this reaches its latest interested customers, who are the likeliest to come back.
 */
export const INTEREST_PER_ITEM = 2_000;
/**
 * Entries kept per relation of an item: a hundred times the lists' top-K (20). Bounds the item's row
 * (SQLite's 2 MB value limit would otherwise be reached by an item co-viewed with most of a large
 * catalog). Past the bound the lightest entries are dropped: a pair that light (decayed weight
 * included) would have to outgrow 1,980 heavier ones to reach a list; below it, lists equal the
 * offline core's exactly.
 */
export const PAIRS_PER_RELATION = 2_000;
/** Interest older than this is dropped when the item's row is next written: no trigger looks further back (LIMITS.maxInterestDays). */
export const INTEREST_RETENTION_DAYS = 180;

/** The shard that owns an item when the workspace has `shards` of them. */
export const recsShardOf = (item: string, shards: number) => fnv1a(item) % shards;

export function emptyRecord(): ItemRecord {
  return { category: null, views: 0, carts: 0, buys: 0, popularity: 0, pairs: {}, interest: [] };
}

export const lastActive = (e: InterestEntry) => Math.max(e[1], e[2], e[3]);

/** Adds deltas (in the order they were logged) to a record, in place. */
export function applyDeltas(record: ItemRecord, deltas: readonly ItemDelta[], now: number): void {
  const lists = new Map<string, Map<string, number>>();
  const listOf = (relation: string) => {
    let list = lists.get(relation);
    if (!list) lists.set(relation, (list = new Map(record.pairs[relation] ?? [])));
    return list;
  };
  const interest = new Map(record.interest.map((e) => [e[0], e] as const));
  for (const delta of deltas) {
    record.views += delta.views;
    record.carts += delta.carts;
    record.buys += delta.buys;
    record.popularity += delta.popularity;
    if (delta.category) record.category = delta.category;
    for (const [relation, to, weight] of delta.pairs) {
      const list = listOf(relation);
      list.set(to, (list.get(to) ?? 0) + weight);
    }
    for (const entry of delta.interest) {
      const known = interest.get(entry[0]);
      // Re-inserted so the map's order stays "least recently active first" for the cap below.
      interest.delete(entry[0]);
      interest.set(entry[0], known ? [entry[0], Math.max(known[1], entry[1]), Math.max(known[2], entry[2]), Math.max(known[3], entry[3])] : entry);
    }
  }
  for (const [relation, list] of lists) record.pairs[relation] = bounded([...list], PAIRS_PER_RELATION);
  const oldest = now - INTEREST_RETENTION_DAYS * DAY_MS;
  const kept = [...interest.values()].filter((e) => lastActive(e) >= oldest).sort((a, b) => lastActive(a) - lastActive(b));
  record.interest = kept.slice(-INTEREST_PER_ITEM);
}

/** The `cap` heaviest entries, in their first-seen order (the tie-break of the top-K). */
function bounded(entries: [string, number][], cap: number): [string, number][] {
  if (entries.length <= cap) return entries;
  const threshold = entries.map(([, w]) => w).sort((a, b) => b - a)[cap - 1]!;
  let ties = entries.filter(([, w]) => w > threshold).length;
  // Keep every entry above the cut, and of those at it the first seen, up to the cap.
  return entries.filter(([, w]) => w > threshold || (w === threshold && ties++ < cap));
}

/** Customers who viewed or carted since `since` and did not buy after (a price drop or restock would interest them). */
export function interestedIn(record: ItemRecord, since: number): string[] {
  return record.interest
    .filter(([, viewed, carted, bought]) => Math.max(viewed, carted) >= since && bought < Math.max(viewed, carted))
    .map((e) => e[0]);
}

/** Customers who viewed, carted or bought since `since` (new arrivals in the item's category). */
export function activeSince(record: ItemRecord, since: number): string[] {
  return record.interest.filter((e) => lastActive(e) >= since).map((e) => e[0]);
}

/** An item's record as a delta: what its new shard adds when N grew (stats, pairs in first-seen order, interest). */
export function recordDelta(item: string, record: ItemRecord): ItemDelta {
  return {
    item,
    ...(record.category ? { category: record.category } : {}),
    views: record.views,
    carts: record.carts,
    buys: record.buys,
    popularity: record.popularity,
    pairs: Object.entries(record.pairs).flatMap(([relation, list]) => list.map(([to, weight]) => [relation, to, weight] as [string, string, number])),
    interest: record.interest,
  };
}

/** JSON of one hand-over part at most: a part is logged as one row by its new shard (SQLite values stop at 2 MB). */
const HANDOVER_PART_BYTES = 500_000;
const HANDOVER_PART_ITEMS = 2_000;

/**
 * Moving records as parts per target shard, each under HANDOVER_PART_BYTES, with ids unique to this
 * move (`rehome:self:N:generation:k`) so the target applies each once.
 */
export function handoverParts(
  records: ReadonlyMap<string, ItemRecord>,
  layout: { self: number; shards: number },
  generation: number,
): { id: string; target: number; items: ItemDelta[] }[] {
  const parts: { id: string; target: number; items: ItemDelta[]; bytes: number }[] = [];
  const open = new Map<number, (typeof parts)[number]>();
  for (const [item, record] of records) {
    const target = recsShardOf(item, layout.shards);
    const delta = recordDelta(item, record);
    const bytes = JSON.stringify(delta).length;
    let part = open.get(target);
    if (!part || part.items.length >= HANDOVER_PART_ITEMS || (part.items.length > 0 && part.bytes + bytes > HANDOVER_PART_BYTES)) {
      part = { id: `rehome:${layout.self}:${layout.shards}:${generation}:${parts.length}`, target, items: [], bytes: 0 };
      parts.push(part);
      open.set(target, part);
    }
    part.items.push(delta);
    part.bytes += bytes;
  }
  return parts.map(({ id, target, items }) => ({ id, target, items }));
}
