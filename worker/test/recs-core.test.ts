// The pure recommendation core: pair counting, top-K lists, and the scorer the CustomerDO calls.
import { describe, expect, it } from "vitest";
import { addPairs, topNeighbours, type PairWeights } from "../src/recs/neighbours.ts";
import { pairIncrements, STEP_WEIGHTINGS } from "../src/recs/pairs.ts";
import {
  ASSOCIATION_RULES,
  SESSION_BLEND,
  sequentialRules,
  type Recommender,
} from "../src/recs/recommenders.ts";
import { recommend, type ScoringOptions } from "../src/recs/score.ts";
import {
  decayFactor,
  emptyAggregates,
  foldSession,
  materialise,
  relatedItems,
  trainNeighbours,
  type ItemNeighbours,
  type TrainingSession,
} from "../src/recs/train.ts";

const TOY_SESSIONS: TrainingSession[] = [{ items: ["a", "b", "c"] }, { items: ["a", "b"] }, { items: ["b", "c"] }];

function recommender(spec: Recommender, sessions: TrainingSession[], now = 0) {
  const { neighbours, trending } = trainNeighbours(sessions, spec.training, now);
  const options = { ...spec.scoring, fallback: trending };
  return (items: string[]) => recommend(items.map((item) => ({ item })), (i) => neighbours.get(i), options);
}

const scoring = (overrides: Partial<ScoringOptions>): ScoringOptions => ({
  limit: 20,
  historyLength: 10,
  listLookups: 10,
  signals: [],
  repeat: { weight: 0, recencyDecay: 0 },
  evidencePrior: 0,
  fallback: [],
  ...overrides,
});

describe("association rules", () => {
  it("count every pair in a session both ways and score count / max for the last item", () => {
    const ar = recommender(ASSOCIATION_RULES, TOY_SESSIONS);
    // a: b twice (sessions 1, 2), c once.
    expect(ar(["a"])).toEqual([
      { item: "b", score: 1 },
      { item: "c", score: 0.5 },
    ]);
    // b: a twice, c twice; the tie keeps first-seen order (a was paired with b first).
    expect(ar(["b"])).toEqual([
      { item: "a", score: 1 },
      { item: "c", score: 1 },
    ]);
    // Only the last click counts.
    expect(ar(["b", "c"])).toEqual([
      { item: "b", score: 1 },
      { item: "a", score: 0.5 },
    ]);
  });

  it("count a repeated click once per pair of positions, as session-rec does", () => {
    const ar = recommender(ASSOCIATION_RULES, [{ items: ["a", "a", "b"] }]);
    // a–a gets both directions of its one pair; a–b is paired from each of the two a clicks.
    expect(ar(["a"])).toEqual([
      { item: "a", score: 1 },
      { item: "b", score: 1 },
    ]);
  });
});

describe("sequential rules", () => {
  it("count forward pairs within the step window, weighted by the step weighting", () => {
    const sr = recommender(sequentialRules(2, "div"), TOY_SESSIONS);
    // a → b: 1 + 1; a → c two steps on: 1/2.
    expect(sr(["a"])).toEqual([
      { item: "b", score: 1 },
      { item: "c", score: 0.25 },
    ]);
    expect(sr(["c"])).toEqual([]);
  });

  it("use session-rec's weightings", () => {
    expect(STEP_WEIGHTINGS.log(1)).toBeCloseTo(1 / Math.log10(2.7), 12);
    expect(STEP_WEIGHTINGS.quadratic(3)).toBe(1 / 9);
  });
});

describe("aggregation", () => {
  it("folds click by click to the same lists as training on whole sessions", () => {
    const weights: PairWeights = new Map();
    const rule = { maxDistance: 2, forward: STEP_WEIGHTINGS.div, backward: STEP_WEIGHTINGS.same };
    for (const { items } of TOY_SESSIONS)
      for (let p = 1; p < items.length; p++) addPairs(weights, pairIncrements(rule, items.slice(0, p), items[p]!));
    const whole = emptyAggregates();
    const spec = { relations: { later: { rule, topK: 5 } }, halfLifeDays: 0, trendingSize: 0 };
    for (const session of TOY_SESSIONS) foldSession(whole, spec, session, 0);
    expect(whole.pairs.get("later")).toEqual(weights);
    expect(whole.views).toEqual(new Map([["a", 2], ["b", 3], ["c", 2]]));
  });

  it("bounds every materialised list by top-K, best first, normalised to 1", () => {
    const row = new Map([["x", 2], ["y", 8], ["z", 4], ["w", 8]]);
    expect(topNeighbours(row, 2)).toEqual([
      { item: "y", score: 1 },
      { item: "w", score: 1 },
    ]);
    const sessions = [{ items: ["a", "b", "c", "d", "e", "f"] }];
    const { neighbours } = trainNeighbours(sessions, ASSOCIATION_RULES.training, 0);
    for (const lists of neighbours.values()) expect(lists.coVisits!.length).toBeLessThanOrEqual(20);
    const coVisits = { ...ASSOCIATION_RULES.training.relations.coVisits!, topK: 3 };
    const spec = { ...ASSOCIATION_RULES.training, relations: { coVisits } };
    const { neighbours: small } = trainNeighbours(sessions, spec, 0);
    for (const lists of small.values()) expect(lists.coVisits!.length).toBe(3);
  });

  it("halves a click's weight every half-life", () => {
    const day = 86_400;
    expect(decayFactor(0, 2 * day, 1)).toBe(0.25);
    expect(decayFactor(undefined, 2 * day, 1)).toBe(1);
    const spec = { relations: {}, halfLifeDays: 1, trendingSize: 2 };
    const sessions = [
      { items: ["old", "old"], times: [0, 0] },
      { items: ["new"], times: [day] },
    ];
    const { trending } = trainNeighbours(sessions, spec, day);
    // Two clicks a day old (0.5 each) tie with one fresh click; the tie keeps first-seen order.
    expect(trending).toEqual([
      { item: "old", score: 1 },
      { item: "new", score: 1 },
    ]);
  });

  it("links items two hops apart, never to themselves or their direct neighbours", () => {
    const lists = new Map<string, ItemNeighbours>([
      ["a", { views: 1, later: [{ item: "b", score: 1 }] }],
      ["b", { views: 1, later: [{ item: "c", score: 1 }], earlier: [{ item: "a", score: 1 }] }],
      ["c", { views: 1, earlier: [{ item: "b", score: 0.5 }] }],
    ]);
    const related = relatedItems(lists, 10);
    expect(related.get("a")).toEqual([{ item: "c", score: 1 }]);
    expect(related.get("c")).toEqual([{ item: "a", score: 1 }]);
    expect(related.has("b")).toBe(false);
  });
});

describe("scoring", () => {
  const lists = new Map<string, ItemNeighbours>([
    ["old", { views: 9, later: [{ item: "p", score: 1 }] }],
    ["new", { views: 1, later: [{ item: "q", score: 1 }, { item: "r", score: 1 }] }],
  ]);
  const lookup = (item: string) => lists.get(item);

  it("weights newer clicks more", () => {
    const options = scoring({ signals: [{ relation: "later", weight: 1, recencyDecay: 0.5 }] });
    expect(recommend([{ item: "old" }, { item: "new" }], lookup, options).map((r) => [r.item, r.score])).toEqual([
      ["q", 1],
      ["r", 1],
      ["p", 0.5],
    ]);
  });

  it("looks at no more than historyLength clicks, and reads lists for listLookups of them", () => {
    const later = [{ relation: "later" as const, weight: 1, recencyDecay: 1 }];
    const clicks = [{ item: "old" }, { item: "new" }];
    const lastOnly = scoring({ historyLength: 1, signals: later });
    expect(recommend(clicks, lookup, lastOnly).map((r) => r.item)).toEqual(["q", "r"]);
    const reads: string[] = [];
    const counted = (item: string) => (reads.push(item), lists.get(item));
    const options = scoring({ listLookups: 1, signals: later, repeat: { weight: 0.1, recencyDecay: 1 } });
    expect(recommend(clicks, counted, options).map((r) => r.item)).toEqual(["q", "r", "new", "old"]);
    expect(reads).toEqual(["new"]);
  });

  it("discounts lists resting on little evidence", () => {
    const options = scoring({ evidencePrior: 1, signals: [{ relation: "later", weight: 1, recencyDecay: 1 }] });
    // old: 9 / (9 + 1) = 0.9; new: 1 / (1 + 1) = 0.5.
    expect(recommend([{ item: "old" }, { item: "new" }], lookup, options)).toEqual([
      { item: "p", score: 0.9 },
      { item: "q", score: 0.5 },
      { item: "r", score: 0.5 },
    ]);
  });

  it("re-shows clicked items by the repeat weight", () => {
    const options = scoring({
      repeat: { weight: 2, recencyDecay: 0.5 },
      signals: [{ relation: "later", weight: 1, recencyDecay: 1 }],
    });
    expect(recommend([{ item: "old" }, { item: "new" }], lookup, options).slice(0, 2)).toEqual([
      { item: "new", score: 2 },
      { item: "q", score: 1 },
    ]);
  });

  it("fills from the fallback without duplicates and stops at the limit", () => {
    const fallback = ["q", "t1", "t2", "t3"].map((item) => ({ item, score: 1 }));
    const options = scoring({ limit: 4, fallback, signals: [{ relation: "later", weight: 1, recencyDecay: 1 }] });
    expect(recommend([{ item: "new" }], lookup, options)).toEqual([
      { item: "q", score: 1 },
      { item: "r", score: 1 },
      { item: "t1", score: 0 },
      { item: "t2", score: 0 },
    ]);
    expect(recommend([{ item: "unknown" }], lookup, options).map((r) => r.item)).toEqual(["q", "t1", "t2", "t3"]);
  });

  it("is deterministic and survives a JSON round trip of the lists (the KV value)", () => {
    const sessions = [...TOY_SESSIONS, { items: ["c", "a", "d", "b"] }, { items: ["d", "d", "a"] }];
    const { neighbours, trending } = trainNeighbours(sessions, SESSION_BLEND.training, 0);
    const options = { ...SESSION_BLEND.scoring, fallback: trending };
    const recent = [{ item: "a" }, { item: "d" }];
    const direct = recommend(recent, (i) => neighbours.get(i), options);
    const fromKv = new Map(
      [...neighbours].map(([item, lists]) => [item, JSON.parse(JSON.stringify(lists)) as ItemNeighbours]),
    );
    expect(recommend(recent, (i) => fromKv.get(i), options)).toEqual(direct);
    expect(recommend(recent, (i) => neighbours.get(i), options)).toEqual(direct);
    expect(direct.length).toBeLessThanOrEqual(options.limit);
  });
});

it("materialise keeps only the relations a recommender trains", () => {
  const aggregates = emptyAggregates();
  for (const s of TOY_SESSIONS) foldSession(aggregates, ASSOCIATION_RULES.training, s, 0);
  const { neighbours } = materialise(aggregates, ASSOCIATION_RULES.training);
  expect(Object.keys(neighbours.get("a")!).sort()).toEqual(["coVisits", "views"]);
});
