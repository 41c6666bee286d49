// The decision for a due schedule row (pure): send, reschedule, drop, cancel or end the run — and on which channel, chosen by what.
import { describe, expect, it } from "vitest";
import type { Contact } from "../src/triggers/channels.ts";
import { resolveDefinition, type WorkspaceTemplate, type TriggerInput } from "../src/triggers/definitions.ts";
import { DEFAULT_POLICY, type MessagingPolicy } from "../src/triggers/policy.ts";
import { decideDueStep, nextCascadeHop, type DueRow, type DueStepFacts } from "../src/triggers/due-step.ts";
import type { RunSummary } from "../src/triggers/evaluate.ts";

const H = 60 * 60_000;
/** Tuesday 2026-11-03 10:00 UTC: outside the default quiet hours. */
const NOW = Date.UTC(2026, 10, 3, 10, 0);
const OPEN: MessagingPolicy = { ...DEFAULT_POLICY, caps: [], quiet_hours: null, opt_in_channels: [], cascade: { channels: ["email", "sms"], wait_hours: 24 } };
const REACHABLE: Contact = { email: "a@example.com", phone: "+15550100", messengerId: null, push: false, emailConfirmed: true, phoneConfirmed: true };

function trigger(template: WorkspaceTemplate, overrides: Partial<TriggerInput> = {}) {
  return resolveDefinition("t", { template, ...overrides }, 1);
}

const run: RunSummary = {
  runId: "t:once",
  triggerId: "t",
  template: "welcome_series",
  entryKey: "once",
  status: "active",
  productId: null,
  startedAt: NOW - H,
  anchorAt: NOW - H,
  lastSentAt: null,
  sentCount: 0,
};

const row: DueRow = { id: "t:once#s0", runId: "t:once", triggerId: "t", kind: "step", step: 0, channels: null, channelIndex: 0, chosenBy: null, dueAt: NOW, expiresAt: NOW + 72 * H };

function facts(overrides: Partial<DueStepFacts> = {}): DueStepFacts {
  return {
    row,
    run,
    trigger: trigger("welcome_series"),
    policy: OPEN,
    now: NOW,
    sendTime: { cartLineCount: 0, cartProductIds: new Set(), lastOrderAt: null, productBoughtAt: () => null, otherRunLastSentAt: null },
    stepEngaged: false,
    traits: {},
    engagement: [],
    consent: {},
    contact: REACHABLE,
    sent: [],
    timeZone: "UTC",
    ...overrides,
  };
}

describe("a due step", () => {
  it("is sent at once on the first channel the customer consented to and can be reached on", () => {
    expect(decideDueStep(facts())).toEqual({ kind: "send", channel: "email", channelIndex: 0, channels: ["email", "sms"], planChosenBy: "cascade", chosenBy: "cascade" });
    expect(decideDueStep(facts({ consent: { email: false } }))).toMatchObject({ kind: "send", channel: "sms", channelIndex: 1 });
  });

  it("ends its run when the customer is no longer in the trigger's audience (or is in a segment it excludes)", () => {
    const vip = trigger("welcome_series", { audience: { segment: "high_value", exclude: ["lapsed"] } });
    expect(decideDueStep(facts({ trigger: vip, segments: new Set(["high_value"]) }))).toMatchObject({ kind: "send" });
    expect(decideDueStep(facts({ trigger: vip, segments: new Set(["recent_buyers"]) }))).toEqual({ kind: "exit", reason: "audience" });
    expect(decideDueStep(facts({ trigger: vip, segments: new Set(["high_value", "lapsed"]) }))).toEqual({ kind: "exit", reason: "audience" });
    expect(decideDueStep(facts({ trigger: vip }))).toEqual({ kind: "exit", reason: "audience" });
  });

  it("is cancelled when its run is gone or already ended, and ends its run when the trigger is off or the step no longer applies", () => {
    expect(decideDueStep(facts({ run: undefined }))).toEqual({ kind: "cancel", reason: "run_missing" });
    expect(decideDueStep(facts({ run: { ...run, status: "superseded" } }))).toEqual({ kind: "cancel", reason: "run_superseded" });
    expect(decideDueStep(facts({ trigger: undefined }))).toEqual({ kind: "exit", reason: "trigger_disabled" });
    expect(decideDueStep(facts({ trigger: trigger("welcome_series", { enabled: false }) }))).toEqual({ kind: "exit", reason: "trigger_disabled" });
    const cart = trigger("abandoned_cart");
    expect(decideDueStep(facts({ trigger: cart, run: { ...run, template: "abandoned_cart" } }))).toEqual({ kind: "exit", reason: "cart_emptied" });
  });

  it("is done when it is a cascade hop of a message already opened or clicked", () => {
    const hop: DueRow = { ...row, id: "t:once#s0#c1", kind: "cascade", channels: ["email", "sms"], channelIndex: 1 };
    expect(decideDueStep(facts({ row: hop, stepEngaged: true }))).toEqual({ kind: "done", reason: "engaged" });
    expect(decideDueStep(facts({ row: hop }))).toMatchObject({ kind: "send", channel: "sms", chosenBy: "cascade" });
  });

  it("is dropped, with the reason, when it expired or no channel can take it", () => {
    expect(decideDueStep(facts({ now: row.expiresAt + 1 }))).toEqual({ kind: "drop", reason: "expired" });
    expect(decideDueStep(facts({ contact: { ...REACHABLE, email: null }, consent: { sms: false } }))).toEqual({
      kind: "drop",
      reason: "no_sendable_channel (email:unreachable,sms:no_consent)",
    });
  });

  it("waits for the end of the quiet hours in the customer's zone, keeping its channel plan", () => {
    const quiet = { ...OPEN, quiet_hours: { start: "21:00", end: "08:00" } };
    // 10:00 UTC is 23:00 in Auckland (UTC+13 in November): held until 08:00 there.
    expect(decideDueStep(facts({ policy: quiet, timeZone: "Pacific/Auckland" }))).toMatchObject({
      kind: "reschedule",
      at: Date.UTC(2026, 10, 3, 19, 0),
      reason: "quiet_hours",
      channels: ["email", "sms"],
    });
  });
});

describe("a step held back by a frequency cap", () => {
  const weekly = { ...OPEN, caps: [{ channel: "*" as const, max_messages: 1, window_days: 7 }] };
  const sentYesterday = [{ channel: "email" as const, at: NOW - 24 * H }];

  it("is rescheduled to when the cap frees up, within its expiry", () => {
    const long = facts({ policy: weekly, sent: sentYesterday, row: { ...row, expiresAt: NOW + 30 * 24 * H } });
    expect(decideDueStep(long)).toMatchObject({ kind: "reschedule", at: NOW + 6 * 24 * H, expiresAt: NOW + 30 * 24 * H, reason: "cap:*" });
  });

  // Regression: a 24-72 h reminder behind a weekly cap was dropped as expired:cap; a trigger that may wait keeps it.
  it("waits past its expiry for the first allowed slot when the trigger waits for caps, with its expiry counted from there", () => {
    const decision = decideDueStep(facts({ policy: weekly, sent: sentYesterday }));
    expect(decision).toMatchObject({ kind: "reschedule", at: NOW + 6 * 24 * H, expiresAt: NOW + 6 * 24 * H + 72 * H, reason: "cap:*" });
  });

  it("is dropped as expired:cap when the trigger states a fact of the moment (a price drop does not wait)", () => {
    const drop = trigger("price_drop");
    expect(drop.wait_for_caps).toBe(false);
    expect(decideDueStep(facts({ policy: weekly, sent: sentYesterday, trigger: drop, run: { ...run, template: "price_drop" } }))).toEqual({
      kind: "drop",
      reason: "expired:cap:*",
    });
  });

  it("is still dropped when only quiet hours hold it past its expiry", () => {
    const quiet = { ...OPEN, quiet_hours: { start: "09:00", end: "23:00" } };
    expect(decideDueStep(facts({ policy: quiet, row: { ...row, expiresAt: NOW + H } }))).toEqual({ kind: "drop", reason: "expired:quiet_hours" });
  });
});

describe("what chose the channel", () => {
  it("is the preference only when the preferred channel is the one used", () => {
    expect(decideDueStep(facts({ traits: { preferred_channel: "sms" } }))).toMatchObject({ channel: "sms", chosenBy: "preference" });
  });

  // Regression: chosen_by said "preference" for a message that went out on another channel because the preferred one could not be used.
  it("is the cascade when the preferred (or learned) channel could not be used", () => {
    const noSms = facts({ traits: { preferred_channel: "sms" }, policy: { ...OPEN, opt_in_channels: ["sms"] } });
    expect(decideDueStep(noSms)).toMatchObject({ channel: "email", channelIndex: 1, planChosenBy: "preference", chosenBy: "cascade" });
    const learned = facts({ engagement: [{ channel: "sms", opened: 3, clicked: 1 }], contact: { ...REACHABLE, phone: null } });
    expect(decideDueStep(learned)).toMatchObject({ channel: "email", planChosenBy: "learned", chosenBy: "cascade" });
  });

  it("is kept with a rescheduled step's plan, so the message sent later reports it", () => {
    const planned: DueRow = { ...row, channels: ["sms", "email"], chosenBy: "preference" };
    expect(decideDueStep(facts({ row: planned }))).toMatchObject({ channel: "sms", chosenBy: "preference" });
  });
});

describe("the cascade's next hop", () => {
  it("waits the trigger's (else the workspace's) hours for the next channel that can take it, and is none at the end", () => {
    const t = trigger("post_purchase");
    expect(nextCascadeHop(t, OPEN, ["email", "sms"], 0, {}, REACHABLE, NOW)).toEqual({ channelIndex: 1, dueAt: NOW + 24 * H, expiresAt: NOW + 24 * H + 72 * H });
    expect(nextCascadeHop({ ...t, cascade_wait_hours: 2 }, OPEN, ["email", "sms"], 0, {}, REACHABLE, NOW)).toMatchObject({ dueAt: NOW + 2 * H });
    expect(nextCascadeHop(t, OPEN, ["email", "sms"], 1, {}, REACHABLE, NOW)).toBeNull();
    expect(nextCascadeHop(t, OPEN, ["email", "sms"], 0, { sms: false }, REACHABLE, NOW)).toBeNull();
  });
});
