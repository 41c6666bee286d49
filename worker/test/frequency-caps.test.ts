// Frequency caps end to end: "at most 2 per rolling 7 days AND at least 3 days apart" reschedules, never loses; past expiry it drops.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { DAY, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const CAP = { channel: "*", max_messages: 2, window_days: 7, min_gap_hours: 72 };

async function signUp(steps: number[], expiresAfterHours: number, waitForCaps = true) {
  const ws = await messagingWorkspace({
    policy: { caps: [CAP], quiet_hours: null, opt_in_channels: [] },
    triggers: {
      welcome: {
        template: "welcome_series",
        steps: steps.map((days) => ({ delay_minutes: days * 24 * 60 })),
        expires_after_hours: expiresAfterHours,
        wait_for_caps: waitForCaps,
      },
    },
  });
  const visitor = uid();
  const t0 = Date.now() - 1000;
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: "f@example.com" }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Signed Up", {}, { timestamp: iso(t0) }),
    ],
    ws.writeKey,
  );
  // Day 0 goes at once; wait until its send armed the alarm for the next step.
  await waitForOutbox(ws, visitor, 1);
  await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.alarm_at !== null, { timeout: 5000 });
  return { ws, visitor, t0 };
}

describe("frequency caps", () => {
  it("reschedules to the first allowed time: 3 days after the last message, then when the 7-day window frees up", async () => {
    const { ws, visitor } = await signUp([0, 1, 2], 30 * 24);
    const sentAt = Date.parse((await messagesOf(ws, visitor)).body.messages[0].queued_at);

    // Day 1 is due, but the last message was a day ago: moved to 3 days after it.
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    let state = (await messagesOf(ws, visitor)).body;
    expect(state.messages).toHaveLength(1);
    expect(pendingRows(state)).toMatchObject([{ step: 1, due_at: iso(sentAt + 3 * DAY), reason: "rescheduled:cap:*" }]);

    // Day 3: sent. Step 3 (day 2) is due at once, but 2 messages are in the window: it waits until
    // the first ages out (day 7), which is also ≥ 3 days after the second.
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    state = (await messagesOf(ws, visitor)).body;
    expect(state.messages).toHaveLength(2);
    expect(pendingRows(state)).toMatchObject([{ step: 2, due_at: iso(sentAt + 7 * DAY), reason: "rescheduled:cap:*" }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    await waitForOutbox(ws, visitor, 3);
    state = (await messagesOf(ws, visitor)).body;
    expect(state.messages.map((m: any) => Date.parse(m.queued_at) - sentAt).sort((a: number, b: number) => a - b)).toEqual([0, 3 * DAY, 7 * DAY]);
    expect(state.runs).toMatchObject([{ status: "completed", sent_count: 3 }]);
  });

  it("drops a message whose first allowed time is past its expiry (a trigger that does not wait for caps), says why, and moves on to the next step", async () => {
    const { ws, visitor } = await signUp([0, 1, 2], 30, false);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.schedule.find((r: any) => r.step === 1)).toMatchObject({ status: "dropped", reason: "expired:cap:*" });
    // Step 3 is still planned (day 2), and will itself wait for the gap.
    expect(pendingRows(state)).toMatchObject([{ step: 2 }]);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toMatchObject([{ step: 2, reason: "rescheduled:cap:*" }]);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    await waitForOutbox(ws, visitor, 2);
  });
});
