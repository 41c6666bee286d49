// What a recommendation shard keeps per item, and the cron's merge of the shards' trending lists:
// first-seen order of pairs, the product-interest bound and retention, exact trending across shards.
import { describe, expect, it } from "vitest";
import {
  applyDeltas,
  emptyRecord,
  INTEREST_PER_ITEM,
  INTEREST_RETENTION_DAYS,
  interestedIn,
  PAIRS_PER_RELATION,
  type ItemDelta,
} from "../src/recs-shards/item-record.ts";
import { mergeTrending } from "../src/stores/recs-materialise.ts";
import { DAY_MS } from "../src/triggers/definitions.ts";

const NOW = Date.parse("2026-12-01T12:00:00.000Z");

function delta(extra: Partial<ItemDelta>): ItemDelta {
  return { item: "x", views: 0, carts: 0, buys: 0, popularity: 0, pairs: [], interest: [], ...extra };
}

describe("an item's record", () => {
  it("adds pair weights in first-seen order across deltas, numeric item ids included", () => {
    const record = emptyRecord();
    applyDeltas(record, [delta({ pairs: [["later", "20", 1], ["later", "3", 1]] })], NOW);
    applyDeltas(record, [delta({ pairs: [["later", "1", 2], ["later", "20", 0.5]] }), delta({ pairs: [["earlier", "3", 1]] })], NOW);
    // An object keyed by item would put "1", "3", "20" first in numeric order and lose the tie-break.
    expect(record.pairs.later).toEqual([["20", 1.5], ["3", 1], ["1", 2]]);
    expect(record.pairs.earlier).toEqual([["3", 1]]);
  });

  it("keeps the heaviest PAIRS_PER_RELATION entries of a relation, in first-seen order, the first seen of equal ones", () => {
    const record = emptyRecord();
    // Weights 1, 2, 1, 2, ... : the cut falls among the 1s.
    const pairs = Array.from({ length: PAIRS_PER_RELATION + 100 }, (_, i) => ["later", `o${i}`, i % 2 ? 2 : 1] as [string, string, number]);
    applyDeltas(record, [delta({ pairs })], NOW);
    const kept = record.pairs.later!;
    expect(kept).toHaveLength(PAIRS_PER_RELATION);
    expect(kept.filter(([, w]) => w === 2)).toHaveLength((PAIRS_PER_RELATION + 100) / 2);
    const ones = kept.filter(([, w]) => w === 1).map(([o]) => o);
    expect(ones).toEqual(Array.from({ length: ones.length }, (_, i) => `o${2 * i}`));
    expect(kept.map(([o]) => Number(o.slice(1)))).toEqual([...kept.map(([o]) => Number(o.slice(1)))].sort((a, b) => a - b));
  });

  it("keeps the latest time of each kind per customer, the most recently active customers up to the bound, within the retention", () => {
    const record = emptyRecord();
    const old = NOW - (INTEREST_RETENTION_DAYS + 1) * DAY_MS;
    applyDeltas(record, [delta({ interest: [["a:old", old, 0, 0], ["a:one", NOW - 3 * DAY_MS, 0, 0]] })], NOW);
    applyDeltas(record, [delta({ interest: [["a:one", NOW - 5 * DAY_MS, NOW - DAY_MS, 0]] })], NOW);
    expect(record.interest).toEqual([["a:one", NOW - 3 * DAY_MS, NOW - DAY_MS, 0]]);

    const many = Array.from({ length: INTEREST_PER_ITEM + 10 }, (_, i) => [`a:${String(i).padStart(5, "0")}`, NOW - DAY_MS + i, 0, 0] as [string, number, number, number]);
    applyDeltas(record, [delta({ interest: many })], NOW);
    expect(record.interest).toHaveLength(INTEREST_PER_ITEM);
    // "a:one" (a day and more ago) and the ten oldest of the new ones are the least recently active.
    expect(record.interest.map((e) => e[0])).not.toContain("a:one");
    expect(record.interest[0]![0]).toBe("a:00010");
  });

  it("names as interested whoever viewed or carted since, and did not buy after", () => {
    const record = emptyRecord();
    applyDeltas(
      record,
      [delta({ interest: [["a:viewer", NOW - DAY_MS, 0, 0], ["a:buyer", NOW - 3 * DAY_MS, 0, NOW - 2 * DAY_MS], ["a:stale", NOW - 40 * DAY_MS, 0, 0]] })],
      NOW,
    );
    expect(interestedIn(record, NOW - 30 * DAY_MS)).toEqual(["a:viewer"]);
  });
});

describe("trending merged from the shards", () => {
  it("is the top of all shards' items, most popular first, ties by item, normalised by the best", () => {
    const merged = mergeTrending([
      { "": [{ item: "b", popularity: 4 }, { item: "d", popularity: 1 }], Hats: [{ item: "b", popularity: 4 }] },
      { "": [{ item: "a", popularity: 4 }, { item: "c", popularity: 2 }], Shoes: [{ item: "c", popularity: 2 }] },
    ]);
    expect(merged[""]).toEqual([
      { item: "a", score: 1 },
      { item: "b", score: 1 },
      { item: "c", score: 0.5 },
      { item: "d", score: 0.25 },
    ]);
    expect(merged.Hats).toEqual([{ item: "b", score: 1 }]);
    expect(merged.Shoes).toEqual([{ item: "c", score: 1 }]);
  });
});
