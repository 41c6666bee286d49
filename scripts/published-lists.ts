// session-rec's published top-50 lists for rsc15-100k: scoring them, and how many of ours are identical.
import { readFileSync } from "node:fs";
import path from "node:path";
import { CUTOFF, DATA_DIR, type Accuracy, type Predictor, type Session } from "./recs-data.ts";
import type { KnnPredictor } from "./session-knn.ts";
import type { ScoredItem } from "../worker/src/recs/neighbours.ts";

/** The lists session-rec published (first 99 test sessions of rsc15-100k), by label. */
export const PUBLISHED_LISTS = { AR: "ar", SR: "sr", "V-SKNN": "vsknn", GRU4Rec: "gru4rec" } as const;

export interface PublishedList {
  session: number;
  position: number;
  items: string[];
  scores: number[];
}

export function readPublishedLists(name: string): PublishedList[] {
  const file = path.join(DATA_DIR, "rsc15-100k-sessionrec", `recoms_rsc15_100k_${name}.csv`);
  const [, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  return lines.map((line) => {
    const [session, position, items, scores] = line.split(";");
    return {
      session: Number(session),
      position: Number(position),
      items: items!.split(","),
      scores: scores!.split(",").map(Number),
    };
  });
}

/** HR@20 / MRR@20 of a published list file, against the same test sessions. */
export function publishedAccuracy(lists: PublishedList[], sessions: Map<number, Session>): Accuracy {
  let hits = 0;
  let reciprocalRanks = 0;
  for (const list of lists) {
    const target = sessions.get(list.session)!.items[list.position + 1];
    const rank = list.items.slice(0, CUTOFF).indexOf(target!);
    if (rank >= 0) {
      hits++;
      reciprocalRanks += 1 / (rank + 1);
    }
  }
  return { hr20: hits / lists.length, mrr20: reciprocalRanks / lists.length, points: lists.length };
}

/** Significant digits compared: the published scores are printed floats. */
const SCORE_DIGITS = 9;

/** A top-20 list as "item:score" sorted by score then item: equal scores compare as sets. */
function canonicalList(entries: readonly ScoredItem[]): string {
  return entries
    .slice(0, CUTOFF)
    .filter((e) => e.score > 0)
    .map((e) => ({ item: e.item, score: Number(e.score.toPrecision(SCORE_DIGITS)) }))
    .sort((a, b) => b.score - a.score || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0))
    .map((e) => `${e.item}:${e.score}`)
    .join(",");
}

/**
 * Identical up to which of equally scored items fill the last places of the top 20: the same
 * score sequence, and the same items above the score of the 20th. Where the 20th score is shared
 * by more items than fit, session-rec's choice among them is its sort's, not the recommender's.
 */
function sameUpToTies(ours: readonly ScoredItem[], theirs: readonly ScoredItem[]): boolean {
  const round = (x: number) => Number(x.toPrecision(SCORE_DIGITS));
  const top = (list: readonly ScoredItem[]) => list.slice(0, CUTOFF).filter((e) => e.score > 0);
  const [a, b] = [top(ours), top(theirs)];
  if (a.map((e) => round(e.score)).join() !== b.map((e) => round(e.score)).join()) return false;
  const cut = round(a.at(-1)?.score ?? 0);
  const above = (list: ScoredItem[]) => list.filter((e) => round(e.score) > cut).map((e) => e.item).sort().join();
  return above(a) === above(b);
}

/** session-rec normalises V-SKNN's scores by the best one; ranks are unchanged. */
function normalised(list: ScoredItem[]): ScoredItem[] {
  const best = list[0]?.score ?? 1;
  return list.map((e) => ({ item: e.item, score: e.score / best }));
}

export interface Agreement {
  identical: number;
  /** Identical up to which equally scored items fill the last places of the top 20. */
  upToTies: number;
  /** kNN only: lists whose k-th neighbour is not tied with the next (see `KnnPredictor.neighbourCutTied`), up to ties. */
  determined?: { upToTies: number; of: number };
}

/**
 * How many published top-20 lists ours reproduces exactly, up to the order of equal scores
 * (session-rec ranks with an unstable quicksort, so its tie order is arbitrary). Published
 * entries scored 0 are session-rec's filler (unscored items in arbitrary order), not part of the
 * recommender's list; ours has no such entries.
 */
export function listAgreement(
  lists: PublishedList[],
  sessions: Map<number, Session>,
  predict: Predictor | KnnPredictor,
): Agreement {
  const knn = "neighbourCutTied" in predict;
  let identical = 0;
  let upToTies = 0;
  const determined = { upToTies: 0, of: 0 };
  for (const list of lists) {
    const session = sessions.get(list.session)!;
    const prefix = session.items.slice(0, list.position + 1).map((item, i) => ({ item, ts: session.times[i] }));
    const theirs = list.items.map((item, i) => ({ item, score: list.scores[i]! }));
    const predicted = predict(prefix);
    const ours = knn ? normalised(predicted) : predicted;
    if (canonicalList(ours) === canonicalList(theirs)) identical++;
    const tolerant = sameUpToTies(ours, theirs);
    if (tolerant) upToTies++;
    if (knn && !predict.neighbourCutTied()) {
      determined.of++;
      if (tolerant) determined.upToTies++;
    }
  }
  return knn ? { identical, upToTies, determined } : { identical, upToTies };
}
