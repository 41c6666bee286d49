// Offline session data for the recommendation evaluator: loading ../shared/data and scoring next-item predictions.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ScoredItem } from "../worker/src/recs/neighbours.ts";
import type { RecentItem } from "../worker/src/recs/score.ts";
import type { TrainingSession } from "../worker/src/recs/train.ts";

/** The shared data folder, next to the repository root; read in place, never copied or bundled. */
export const DATA_DIR = path.join(import.meta.dirname, "..", "..", "shared", "data");

/**
 * The tuning splits (train_tr → train_valid: the same split as train_full → test, repeated inside
 * train_full): the only data any choice of a model or a baseline's parameters may look at.
 */
export const TUNING_SPLITS = {
  "rsc15-64": ["rsc15-64-ecir24/rec15_train_tr.txt", "rsc15-64-ecir24/rec15_train_valid.txt"],
  "rsc15-100k": [
    "rsc15-100k-sessionrec/yoochoose-clicks-100k_train_tr.txt",
    "rsc15-100k-sessionrec/yoochoose-clicks-100k_train_valid.txt",
  ],
} as const;

export interface Session extends TrainingSession {
  id: number;
  items: string[];
  times: number[];
}

export interface SessionFile {
  /** Sorted by (SessionId, Time) as session-rec does; equal times keep file order. */
  sessions: Session[];
  /** Session ids in order of first appearance in the file: the published "first N sessions". */
  fileOrder: number[];
}

/** Reads a TAB-separated session file with `SessionId`, `ItemId` and `Time` columns. */
export function loadSessionFile(relativePath: string): SessionFile {
  const [header, ...lines] = readFileSync(path.join(DATA_DIR, relativePath), "utf8").split("\n");
  const columns = header!.trim().split("\t");
  const [sessionCol, itemCol, timeCol] = ["SessionId", "ItemId", "Time"].map((name) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`${relativePath}: no ${name} column`);
    return index;
  }) as [number, number, number];
  const rows: { session: number; item: string; time: number; line: number }[] = [];
  lines.forEach((text, line) => {
    if (text.trim() === "") return;
    const cells = text.split("\t");
    rows.push({ session: Number(cells[sessionCol]), item: cells[itemCol]!, time: Number(cells[timeCol]), line });
  });
  const fileOrder = [...new Set(rows.map((r) => r.session))];
  rows.sort((a, b) => a.session - b.session || a.time - b.time || a.line - b.line);
  const byId = new Map<number, Session>();
  for (const { session, item, time } of rows) {
    let s = byId.get(session);
    if (!s) byId.set(session, (s = { id: session, items: [], times: [] }));
    s.items.push(item);
    s.times.push(time);
  }
  return { sessions: [...byId.values()], fileOrder };
}

/** Latest click time in a training set: the moment the neighbour lists are materialised. */
export function latestTime(sessions: readonly Session[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const s of sessions) for (const t of s.times) latest = Math.max(latest, t);
  return latest;
}

export interface Accuracy {
  hr20: number;
  mrr20: number;
  points: number;
}

/** One test session's share of the score: what a bootstrap over sessions resamples. */
export interface SessionScore {
  points: number;
  hits: number;
  reciprocalRanks: number;
}

export interface Evaluation extends Accuracy {
  /** Per test session, in the order given. */
  sessions: SessionScore[];
}

/** A recommender under evaluation: the session so far (oldest first) → ranked items. */
export type Predictor = (prefix: RecentItem[]) => ScoredItem[];

/** The cut-off of HR@k and MRR@k: the published tables use 20. */
export const CUTOFF = 20;

/**
 * session-rec's next-item protocol: after every prefix s1..sp (p ≥ 1) predict s(p+1); HR@20 is
 * the share of points whose target is in the top 20, MRR@20 the mean of 1/rank (0 beyond 20).
 */
export function evaluateNextItem(sessions: readonly Session[], predict: Predictor): Evaluation {
  const scores: SessionScore[] = [];
  for (const session of sessions) {
    const score: SessionScore = { points: 0, hits: 0, reciprocalRanks: 0 };
    const prefix: RecentItem[] = [];
    for (let position = 0; position < session.items.length - 1; position++) {
      prefix.push({ item: session.items[position]!, ts: session.times[position]! });
      const rank = predict(prefix.slice())
        .slice(0, CUTOFF).findIndex((r) => r.item === session.items[position + 1]);
      score.points++;
      if (rank >= 0) {
        score.hits++;
        score.reciprocalRanks += 1 / (rank + 1);
      }
    }
    scores.push(score);
  }
  return { ...totals(scores), sessions: scores };
}

/** Micro-averaged HR@20 / MRR@20 over sessions' scores. */
export function totals(scores: readonly SessionScore[]): Accuracy {
  let points = 0;
  let hits = 0;
  let reciprocalRanks = 0;
  for (const s of scores) {
    points += s.points;
    hits += s.hits;
    reciprocalRanks += s.reciprocalRanks;
  }
  return { hr20: hits / points, mrr20: reciprocalRanks / points, points };
}

const SECONDS_PER_DAY = 86_400;

/**
 * session-rec's split of one file into training and test: sessions whose last click falls on the
 * last day are the test; test clicks on items never seen in training are dropped, then test
 * sessions left with fewer than two clicks. Used for diginetica-2day, published as one file whose
 * timestamps are whole days: "the last day" is the latest timestamp (session-rec's `>= tmax − 1 day`
 * would put almost every session in the test).
 */
export function splitLastDay(file: SessionFile): { train: Session[]; test: Session[] } {
  const end = (s: Session) => s.times.at(-1)!;
  const last = Math.max(...file.sessions.map(end));
  const train = file.sessions.filter((s) => end(s) <= last - SECONDS_PER_DAY);
  const known = new Set(train.flatMap((s) => s.items));
  const test: Session[] = [];
  for (const s of file.sessions) {
    if (end(s) <= last - SECONDS_PER_DAY) continue;
    const keep = s.items.map((item) => known.has(item));
    const kept = { id: s.id, items: s.items.filter((_, i) => keep[i]), times: s.times.filter((_, i) => keep[i]) };
    if (kept.items.length >= 2) test.push(kept);
  }
  return { train, test };
}
