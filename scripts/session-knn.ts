// Session-kNN baselines for the offline evaluator (never served): session-rec's V-SKNN, STAN and VSTAN.
// Written from their published definitions (Ludewig & Jannach 2018 for V-SKNN; Garg et al. 2019 for
// STAN; Ludewig et al. 2021 for VSTAN) and session-rec's behaviour, which the published lists and the
// ECIR 2024 table come from:
// - candidates are the training sessions that contain any item clicked so far in the session; when
//   there are more than `sampleSize`, the most recent ones (by their last click) are kept;
// - each candidate's similarity to the current session, then the `k` most similar are the neighbours;
// - an item scores the sum over neighbours containing it of similarity × the algorithm's weights.
// Sessions are indexed by item and numbered by recency, so the most recent candidates are the
// smallest numbers and no per-prediction sort of candidates by time is needed.
import type { ScoredItem } from "../worker/src/recs/neighbours.ts";
import type { RecentItem } from "../worker/src/recs/score.ts";
import type { Session } from "./recs-data.ts";

/** The training data of every session kNN: sessions by recency and the sessions of each item. */
export interface SessionIndex {
  itemIds: Map<string, number>;
  itemNames: string[];
  /** Per session (0 = most recent last click), its clicks in order, repeats included. */
  clicks: Int32Array[];
  /** Per session, its distinct items and the 1-based position of each one's last click. */
  distinct: Int32Array[];
  lastPosition: Int32Array[];
  /** Per session, the time of its last click (seconds). */
  endTime: Float64Array;
  /** Per item, the sessions containing it. */
  sessionsOf: Int32Array[];
  /** Per item, ln(sessions / clicks on the item): session-rec's idf (it counts clicks, not sessions). */
  idf: Float64Array;
}

export function indexSessions(sessions: readonly Session[]): SessionIndex {
  // Most recent last click first; equal times by descending session id (session-rec leaves that
  // order to a Python set; ties only occur in data with coarse timestamps).
  const byRecency = [...sessions].sort((a, b) => b.times.at(-1)! - a.times.at(-1)! || b.id - a.id);
  const itemIds = new Map<string, number>();
  const itemNames: string[] = [];
  const internal = (item: string) => {
    let id = itemIds.get(item);
    if (id === undefined) {
      itemIds.set(item, (id = itemNames.length));
      itemNames.push(item);
    }
    return id;
  };
  const clicks = byRecency.map((s) => Int32Array.from(s.items, internal));
  const itemClicks = new Float64Array(itemNames.length);
  const sessionLists: number[][] = itemNames.map(() => []);
  const distinct: Int32Array[] = [];
  const lastPosition: Int32Array[] = [];
  clicks.forEach((sessionClicks, session) => {
    const last = new Map<number, number>();
    sessionClicks.forEach((item, i) => {
      itemClicks[item]! += 1;
      last.set(item, i + 1);
    });
    distinct.push(Int32Array.from(last.keys()));
    lastPosition.push(Int32Array.from(last.values()));
    for (const item of last.keys()) sessionLists[item]!.push(session);
  });
  return {
    itemIds,
    itemNames,
    clicks,
    distinct,
    lastPosition,
    endTime: Float64Array.from(byRecency, (s) => s.times.at(-1)!),
    sessionsOf: sessionLists.map((list) => Int32Array.from(list)),
    idf: itemClicks.map((n) => Math.log(sessions.length / n)),
  };
}

/** session-rec's weights of a click at 1-based position `i` of `length` in V-SKNN's similarity. */
export const VSKNN_POSITION_WEIGHTS = {
  same: (_i: number, _length: number) => 1,
  div: (i: number, length: number) => i / length,
  linear: (i: number, length: number) => (i <= 10 ? 1 - 0.1 * (length - i) : 0),
  log: (i: number, length: number) => 1 / Math.log10(length - i + 1.7),
  quadratic: (i: number, length: number) => (i / length) ** 2,
} as const;

/** session-rec's decay of a neighbour's items by how far back (1 = last click) the shared item lies. */
export const VSKNN_SCORE_DECAYS = {
  same: (_step: number) => 1,
  div: (step: number) => 1 / step,
  linear: (step: number) => (step <= 100 ? 1 - 0.1 * step : 0),
  log: (step: number) => 1 / Math.log10(step + 1.7),
  quadratic: (step: number) => 1 / (step * step),
} as const;

export interface VsknnParameters {
  k: number;
  sampleSize: number;
  weighting: keyof typeof VSKNN_POSITION_WEIGHTS;
  weightingScore: keyof typeof VSKNN_SCORE_DECAYS;
  /** 0 = off; else a neighbour's item scores sim · (1 + idf · idfWeighting). */
  idfWeighting: number;
}

export interface StanParameters {
  k: number;
  sampleSize: number;
  /** λ1: a click `d` positions before the last weighs e^(−d/λ1) in the similarity. */
  lambdaSpw: number;
  /** λ2 in days: a neighbour whose last click is `t` older weighs e^(−t/λ2). */
  lambdaSnhDays: number;
  /** λ3: a neighbour's item `d` positions from the shared item weighs e^(−d/λ3). */
  lambdaInh: number;
}

export interface VstanParameters extends StanParameters {
  /** λ of the neighbour weight by the position of the most recent click it shares. */
  lambdaIpw: number;
  /** A neighbour's item scores × (1 + idf · λidf). */
  lambdaIdf: number;
}

export interface KnnPredictor {
  (prefix: readonly RecentItem[]): ScoredItem[];
  /**
   * Whether, in the last prediction, the k-th and (k+1)-th most similar candidates tied: which of
   * them became neighbours was then an arbitrary choice (session-rec's is Python's set iteration
   * order, ours is recency), so a published list may differ from ours without either being wrong.
   */
  neighbourCutTied(): boolean;
}

interface Neighbour {
  session: number;
  similarity: number;
}

/**
 * What every session kNN shares: candidate sampling, the current session's items, the k nearest
 * and score accumulation. The candidates grow with each click of a session, as in session-rec,
 * so consecutive prefixes of one session extend the previous candidate set instead of rebuilding it.
 */
class Neighbourhood {
  private readonly candidate: Uint8Array;
  private candidates: number[] = [];
  private prefix: number[] = [];
  /** Per item: 1 while it is in the current session. */
  readonly inCurrent: Uint8Array;
  /** Per item: its weight while it is in the current session, else 0 (a weight may underflow to 0). */
  readonly currentWeight: Float64Array;
  /** Per item: stamp of the neighbour whose items are marked (membership without a Set). */
  private readonly mark: Int32Array;
  private markStamp = 0;
  readonly scores: Float64Array;
  /** Items scored in this prediction (a score may stay 0 when a weight underflows). */
  private touched: number[] = [];
  private readonly isTouched: Uint8Array;
  /** See `KnnPredictor.neighbourCutTied`. */
  cutTied = false;

  readonly index: SessionIndex;

  constructor(index: SessionIndex) {
    this.index = index;
    this.candidate = new Uint8Array(index.clicks.length);
    this.inCurrent = new Uint8Array(index.itemNames.length);
    this.currentWeight = new Float64Array(index.itemNames.length);
    this.mark = new Int32Array(index.itemNames.length);
    this.scores = new Float64Array(index.itemNames.length);
    this.isTouched = new Uint8Array(index.itemNames.length);
  }

  /** The session's known items (unknown ones cannot be anyone's neighbour), and its candidates. */
  start(prefix: readonly RecentItem[]): number[] {
    const items: number[] = [];
    for (const { item } of prefix) {
      const id = this.index.itemIds.get(item);
      if (id !== undefined) items.push(id);
    }
    const extends_ = items.length === this.prefix.length + 1 && this.prefix.every((item, i) => items[i] === item);
    if (!extends_) {
      for (const s of this.candidates) this.candidate[s] = 0;
      this.candidates = [];
    }
    for (const item of extends_ ? items.slice(-1) : items)
      for (const s of this.index.sessionsOf[item]!)
        if (!this.candidate[s]) {
          this.candidate[s] = 1;
          this.candidates.push(s);
        }
    this.prefix = items;
    for (const item of items) this.inCurrent[item] = 1;
    return items;
  }

  /** The `sampleSize` most recent candidates (smallest session numbers), most recent first. */
  sample(sampleSize: number): number[] {
    if (this.candidates.length <= sampleSize) return [...this.candidates].sort((a, b) => a - b);
    const sample: number[] = [];
    for (let s = 0; sample.length < sampleSize; s++) if (this.candidate[s]) sample.push(s);
    return sample;
  }

  /** Sum of current weights over a session's distinct items. */
  overlap(session: number): number {
    let sum = 0;
    for (const item of this.index.distinct[session]!) sum += this.currentWeight[item]!;
    return sum;
  }

  /** Marks a neighbour's items so `shares` answers in O(1). */
  markItems(session: number): void {
    this.markStamp++;
    for (const item of this.index.distinct[session]!) this.mark[item] = this.markStamp;
  }

  shares(item: number): boolean {
    return this.mark[item] === this.markStamp;
  }

  add(item: number, score: number): void {
    if (!this.isTouched[item]) {
      this.isTouched[item] = 1;
      this.touched.push(item);
    }
    this.scores[item]! += score;
  }

  /** The best `limit` items, ties in the order they were first scored; clears all per-prediction state. */
  finish(items: readonly number[], limit: number): ScoredItem[] {
    for (const item of items) {
      this.currentWeight[item] = 0;
      this.inCurrent[item] = 0;
    }
    const top: number[] = [];
    for (const item of this.touched) {
      const score = this.scores[item]!;
      if (!(score > 0)) continue;
      if (top.length === limit && score <= this.scores[top[limit - 1]!]!) continue;
      let at = top.length;
      while (at > 0 && this.scores[top[at - 1]!]! < score) at--;
      top.splice(at, 0, item);
      if (top.length > limit) top.pop();
    }
    const result = top.map((item) => ({ item: this.index.itemNames[item]!, score: this.scores[item]! }));
    for (const item of this.touched) {
      this.scores[item] = 0;
      this.isTouched[item] = 0;
    }
    this.touched = [];
    return result;
  }
}

/** The k most similar, in order of similarity (stable: ties stay most recent first). */
function nearest(hood: Neighbourhood, neighbours: Neighbour[], k: number): Neighbour[] {
  neighbours.sort((a, b) => b.similarity - a.similarity);
  hood.cutTied = neighbours.length > k && neighbours[k]!.similarity === neighbours[k - 1]!.similarity;
  return neighbours.slice(0, k);
}

function predictor(hood: Neighbourhood, predict: (prefix: readonly RecentItem[]) => ScoredItem[]): KnnPredictor {
  return Object.assign(predict, { neighbourCutTied: () => hood.cutTied });
}

/** Distinct items of a click list with the 1-based position of each one's last click. */
function lastPositions(items: readonly number[]): Map<number, number> {
  const last = new Map<number, number>();
  items.forEach((item, i) => last.set(item, i + 1));
  return last;
}

/** 1-based distance from the end of the session of its newest click that the marked neighbour shares. */
function newestSharedStep(hood: Neighbourhood, items: readonly number[]): number {
  for (let step = 1; step <= items.length; step++) if (hood.shares(items[items.length - step]!)) return step;
  return items.length;
}

/**
 * V-SKNN (session-rec's VMContextKNN): similarity = Σ over shared items of the position weight of
 * the item's last click in the current session, over the number of its distinct items; a
 * neighbour's items score similarity × decay(how far back the newest shared click is).
 */
export function vsknn(index: SessionIndex, p: VsknnParameters, limit: number): KnnPredictor {
  const hood = new Neighbourhood(index);
  const positionWeight = VSKNN_POSITION_WEIGHTS[p.weighting];
  const decay = VSKNN_SCORE_DECAYS[p.weightingScore];
  return predictor(hood, (prefix) => {
    const items = hood.start(prefix);
    if (items.length === 0) return hood.finish(items, limit);
    const last = lastPositions(items);
    for (const [item, position] of last) hood.currentWeight[item] = positionWeight(position, items.length);
    const candidates: Neighbour[] = [];
    for (const session of hood.sample(p.sampleSize)) {
      const similarity = hood.overlap(session) / last.size;
      if (similarity > 0) candidates.push({ session, similarity });
    }
    for (const { session, similarity } of nearest(hood, candidates, p.k)) {
      hood.markItems(session);
      const weight = decay(newestSharedStep(hood, items));
      for (const item of index.distinct[session]!) {
        const score = p.idfWeighting ? similarity + similarity * index.idf[item]! * p.idfWeighting : similarity;
        hood.add(item, score * weight);
      }
    }
    return hood.finish(items, limit);
  });
}

const SECONDS_PER_DAY = 86_400;

/**
 * STAN and VSTAN share the neighbourhood: cosine similarity between the current session (each
 * distinct item weighted e^((position − length)/λ1) at its last click) and a neighbour's distinct
 * items, times e^(−age/λ2) for the neighbour's age at the time of the current click.
 */
function stanNeighbours(hood: Neighbourhood, items: readonly number[], now: number, p: StanParameters): Neighbour[] {
  const last = lastPositions(items);
  let norm = 0;
  for (const [item, position] of last) {
    const weight = Math.exp((position - items.length) / p.lambdaSpw);
    hood.currentWeight[item] = weight;
    norm += weight * weight;
  }
  const lambdaSnh = p.lambdaSnhDays * SECONDS_PER_DAY;
  const candidates: Neighbour[] = [];
  for (const session of hood.sample(p.sampleSize)) {
    const cosine = hood.overlap(session) / (Math.sqrt(norm) * Math.sqrt(hood.index.distinct[session]!.length));
    candidates.push({ session, similarity: cosine * Math.exp(-(now - hood.index.endTime[session]!) / lambdaSnh) });
  }
  return nearest(hood, candidates, p.k);
}

/** 1-based position in the neighbour of its last click on any item of the current session. */
function lastSharedPosition(hood: Neighbourhood, session: number): number {
  const clicks = hood.index.clicks[session]!;
  for (let i = clicks.length - 1; i >= 0; i--) if (hood.inCurrent[clicks[i]!]) return i + 1;
  return 0;
}

/**
 * The time the neighbours' ages are measured from: the newest click. (session-rec's evaluator passes
 * the target click's time; e^(−(now − end)/λ2) then differs by one factor common to every
 * neighbour, which changes no ranking.)
 */
function sessionNow(prefix: readonly RecentItem[]): number {
  return prefix.at(-1)?.ts ?? 0;
}

/**
 * STAN: a neighbour's item scores similarity × e^(−|its last position − the neighbour's last
 * shared position| / λ3).
 */
export function stan(index: SessionIndex, p: StanParameters, limit: number): KnnPredictor {
  return stanFamily(index, p, limit);
}

/**
 * VSTAN: STAN's score, plus the idf boost of V-SKNN, times e^((i − length)/λipw) for the
 * 1-based position i of the newest click of the current session that the neighbour shares.
 */
export function vstan(index: SessionIndex, p: VstanParameters, limit: number): KnnPredictor {
  return stanFamily(index, p, limit, p);
}

function stanFamily(
  index: SessionIndex,
  p: StanParameters,
  limit: number,
  vstanWeights?: { lambdaIpw: number; lambdaIdf: number },
): KnnPredictor {
  const hood = new Neighbourhood(index);
  return predictor(hood, (prefix) => {
    const items = hood.start(prefix);
    if (items.length === 0) return hood.finish(items, limit);
    for (const { session, similarity } of stanNeighbours(hood, items, sessionNow(prefix), p)) {
      const shared = lastSharedPosition(hood, session);
      let ipw = 1;
      if (vstanWeights) {
        hood.markItems(session);
        const newest = items.length + 1 - newestSharedStep(hood, items);
        ipw = Math.exp((newest - items.length) / vstanWeights.lambdaIpw);
      }
      const distinct = index.distinct[session]!;
      const positions = index.lastPosition[session]!;
      for (let j = 0; j < distinct.length; j++) {
        const item = distinct[j]!;
        const score = similarity * Math.exp(-Math.abs(positions[j]! - shared) / p.lambdaInh);
        hood.add(item, vstanWeights ? (score + score * index.idf[item]! * vstanWeights.lambdaIdf) * ipw : score);
      }
    }
    return hood.finish(items, limit);
  });
}
