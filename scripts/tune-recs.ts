// Chooses the blend's parameters on the tuning splits (train_tr → train_valid), never on a test file.
// Usage: node scripts/tune-recs.ts ['{"topK":50,...}']   (optional JSON start point)
// Coordinate ascent: each parameter in turn takes every value of its grid; a change is kept when
// it raises mean(HR@20 + MRR@20) over both data sets' validation splits. Prints every improvement.
import { evaluateNextItem, latestTime, loadSessionFile, TUNING_SPLITS, type Accuracy } from "./recs-data.ts";
import { BLEND_PARAMETERS, sessionBlend, type BlendParameters } from "../worker/src/recs/recommenders.ts";
import { recommend } from "../worker/src/recs/score.ts";
import { trainNeighbours, type MaterialisedNeighbours } from "../worker/src/recs/train.ts";

const GRID: { [K in keyof BlendParameters]: BlendParameters[K][] } = {
  successorSteps: [1, 2, 3, 5, 10],
  successorWeighting: ["same", "div", "log", "quadratic"],
  coVisitWindow: [2, 3, 5, 10, 20],
  laterExponent: [0, 0.5, 1, 2],
  earlierExponent: [0, 0.5, 1, 2],
  topK: [20, 50, 100, 200],
  relatedTopK: [0, 20, 50, 100],
  halfLifeDays: [0, 1, 2, 4, 8],
  successorWeight: [0, 0.25, 0.5, 1, 2],
  laterWeight: [0, 0.1, 0.25, 0.5, 1],
  earlierWeight: [0, 0.25, 0.5, 1],
  relatedWeight: [0, 0.02, 0.05, 0.1, 0.2],
  successorRecency: [0, 0.1, 0.2, 0.3, 0.5, 0.7],
  coVisitRecency: [0.1, 0.2, 0.3, 0.4, 0.5, 0.7],
  relatedRecency: [0, 0.3, 0.6, 1],
  repeatWeight: [0, 0.3, 0.45, 0.6, 0.8, 1, 1.5],
  repeatRecency: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
  evidencePrior: [0, 0.5, 1, 3, 10],
  historyLength: [3, 5, 10, 20],
};
/** The parameters that change the trained lists; the rest only change scoring. */
const TRAINING_KEYS = [
  "successorSteps",
  "successorWeighting",
  "coVisitWindow",
  "laterExponent",
  "earlierExponent",
  "topK",
  "relatedTopK",
  "halfLifeDays",
] as const satisfies (keyof BlendParameters)[];

const splits = Object.entries(TUNING_SPLITS).map(([name, [trainPath, validPath]]) => ({
  name,
  train: loadSessionFile(trainPath).sessions,
  valid: loadSessionFile(validPath).sessions,
}));
const trained = new Map<string, MaterialisedNeighbours>();

function accuracy(p: BlendParameters): { objective: number; splits: Record<string, Accuracy> } {
  const blend = sessionBlend(p);
  const results: Record<string, Accuracy> = {};
  let objective = 0;
  for (const split of splits) {
    const key = JSON.stringify([split.name, ...TRAINING_KEYS.map((k) => p[k])]);
    let model = trained.get(key);
    if (!model) trained.set(key, (model = trainNeighbours(split.train, blend.training, latestTime(split.train))));
    const { neighbours, trending } = model;
    const options = { ...blend.scoring, fallback: trending };
    const lookup = (item: string) => neighbours.get(item);
    const result = evaluateNextItem(split.valid, (prefix) => recommend(prefix, lookup, options));
    results[split.name] = result;
    objective += (result.hr20 + result.mrr20) / splits.length;
  }
  return { objective, splits: results };
}

const show = (r: ReturnType<typeof accuracy>) =>
  Object.entries(r.splits).map(([name, a]) => `${name} ${a.hr20.toFixed(4)}/${a.mrr20.toFixed(4)}`).join("  ");

let best: BlendParameters = { ...BLEND_PARAMETERS, ...(process.argv[2] ? JSON.parse(process.argv[2]) : {}) };
let bestResult = accuracy(best);
console.log(`start  ${show(bestResult)}`);
for (let round = 1, improved = true; improved; round++) {
  improved = false;
  for (const key of Object.keys(GRID) as (keyof BlendParameters)[]) {
    for (const value of GRID[key]) {
      if (value === best[key]) continue;
      const candidate = { ...best, [key]: value };
      const result = accuracy(candidate);
      if (result.objective > bestResult.objective + 1e-5) {
        best = candidate;
        bestResult = result;
        improved = true;
        console.log(`${key}=${value}  ${show(result)}`);
      }
    }
    trained.clear(); // bounded memory: a model is only reused while its own parameter is varied
  }
  console.log(`round ${round}: ${JSON.stringify(best)}`);
}
