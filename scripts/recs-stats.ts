// Intervals for the offline evaluator: a seeded bootstrap over test sessions, single and paired.
import { totals, type SessionScore } from "./recs-data.ts";

/** Bootstrap replicates per interval: the 2.5th/97.5th percentiles move by < 0.002 beyond this. */
export const BOOTSTRAP_REPLICATES = 2000;
/** Every bootstrap starts from this seed, so a rerun prints the same intervals. */
export const BOOTSTRAP_SEED = 2024;

/**
 * mulberry32: a small, well-known 32-bit generator. Only determinism matters here (the same
 * resamples on every run and for every model), not cryptographic quality.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Interval = [low: number, high: number];

export interface MetricIntervals {
  hr20: Interval;
  mrr20: Interval;
}

/**
 * Resamples of the test sessions (with replacement, as many as there are): each a count per
 * session. Shared by every model of a data set, so a paired difference compares like with like.
 */
export function sessionResamples(sessions: number, replicates = BOOTSTRAP_REPLICATES, seed = BOOTSTRAP_SEED): Uint16Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: replicates }, () => {
    const counts = new Uint16Array(sessions);
    for (let i = 0; i < sessions; i++) counts[Math.floor(random() * sessions)]!++;
    return counts;
  });
}

function percentile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function interval(values: number[]): Interval {
  values.sort((a, b) => a - b);
  return [percentile(values, 0.025), percentile(values, 0.975)];
}

/** HR@20 and MRR@20 of one resample: micro-averaged over the resampled sessions' points. */
function resampled(scores: readonly SessionScore[], counts: Uint16Array): { hr20: number; mrr20: number } {
  let points = 0;
  let hits = 0;
  let reciprocalRanks = 0;
  for (let i = 0; i < scores.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    points += n * scores[i]!.points;
    hits += n * scores[i]!.hits;
    reciprocalRanks += n * scores[i]!.reciprocalRanks;
  }
  return { hr20: hits / points, mrr20: reciprocalRanks / points };
}

/** 95 % percentile intervals of HR@20 and MRR@20 over session resamples. */
export function bootstrapIntervals(scores: readonly SessionScore[], resamples: readonly Uint16Array[]): MetricIntervals {
  const hr: number[] = [];
  const mrr: number[] = [];
  for (const counts of resamples) {
    const r = resampled(scores, counts);
    hr.push(r.hr20);
    mrr.push(r.mrr20);
  }
  return { hr20: interval(hr), mrr20: interval(mrr) };
}

export interface PairedDifference {
  hr20: number;
  mrr20: number;
  hr20_ci: Interval;
  mrr20_ci: Interval;
}

/** `a − b` on the same test sessions, with a 95 % interval from the same session resamples. */
export function pairedDifference(
  a: readonly SessionScore[],
  b: readonly SessionScore[],
  resamples: readonly Uint16Array[],
): PairedDifference {
  const hr: number[] = [];
  const mrr: number[] = [];
  for (const counts of resamples) {
    const ra = resampled(a, counts);
    const rb = resampled(b, counts);
    hr.push(ra.hr20 - rb.hr20);
    mrr.push(ra.mrr20 - rb.mrr20);
  }
  const ta = totals(a);
  const tb = totals(b);
  const ci = { hr20: interval(hr), mrr20: interval(mrr) };
  return { hr20: ta.hr20 - tb.hr20, mrr20: ta.mrr20 - tb.mrr20, hr20_ci: ci.hr20, mrr20_ci: ci.mrr20 };
}
