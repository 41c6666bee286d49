// Tunes the session-kNN baselines on the tuning splits (train_tr → train_valid), never on a test file,
// the way their authors tuned them: random search over session-rec's grids, objective MRR@20.
// Usage: node scripts/tune-knn.ts [vsknn|stan|vstan] [rsc15-64|rsc15-100k] [iterations]
// Prints every improvement and the best configuration; eval-recs.ts holds the chosen ones.
import { evaluateNextItem, loadSessionFile, TUNING_SPLITS } from "./recs-data.ts";
import { indexSessions, stan, vsknn, vstan, type KnnPredictor, type SessionIndex } from "./session-knn.ts";
import { seededRandom } from "./recs-stats.ts";

const WEIGHTINGS = ["same", "div", "linear", "quadratic", "log"] as const;
/**
 * session-rec's optimisation grids (conf/save/rsc15/window/opt/*.yml) joined with the ECIR 2024
 * ones (SessionRecGraphFusion conf/Optimization_config_file.yml) and the values of their chosen
 * configurations, so the published choices are in reach of the search.
 */
const GRIDS = {
  vsknn: {
    k: [50, 100, 200, 500, 1000, 1500],
    sampleSize: [500, 1000, 2500, 5000, 10000],
    weighting: WEIGHTINGS,
    weightingScore: WEIGHTINGS,
    idfWeighting: [0, 1, 2, 5, 10],
  },
  stan: {
    k: [100, 200, 500, 1000, 1500, 2000, 3000, 5500],
    sampleSize: [500, 1000, 1500, 2500, 5000, 10000],
    lambdaSpw: [0.00001, 0.11, 0.5, 0.81, 1, 1.02, 2, 4, 8],
    lambdaSnhDays: [2.5, 5, 10, 13, 20, 25, 40, 80, 100],
    lambdaInh: [0.00001, 0.13, 0.5, 1, 2, 2.05, 2.4, 4, 8],
  },
  vstan: {
    k: [100, 200, 500, 1000, 1500, 2000, 3000],
    sampleSize: [500, 1000, 2500, 3000, 5000, 10000],
    lambdaSpw: [0.00001, 0.11, 0.5, 1, 1.02, 2, 4, 8],
    lambdaSnhDays: [2.5, 5, 10, 20, 25, 40, 80, 100],
    lambdaInh: [0.00001, 0.5, 1, 2, 2.4, 4, 8],
    lambdaIpw: [0.00001, 0.5, 1, 1.02, 2, 4, 8],
    lambdaIdf: [0, 1, 2, 5, 10, 15],
  },
} as const;

type Model = keyof typeof GRIDS;
const BUILD: Record<Model, (index: SessionIndex, p: never) => KnnPredictor> = {
  vsknn: (index, p) => vsknn(index, p, 20),
  stan: (index, p) => stan(index, p, 20),
  vstan: (index, p) => vstan(index, p, 20),
};

const [model = "stan", split = "rsc15-64", iterations = "100"] = process.argv.slice(2) as [(Model | undefined)?, (keyof typeof TUNING_SPLITS | undefined)?, string?];
const [trainPath, validPath] = TUNING_SPLITS[split];
const index = indexSessions(loadSessionFile(trainPath).sessions);
const valid = loadSessionFile(validPath).sessions;
const random = seededRandom(16);
const grid = GRIDS[model] as Record<string, readonly unknown[]>;
const tried = new Set<string>();
let best = { mrr20: -1, hr20: 0, params: "" };
for (let i = 0; i < Number(iterations); i++) {
  const params = Object.fromEntries(Object.entries(grid).map(([key, values]) => [key, values[Math.floor(random() * values.length)]]));
  const key = JSON.stringify(params);
  if (tried.has(key)) continue;
  tried.add(key);
  const started = performance.now();
  const { hr20, mrr20 } = evaluateNextItem(valid, BUILD[model](index, params as never));
  if (mrr20 > best.mrr20) {
    best = { mrr20, hr20, params: key };
    console.log(`${i} ${hr20.toFixed(4)}/${mrr20.toFixed(4)} ${key} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}
console.log(`best ${model} on ${split}: ${best.hr20.toFixed(4)}/${best.mrr20.toFixed(4)} ${best.params}`);
