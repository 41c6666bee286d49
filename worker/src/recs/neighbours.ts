// Per-item neighbour lists: pair-weight accumulation and the bounded top-K lists put into KV.
import type { PairIncrement } from "./pairs.ts";

export interface ScoredItem {
  item: string;
  score: number;
}

/**
 * One item's neighbours, best first, scores divided by the best one's (so the first is 1).
 * Ties keep the order in which the pairs were first seen. JSON-serialisable; bounded by top-K.
 */
export type NeighbourList = ScoredItem[];

/**
 * Summed pair weights: `from` → (`to` → weight). Map insertion order is first-seen order, the
 * tie-break of the top-K cut; a D1 table gets the same from `ORDER BY weight DESC, rowid`
 * because an upsert keeps the row id of the pair's first insert.
 */
export type PairWeights = Map<string, Map<string, number>>;

export function addPairs(weights: PairWeights, increments: Iterable<PairIncrement>): void {
  for (const { from, to, weight } of increments) {
    let row = weights.get(from);
    if (!row) weights.set(from, (row = new Map()));
    row.set(to, (row.get(to) ?? 0) + weight);
  }
}

/** The `k` heaviest entries of one row, best first, normalised so the best scores 1. */
export function topNeighbours(row: ReadonlyMap<string, number>, k: number): NeighbourList {
  // Array.prototype.sort is stable, so equal weights stay in first-seen order.
  const best = [...row].sort((a, b) => b[1] - a[1]).slice(0, k);
  const top = best[0]?.[1] ?? 0;
  if (top <= 0) return [];
  return best.map(([item, weight]) => ({ item, score: weight / top }));
}
