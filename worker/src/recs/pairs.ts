// How one click in a session turns into weighted item pairs: the raw counts an aggregation keeps.

/** session-rec's step weightings for a pair `distance` clicks apart (1 = adjacent). */
export const STEP_WEIGHTINGS = {
  same: (_distance: number) => 1,
  div: (distance: number) => 1 / distance,
  log: (distance: number) => 1 / Math.log10(distance + 1.7),
  quadratic: (distance: number) => 1 / (distance * distance),
} as const;

export type StepWeighting = keyof typeof STEP_WEIGHTINGS;

/** Weight of a pair of clicks `distance` positions apart; 0 adds nothing. */
export type DistanceWeight = (distance: number) => number;

/**
 * Which pairs of clicks in one session count, and how much. `forward` scores "b came after a"
 * into a's list, `backward` scores "a came before b" into b's list.
 */
export interface PairRule {
  maxDistance: number;
  forward?: DistanceWeight;
  backward?: DistanceWeight;
}

/** One addition to the pair table: `to` gains `weight` in `from`'s list. */
export interface PairIncrement {
  from: string;
  to: string;
  weight: number;
}

/**
 * The pairs created when `next` is clicked after `previous` (the session so far, oldest first),
 * each weight multiplied by `scale` (time decay). A queue consumer can fold exactly these into D1
 * as each click arrives; training folds them over every position of every session.
 *
 * Earlier clicks are visited oldest first: the order in which a pair is first seen is the
 * tie-break of the top-K cut (as in session-rec's `Counter.most_common`), and reproducing the
 * published association-rule lists depends on it.
 */
export function pairIncrements(
  rule: PairRule,
  previous: readonly string[],
  next: string,
  scale = 1,
): PairIncrement[] {
  const increments: PairIncrement[] = [];
  const reach = Math.min(rule.maxDistance, previous.length);
  for (let distance = reach; distance >= 1; distance--) {
    const earlier = previous[previous.length - distance]!;
    const forward = rule.forward ? rule.forward(distance) * scale : 0;
    const backward = rule.backward ? rule.backward(distance) * scale : 0;
    if (forward > 0) increments.push({ from: earlier, to: next, weight: forward });
    if (backward > 0) increments.push({ from: next, to: earlier, weight: backward });
  }
  return increments;
}
