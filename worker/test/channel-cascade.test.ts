// Best channel and cascade: email → SMS moves on only when the email is not opened within the wait, and stops at once when it is.
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, HOUR, messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

async function workspace() {
  return messagingWorkspace({
    policy: { caps: [], quiet_hours: null, opt_in_channels: [], cascade: { channels: ["email", "sms"], wait_hours: 24 } },
    triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }], cooldown_hours: 0 } },
  });
}

async function order(ws: MessagingWorkspace, visitor: string, traits: Record<string, unknown>, product = "tent") {
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Order Completed", { order_id: uid("o"), products: [{ product_id: product, url: `https://shop.example/p/${product}` }] }),
    ],
    ws.writeKey,
  );
}

const both = { email: "c@example.com", phone: "+15550102" };

describe("channel cascade", () => {
  it("stops at once when the email is opened: the SMS hop is cancelled at the open, not at its due time", async () => {
    const ws = await workspace();
    const visitor = uid();
    await order(ws, visitor, both);
    const [email] = await waitForOutbox(ws, visitor, 1);
    expect(email.channel).toBe("email");
    await vi.waitUntil(async () => pendingRows((await messagesOf(ws, visitor)).body).length === 1, { timeout: 5000 });
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toMatchObject([{ kind: "cascade", channel_index: 1, channels: ["email", "sms"] }]);

    const pixel = await request(new URL(email.message.payload.links.open_pixel!).pathname);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get("content-type")).toBe("image/gif");

    const state = (await messagesOf(ws, visitor)).body;
    expect(state.messages[0].opened_at).not.toBeNull();
    expect(state.schedule.find((r: any) => r.kind === "cascade")).toMatchObject({ status: "cancelled", reason: "engaged" });
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(false);
    expect((await outbox(ws, { customer: visitor })).body.messages).toHaveLength(1);
  });

  it("moves on to SMS when the email is not opened within the wait", async () => {
    const ws = await workspace();
    const visitor = uid();
    await order(ws, visitor, both);
    const [email] = await waitForOutbox(ws, visitor, 1);
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.alarm_at !== null, { timeout: 5000 });
    const sentAt = Date.parse((await messagesOf(ws, visitor)).body.messages[0].queued_at);
    expect((await messagesOf(ws, visitor)).body.alarm_at).toBe(new Date(sentAt + 24 * HOUR).toISOString());

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const messages = await waitForOutbox(ws, visitor, 2);
    const sms = messages.find((m) => m.channel === "sms")!;
    expect(sms.step).toBe(email.step);
    expect(sms.message_id).not.toBe(email.message_id);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.messages.find((m) => m.channel === "sms")!.chosen_by).toBe("cascade");
    expect(pendingRows(state)).toEqual([]);
  });

  it("starts on the channel the customer prefers (an explicit trait), else the one they engage with most", async () => {
    const ws = await workspace();
    const prefers = uid();
    await order(ws, prefers, { ...both, preferred_channel: "sms" });
    const [first] = await waitForOutbox(ws, prefers, 1);
    expect(first.channel).toBe("sms");
    await vi.waitUntil(async () => (await messagesOf(ws, prefers)).body.messages[0]?.chosen_by === "preference", { timeout: 5000 });

    // Learned: this customer clicked an SMS before (when SMS was all we had); now with an email too, SMS comes first.
    const learner = uid();
    await order(ws, learner, { phone: "+15550103" });
    const [sms] = await waitForOutbox(ws, learner, 1);
    const click = await request(new URL(sms.message.payload.products[0].link!).pathname, { redirect: "manual" });
    expect(click.status).toBe(302);
    await order(ws, learner, { email: "l@example.com" }, "stove");
    const messages = await waitForOutbox(ws, learner, 2);
    expect(messages.map((m: any) => m.channel)).toEqual(["sms", "sms"]);
    await vi.waitUntil(async () => (await messagesOf(ws, learner)).body.messages.some((m: any) => m.chosen_by === "learned"), { timeout: 5000 });
    // Both left an email hop armed for tomorrow.
    await clearAlarm(ws, `a:${prefers}`);
    await clearAlarm(ws, `a:${learner}`);
  });
});
