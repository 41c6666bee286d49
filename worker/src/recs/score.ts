// The recommendation scorer the CustomerDO calls: recent clicks + per-item neighbour lists → ranked items.
import type { NeighbourList, ScoredItem } from "./neighbours.ts";
import type { ItemNeighbours, Relation } from "./train.ts";

export interface RecentItem {
  item: string;
  /**
   * Click time (Unix seconds), so the DO can pass its rows unchanged. The ranking uses click
   * order only: weighting by time gaps or dwell time did not help on the tuning split.
   */
  ts?: number;
}

/** One list read for every recent item, weighted `weight · recencyDecay^age` (age 0 = newest click). */
export interface Signal {
  relation: Relation;
  weight: number;
  recencyDecay: number;
}

export interface ScoringOptions {
  /** How many items to return. */
  limit: number;
  /** How many of the newest clicks are looked at. */
  historyLength: number;
  /** Of those, how many of the newest have their lists read: each is one KV read at the edge. */
  listLookups: number;
  signals: readonly Signal[];
  /** Score for re-showing an item already clicked in the session, `weight · recencyDecay^age`. */
  repeat: { weight: number; recencyDecay: number };
  /**
   * Lists of an item with `views` clicks count `views / (views + evidencePrior)`, so a list built
   * from one or two sessions does not outvote a well-supported one; 0 = every list counts fully.
   */
  evidencePrior: number;
  /** Fills the ranking when the lists run out (trending items); never outranks a scored item. */
  fallback: readonly ScoredItem[];
}

/**
 * Ranks items for the session whose clicks are `recentItems` (oldest first). Pure and
 * deterministic: ties keep the order in which candidates were first reached, newest click first
 * and each list in its own order, which is the session-rec order for single-list recommenders.
 */
export function recommend(
  recentItems: readonly RecentItem[],
  neighbours: (item: string) => ItemNeighbours | undefined,
  options: ScoringOptions,
): ScoredItem[] {
  const scores = new Map<string, number>();
  const add = (item: string, score: number) => scores.set(item, (scores.get(item) ?? 0) + score);
  const history = recentItems.slice(-options.historyLength);
  for (let age = 0; age < history.length; age++) {
    const { item } = history[history.length - 1 - age]!;
    const lists = age < options.listLookups ? neighbours(item) : undefined;
    if (lists) {
      const evidence = options.evidencePrior > 0 ? lists.views / (lists.views + options.evidencePrior) : 1;
      for (const signal of options.signals) {
        const weight = signal.weight * signal.recencyDecay ** age * evidence;
        if (weight > 0) addList(add, lists[signal.relation], weight);
      }
    }
    const repeat = options.repeat.weight * options.repeat.recencyDecay ** age;
    if (repeat > 0) add(item, repeat);
  }
  // Stable sort: equal scores keep first-reached order.
  const ranked = [...scores].sort((a, b) => b[1] - a[1]).slice(0, options.limit);
  const result: ScoredItem[] = ranked.map(([item, score]) => ({ item, score }));
  for (const { item } of options.fallback) {
    if (result.length >= options.limit) break;
    if (!scores.has(item)) result.push({ item, score: 0 });
  }
  return result;
}

function addList(
  add: (item: string, score: number) => void,
  list: NeighbourList | undefined,
  weight: number,
): void {
  for (const { item, score } of list ?? []) add(item, weight * score);
}
