// Welcome series end to end: on sign-up, messages on day 0 (at once), day 2 and day 5, driven by the alarm's clock.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { DAY, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("welcome series", () => {
  it("sends day 0 at the sign-up, then day 2 and day 5, each step's content in its message", async () => {
    const ws = await messagingWorkspace({
      triggers: {
        welcome: {
          template: "welcome_series",
          content: { brand: "Seam Store" },
          steps: [
            { delay_minutes: 0, content: { subject: "Welcome!" } },
            { delay_minutes: 2 * 24 * 60, content: { subject: "Our bestsellers" } },
            { delay_minutes: 5 * 24 * 60, content: { subject: "A gift for you" } },
          ],
        },
      },
    });
    const visitor = uid();
    const signedUpAt = Date.now() - 1000;
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "w@example.com", first_name: "Wen" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Signed Up", { method: "email" }, { timestamp: iso(signedUpAt) }),
      ],
      ws.writeKey,
    );

    // Day 0 goes at the event, without waiting for an alarm.
    const [day0] = await waitForOutbox(ws, visitor, 1);
    expect(day0.step).toBe(0);
    expect(day0.message.payload.content).toEqual({ brand: "Seam Store", subject: "Welcome!" });
    expect(day0.message.payload.customer.traits.first_name).toBe("Wen");
    await vi.waitUntil(async () => pendingRows((await messagesOf(ws, visitor)).body).length === 1, { timeout: 5000 });
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toMatchObject([{ step: 1, due_at: iso(signedUpAt + 2 * DAY) }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    await waitForOutbox(ws, visitor, 2);
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toMatchObject([{ step: 2, due_at: iso(signedUpAt + 5 * DAY) }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const all = await waitForOutbox(ws, visitor, 3);
    expect(all.map((m: any) => m.message.payload.content.subject).sort()).toEqual(["A gift for you", "Our bestsellers", "Welcome!"]);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toMatchObject([{ trigger_id: "welcome", status: "completed", sent_count: 3 }]);
    expect(state.alarm_at).toBeNull();

    // Once per customer: signing up again starts nothing.
    await batch([trackEvent(visitor, "Signed Up", {}, { timestamp: iso(Date.now() - 1) })], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs).toHaveLength(1);
  });
});
