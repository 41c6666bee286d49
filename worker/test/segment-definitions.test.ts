// What a PUT of a segment becomes (pure): the rule schema's answers, references and cycles, the
// built-ins' params, the custom-segment limit, and the definitions resolved from D1's rows.
import { describe, expect, it } from "vitest";
import { BUILTIN_SEGMENT_IDS } from "../src/segments/builtins.ts";
import { builtinDefinition, referenceCycle, resolveSegments, SEGMENT_LIMITS, segmentsDigest, segmentToStore, type SegmentDefinition } from "../src/segments/definitions.ts";
import { segmentRuleSchema, type SegmentRule } from "../src/segments/rules.ts";

const builtins = BUILTIN_SEGMENT_IDS.map((id) => builtinDefinition(id));
const custom = (id: string, rule: SegmentRule): SegmentDefinition => ({ id, kind: "custom", name: id, version: 1, rule });
const noParamIssues = () => null;

describe("the rule schema", () => {
  it("accepts the issue's example and says where a rule is wrong", () => {
    const example = { and: [{ bought: { category: "shoes", within_days: 90 } }, { not: { segment: "high_value" } }] };
    expect(segmentRuleSchema.safeParse(example)).toMatchObject({ success: true, data: example });
    const wrong = segmentRuleSchema.safeParse({ and: [{ bought: { category: "shoes", within_days: "90" } }] });
    expect(wrong.success).toBe(false);
    expect(wrong.error!.issues.map((i) => i.path.join("."))).toContain("and.0.bought.within_days");
    const two = segmentRuleSchema.safeParse({ and: [{ bought: {}, viewed: {} }] });
    expect(two.error!.issues[0]).toMatchObject({ path: ["and", 0], message: expect.stringContaining("exactly one of") });
  });
});

describe("a segment PUT", () => {
  it("tunes a built-in's params over its defaults, and refuses a rule for it", () => {
    expect(segmentToStore("lapsed", { params: { days: 60 } }, builtins, noParamIssues)).toEqual({ kind: "builtin", name: "Lapsed", definition: JSON.stringify({ params: { days: 60 } }) });
    expect(segmentToStore("lapsed", { rule: { bought: {} } }, builtins, noParamIssues)).toMatchObject({ status: 400, code: "builtin_segment" });
    expect(segmentToStore("lapsed", { params: { days: -1 } }, builtins, () => [{ path: "days" }])).toMatchObject({ status: 400, code: "invalid_params", details: [{ path: "days" }] });
  });

  it("takes a custom rule naming existing segments, and refuses unknown ones and cycles, naming the cycle", () => {
    const withA = [...builtins, custom("a", { segment: "high_value" }), custom("b", { segment: "a" })];
    expect(segmentToStore("c", { rule: { segment: "b" } }, withA, noParamIssues)).toMatchObject({ kind: "custom", name: "c" });
    expect(segmentToStore("c", { rule: { or: [{ segment: "b" }, { segment: "zz" }] } }, withA, noParamIssues)).toMatchObject({ code: "unknown_segment", details: { segments: ["zz"] } });
    expect(segmentToStore("a", { rule: { not: { segment: "b" } } }, withA, noParamIssues)).toMatchObject({ code: "segment_cycle", details: { cycle: ["a", "b", "a"] } });
    expect(referenceCycle("c", { segment: "c" }, withA)).toEqual(["c", "c"]);
    expect(referenceCycle("c", { and: [{ segment: "a" }, { segment: "b" }] }, withA)).toBeNull();
  });

  it("refuses a custom segment past the workspace's limit, but still changes an existing one", () => {
    const full = [...builtins, ...Array.from({ length: SEGMENT_LIMITS.customPerWorkspace }, (_, i) => custom(`s${i}`, { bought: {} }))];
    expect(segmentToStore("one_more", { rule: { bought: {} } }, full, noParamIssues)).toMatchObject({ status: 409, code: "too_many_segments" });
    expect(segmentToStore("s3", { rule: { spend: { gte: 1 } } }, full, noParamIssues)).toMatchObject({ kind: "custom" });
  });
});

describe("definitions from D1", () => {
  it("every built-in (tuned or not) in its order, then the custom segments by id; the digest changes with any rule", () => {
    const resolved = resolveSegments([
      { segment_id: "zeta", kind: "custom", name: "Zeta", definition: JSON.stringify({ rule: { bought: {} } }), version: 2 },
      { segment_id: "alpha", kind: "custom", name: "Alpha", definition: JSON.stringify({ rule: { spend: { gte: 5 } } }), version: 1 },
      { segment_id: "recent_buyers", kind: "builtin", name: "Buyers", definition: JSON.stringify({ params: { days: 7 } }), version: 3 },
    ]);
    expect(resolved.map((d) => d.id)).toEqual([...BUILTIN_SEGMENT_IDS, "alpha", "zeta"]);
    expect(resolved[0]).toEqual({ id: "recent_buyers", kind: "builtin", name: "Buyers", version: 3, params: { days: 7 }, rule: { bought: { within_days: 7 } } });
    expect(resolved[1]).toMatchObject({ id: "cart_abandoners", version: 0, params: { minutes: 60 } });
    const same = resolveSegments([]);
    expect(segmentsDigest(same)).toBe(segmentsDigest(builtins));
    // A segment deleted and made again restarts at version 1: its rule still changes the digest.
    expect(segmentsDigest([...builtins, custom("x", { bought: {} })])).not.toBe(segmentsDigest([...builtins, custom("x", { spend: { gte: 1 } })]));
  });
});
