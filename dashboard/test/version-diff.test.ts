// The version history shows every setting that changed between two versions, and only those.
import { describe, expect, it } from "vitest";
import { diffValues } from "../src/lib/diff.ts";

describe("trigger version diff", () => {
  it("lists changed leaves by path, steps by position, added and removed ones too", () => {
    const before = { enabled: true, steps: [{ delay_minutes: 60 }, { delay_minutes: 1440 }], channels: null, cooldown_hours: 24 };
    const after = { enabled: false, steps: [{ delay_minutes: 45 }], channels: ["email", "sms"], cooldown_hours: 24 };
    expect(diffValues(before, after)).toEqual([
      { path: "channels", before: null, after: ["email", "sms"] },
      { path: "enabled", before: true, after: false },
      { path: "steps.0.delay_minutes", before: 60, after: 45 },
      { path: "steps.1", before: { delay_minutes: 1440 }, after: undefined },
    ]);
  });

  it("finds nothing between equal versions", () => {
    const d = { steps: [{ delay_minutes: 1 }], content: { subject: "Hi" } };
    expect(diffValues(d, structuredClone(d))).toEqual([]);
  });
});
