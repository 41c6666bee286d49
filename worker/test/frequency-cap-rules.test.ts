// Frequency caps (pure): rolling windows and minimum gaps, per channel and global, and the first allowed time.
import { describe, expect, it } from "vitest";
import { frequencyCapAllows, type SentMessage } from "../src/triggers/caps.ts";
import type { CapRule } from "../src/triggers/policy.ts";
import { nextSendTime } from "../src/triggers/send-window.ts";

const H = 60 * 60 * 1000;
const D = 24 * H;
const T = Date.UTC(2026, 10, 2, 12, 0);
const TWO_PER_WEEK_THREE_DAYS_APART: CapRule = { channel: "*", max_messages: 2, window_days: 7, min_gap_hours: 72 };

describe("frequencyCapAllows", () => {
  it("allows a message when nothing was sent", () => {
    expect(frequencyCapAllows([], [TWO_PER_WEEK_THREE_DAYS_APART], "email", T)).toEqual({ allowed: true });
  });

  it("holds a message until three days after the last one", () => {
    const sent: SentMessage[] = [{ channel: "email", at: T - D }];
    expect(frequencyCapAllows(sent, [TWO_PER_WEEK_THREE_DAYS_APART], "sms", T)).toEqual({
      allowed: false,
      retryAt: T + 2 * D,
      rule: TWO_PER_WEEK_THREE_DAYS_APART,
    });
  });

  it("holds the third message in 7 days until the oldest ages out of the window", () => {
    const sent: SentMessage[] = [
      { channel: "email", at: T - 6 * D },
      { channel: "sms", at: T - 3 * D },
    ];
    const decision = frequencyCapAllows(sent, [TWO_PER_WEEK_THREE_DAYS_APART], "email", T);
    expect(decision).toMatchObject({ allowed: false, retryAt: T + D });
    // At that time the window holds one message and the last one is 4 days old: allowed.
    expect(frequencyCapAllows(sent, [TWO_PER_WEEK_THREE_DAYS_APART], "email", T + D)).toEqual({ allowed: true });
  });

  it("applies a per-channel rule only to its channel, and the strictest broken rule decides", () => {
    const rules: CapRule[] = [
      { channel: "sms", max_messages: 1, window_days: 7 },
      { channel: "*", min_gap_hours: 12 },
    ];
    const sent: SentMessage[] = [{ channel: "sms", at: T - 2 * D }];
    expect(frequencyCapAllows(sent, rules, "email", T)).toEqual({ allowed: true });
    expect(frequencyCapAllows(sent, rules, "sms", T)).toMatchObject({ allowed: false, retryAt: T + 5 * D, rule: rules[0] });
    const recent: SentMessage[] = [...sent, { channel: "email", at: T - H }];
    expect(frequencyCapAllows(recent, rules, "sms", T)).toMatchObject({ retryAt: T + 5 * D });
    expect(frequencyCapAllows(recent, rules, "email", T)).toMatchObject({ retryAt: T + 11 * H, rule: rules[1] });
  });

  it("measures a gap both ways, so a message stamped later by a clock that went back still counts", () => {
    expect(frequencyCapAllows([{ channel: "email", at: T + H }], [{ channel: "*", min_gap_hours: 3 }], "email", T)).toMatchObject({
      allowed: false,
      retryAt: T + 4 * H,
    });
  });
});

describe("nextSendTime", () => {
  it("moves past caps and quiet hours together until both allow", () => {
    // The cap frees up at 22:00 UTC, inside quiet hours (21:00–08:00 UTC): the message goes at 08:00.
    const sent: SentMessage[] = [{ channel: "email", at: Date.UTC(2026, 10, 2, 10, 0) }];
    const window = nextSendTime(
      Date.UTC(2026, 10, 2, 12, 0),
      "email",
      sent,
      { caps: [{ channel: "*", min_gap_hours: 12 }], quiet_hours: { start: "21:00", end: "08:00" } },
      "UTC",
    );
    expect(new Date(window.at).toISOString()).toBe("2026-11-03T08:00:00.000Z");
    expect(window.reasons).toEqual(["cap:*", "quiet_hours"]);
  });

  it("is now when nothing is in the way", () => {
    expect(nextSendTime(T, "email", [], { caps: [], quiet_hours: null }, "UTC")).toEqual({ at: T, reasons: [] });
  });
});
