// Turns sessions into every item's materialised neighbour lists: the offline twin of the D1
// aggregation (pair weights, view counts) and of the cron that writes top-K lists into KV.
import { addPairs, topNeighbours, type NeighbourList, type PairWeights } from "./neighbours.ts";
import { pairIncrements, type PairRule } from "./pairs.ts";

/** The lists one item can carry; each recommender trains the ones it scores with. */
export type Relation =
  /** Any other click in the same session, either direction (association rules). */
  | "coVisits"
  /** Clicks shortly after this one (sequential rules). */
  | "successors"
  /** Clicks later in the same session. */
  | "later"
  /** Clicks earlier in the same session. */
  | "earlier"
  /** Two hops away through `later`/`earlier`, excluding direct neighbours. */
  | "related";

export type PairRelation = Exclude<Relation, "related">;

/** One item's KV value. */
export interface ItemNeighbours extends Partial<Record<Relation, NeighbourList>> {
  /** (Decayed) number of clicks on the item: how much evidence its lists rest on. */
  views: number;
}

export interface TrainingSpec {
  relations: Partial<Record<PairRelation, { rule: PairRule; topK: number }>>;
  /** Two-hop lists built from the materialised `later` and `earlier` lists; absent = none. */
  related?: { topK: number };
  /** Every pair and view counts 2^(-age / half-life); 0 = no decay. */
  halfLifeDays: number;
  /** Length of the global trending list (most viewed, decayed), the scorer's fallback. */
  trendingSize: number;
}

/**
 * Everything an aggregation keeps; a D1 consumer reproduces the same lists from the same counts:
 * - per relation, a pair table `(relation, item, other) → weight`, each click upserting
 *   `weight = weight + excluded.weight` for its `pairIncrements` (which need the session's
 *   previous clicks, at most `maxDistance` of them: 5 for the blend). Keep the rowid (no
 *   `WITHOUT ROWID`): `ORDER BY weight DESC, rowid LIMIT topK` is the first-seen tie-break;
 * - per item, the summed view weight.
 * Decay without rewriting rows: add `weight · 2^((ts − epoch) / half-life)` and divide by
 * `2^((now − epoch) / half-life)` when materialising. Lists are normalised by their best entry,
 * so the division cancels there; only `views` (evidence, trending) needs it.
 */
export interface Aggregates {
  pairs: Map<PairRelation, PairWeights>;
  views: Map<string, number>;
}

export interface TrainingSession {
  /** Clicked items, oldest first. */
  items: readonly string[];
  /** Click times in Unix seconds, parallel to `items`; needed only when decaying. */
  times?: readonly number[];
}

export interface MaterialisedNeighbours {
  neighbours: Map<string, ItemNeighbours>;
  trending: NeighbourList;
}

const SECONDS_PER_DAY = 86_400;

/** 2^(-age / half-life) for a click at `ts` seen from `now`; 1 when decay is off or ts unknown. */
export function decayFactor(ts: number | undefined, now: number, halfLifeDays: number): number {
  if (halfLifeDays <= 0 || ts === undefined) return 1;
  return 2 ** (-(now - ts) / (halfLifeDays * SECONDS_PER_DAY));
}

export function emptyAggregates(): Aggregates {
  return { pairs: new Map(), views: new Map() };
}

/** Folds one session into the aggregates, click by click, exactly as a queue consumer would. */
export function foldSession(
  aggregates: Aggregates,
  spec: TrainingSpec,
  session: TrainingSession,
  now: number,
): void {
  const { items, times } = session;
  for (let position = 0; position < items.length; position++) {
    const item = items[position]!;
    const scale = decayFactor(times?.[position], now, spec.halfLifeDays);
    aggregates.views.set(item, (aggregates.views.get(item) ?? 0) + scale);
    if (position === 0) continue;
    const previous = items.slice(0, position);
    for (const [relation, { rule }] of Object.entries(spec.relations) as [PairRelation, { rule: PairRule }][]) {
      let weights = aggregates.pairs.get(relation);
      if (!weights) aggregates.pairs.set(relation, (weights = new Map()));
      addPairs(weights, pairIncrements(rule, previous, item, scale));
    }
  }
}

/**
 * Item-to-item lists two hops away: `x` reaches `i` through a direct neighbour `j` (from `later`
 * or `earlier`) with score Σ_j direct(x, j) · direct(j, i). Direct neighbours are left out: the
 * one-hop lists already score them. This is how a session-neighbourhood signal reaches the edge
 * without a session index: it is computed by the cron from lists it has just materialised, in
 * items × (2·topK)² steps (a second for 13k items at topK 20).
 */
export function relatedItems(
  neighbours: ReadonlyMap<string, ItemNeighbours>,
  topK: number,
): Map<string, NeighbourList> {
  const direct = new Map<string, Map<string, number>>();
  for (const [item, lists] of neighbours) {
    const row = new Map<string, number>();
    for (const list of [lists.later, lists.earlier])
      for (const { item: other, score } of list ?? [])
        if (other !== item) row.set(other, (row.get(other) ?? 0) + score);
    direct.set(item, row);
  }
  const related = new Map<string, NeighbourList>();
  for (const [item, row] of direct) {
    const twoHop = new Map<string, number>();
    for (const [via, viaScore] of row)
      for (const [other, score] of direct.get(via) ?? [])
        if (other !== item && !row.has(other)) twoHop.set(other, (twoHop.get(other) ?? 0) + viaScore * score);
    const list = topNeighbours(twoHop, topK);
    if (list.length > 0) related.set(item, list);
  }
  return related;
}

/** The cron's job: bounded, normalised top-K lists per item, plus the trending list. */
export function materialise(aggregates: Aggregates, spec: TrainingSpec): MaterialisedNeighbours {
  const neighbours = new Map<string, ItemNeighbours>();
  for (const [item, views] of aggregates.views) neighbours.set(item, { views });
  for (const [relation, { topK }] of Object.entries(spec.relations) as [PairRelation, { topK: number }][]) {
    for (const [item, row] of aggregates.pairs.get(relation) ?? []) {
      const list = topNeighbours(row, topK);
      if (list.length > 0) neighbours.get(item)![relation] = list;
    }
  }
  if (spec.related)
    for (const [item, list] of relatedItems(neighbours, spec.related.topK)) neighbours.get(item)!.related = list;
  return { neighbours, trending: topNeighbours(aggregates.views, spec.trendingSize) };
}

/** Trains on whole sessions; `now` (Unix seconds) is when the lists are materialised. */
export function trainNeighbours(
  sessions: Iterable<TrainingSession>,
  spec: TrainingSpec,
  now: number,
): MaterialisedNeighbours {
  const aggregates = emptyAggregates();
  for (const session of sessions) foldSession(aggregates, spec, session, now);
  return materialise(aggregates, spec);
}
