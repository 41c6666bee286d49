// A visitor who subscribes and later signs up gets the welcome series once: the customer's object takes over the visitor's run.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid, userHash } from "./helpers.ts";
import { clearAlarm, messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm, runAnyAlarm } from "./messaging-helpers.ts";

describe("the welcome series across a sign-up", () => {
  // Regression: a visitor who subscribed anonymously and then signed up got two day-0 welcome emails 3 s apart.
  it("sends day 0 once, and carries on with day 2 in the customer's object", async () => {
    const ws = await messagingWorkspace({ triggers: { welcome: { template: "welcome_series" } } });
    const visitor = uid();
    const userId = uid("user");
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "w@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Subscribed", { channel: "email" }),
      ],
      ws.writeKey,
    );
    // Day 0 went out at the subscribe, from the visitor's object.
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.runs[0]?.sent_count === 1, { timeout: 5000 });
    const before = (await messagesOf(ws, visitor)).body;
    const [day0] = before.messages;

    const context = { userHash: await userHash(userId, ws.identitySecret) };
    await batch(
      [
        { type: "identify", anonymousId: visitor, userId, traits: { email: "w@example.com" }, context, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Signed Up", {}, { userId, context }),
      ],
      ws.writeKey,
    );
    // Planned at the event, synchronously: the customer holds the visitor's run (day 0 sent, day 2
    // next) and its one message, and started no run of its own, so no second day 0 can come.
    const customer = (await messagesOf(ws, userId)).body;
    expect(customer.runs).toEqual([before.runs[0]]);
    expect(customer.messages.map((m: any) => m.message_id)).toEqual([day0.message_id]);
    expect(pendingRows(customer)).toMatchObject([{ step: 1 }]);

    // Day 2 comes from the customer's object; the visitor's old alarm finds nothing left to send.
    expect(await runAnyAlarm(ws, `a:${visitor}`)).toBe(true);
    expect(await runAlarm(ws, `u:${userId}`)).toBe(true);
    await vi.waitUntil(async () => (await outbox(ws)).body.messages.some((m: any) => m.step === 1), { timeout: 5000 });
    const sent = (await outbox(ws)).body.messages;
    expect(sent.map((m: any) => [m.step, m.profile_key]).sort()).toEqual([
      [0, `a:${visitor}`],
      [1, `u:${userId}`],
    ]);
    expect(pendingRows((await messagesOf(ws, userId)).body)).toMatchObject([{ step: 2 }]);
    await clearAlarm(ws, `u:${userId}`);
  });
});
