// The segment editor's pure parts: a rule's JSON problem and the API's details in words, and a
// segment's size per day worked back from its size now and its entries and exits.
import { describe, expect, it } from "vitest";
import { parseRule, ruleIssueWords, sizesByDay } from "../src/lib/segment-rules.ts";

describe("segment editor", () => {
  it("says where a rule's JSON breaks, and that an empty rule needs a test", () => {
    expect(parseRule('{"bought": {}}')).toEqual({ rule: { bought: {} } });
    expect(parseRule("  ")).toEqual({ problem: "The rule is empty: add a test." });
    const broken = parseRule('{\n  "and": [\n    {"bought": {}}\n    {"spend": {"gte": 1}}\n  ]\n}');
    expect("problem" in broken && broken.problem).toMatch(/^The rule is not valid JSON \(line 4\)/);
  });

  it("puts the API's validation details in words, one line per test", () => {
    expect(
      ruleIssueWords([
        { path: "rule.and.0.trait", message: "a trait test needs an operator: eq, ne, in, gt, gte, lt, lte, exists or contains" },
        { path: "rule.and.1.spend", message: "a spend test needs gte or lt" },
        { path: "rule", message: "Invalid input" },
        { path: "rule", message: "a rule has exactly one of: and, or, not" },
      ]),
    ).toEqual([
      "Test 1, trait: a trait test needs an operator: eq, ne, in, gt, gte, lt, lte, exists or contains.",
      "Test 2, spend: a spend test needs gte or lt.",
      "The rule: a rule has exactly one of: and, or, not.",
    ]);
  });

  it("works a segment's size at the end of each day back from its size now", () => {
    const days = ["2026-11-28", "2026-11-29", "2026-11-30"];
    expect(sizesByDay(12, [{ date: "2026-11-29", entered: 5, exited: 1 }, { date: "2026-11-30", entered: 0, exited: 2 }], days)).toEqual([
      { date: "2026-11-28", size: 10, entered: 0, exited: 0 },
      { date: "2026-11-29", size: 14, entered: 5, exited: 1 },
      { date: "2026-11-30", size: 12, entered: 0, exited: 2 },
    ]);
  });
});
