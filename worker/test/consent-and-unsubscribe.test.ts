// Consent per channel: subscribe/unsubscribe events, opt-in channels, and the signed one-click unsubscribe link.
import { describe, expect, it, vi } from "vitest";
import { batch, customer, request, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

async function workspace() {
  return messagingWorkspace({
    policy: { caps: [], quiet_hours: null, opt_in_channels: ["sms"], cascade: { channels: ["email", "sms"], wait_hours: 24 } },
    triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }], cooldown_hours: 0 } },
  });
}

async function orderFrom(ws: MessagingWorkspace, visitor: string, before: unknown[] = []) {
  await batch([...before, trackEvent(visitor, "Order Completed", { order_id: uid("o") })], ws.writeKey);
}

const identify = (id: string, traits: Record<string, unknown>) => ({ type: "identify", anonymousId: id, traits, messageId: crypto.randomUUID() });

describe("consent", () => {
  it("sends nothing on a channel the customer unsubscribed from or never opted into (SMS), and says why", async () => {
    const ws = await workspace();
    const visitor = uid();
    await orderFrom(ws, visitor, [
      identify(visitor, { email: "u@example.com", phone: "+15550101" }),
      trackEvent(visitor, "Unsubscribed", { channel: "email" }),
    ]);
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.schedule[0]?.status === "dropped", { timeout: 5000 });
    expect((await messagesOf(ws, visitor)).body.schedule[0].reason).toBe("no_sendable_channel (email:no_consent,sms:no_consent)");

    // Opting into SMS (a Subscribed event) makes SMS the channel of the next message.
    await orderFrom(ws, visitor, [trackEvent(visitor, "Subscribed", { channel: "sms" })]);
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.channel).toBe("sms");
  });

  it("opts out of every channel on an Unsubscribed without a channel, but opts in only to channels named", async () => {
    const ws = await workspace();
    const visitor = uid();
    await batch([trackEvent(visitor, "Subscribed", {}), trackEvent(visitor, "Subscribed", { channels: ["email", "push"] })], ws.writeKey);
    expect((await customer(visitor, ws.secretKey)).body.consent).toEqual({ email: true, push: true });
    await batch([trackEvent(visitor, "Unsubscribed", {})], ws.writeKey);
    expect((await customer(visitor, ws.secretKey)).body.consent).toEqual({ email: false, messenger: false, push: false, sms: false });
  });

  it("unsubscribes from the message's channel with the signed one-click link, without exposing the customer", async () => {
    const ws = await workspace();
    const visitor = uid();
    await orderFrom(ws, visitor, [identify(visitor, { email: "v@example.com" })]);
    const [message] = await waitForOutbox(ws, visitor, 1);
    const link: string = message.message.payload.links.unsubscribe!;
    expect(link).not.toContain(visitor);
    const path = new URL(link).pathname;

    // GET (what a mail scanner does) shows a confirmation and changes nothing.
    const page = await request(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Unsubscribe");
    expect((await customer(visitor, ws.secretKey)).body.consent).toEqual({});

    // POST (the button, or the mail client's RFC 8058 one-click) unsubscribes.
    const res = await request(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ unsubscribed: true, channel: "email" });
    const state = (await customer(visitor, ws.secretKey)).body;
    expect(state.consent).toEqual({ email: false });
    expect(state.channel_history[0]).toMatchObject({ channel: "email", event: "Consent Updated", utm: { source: "seam", medium: "email", campaign: "cross-sell" } });

    // The next order's message has nowhere to go.
    await orderFrom(ws, visitor);
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.schedule.some((r: any) => r.status === "dropped"), { timeout: 5000 });
  });

  it("refuses a forged, tampered or wrong-kind token with a 400 and changes nothing", async () => {
    const ws = await workspace();
    const visitor = uid();
    await orderFrom(ws, visitor, [identify(visitor, { email: "w@example.com" })]);
    const [message] = await waitForOutbox(ws, visitor, 1);
    const unsubscribe = new URL(message.message.payload.links.unsubscribe!).pathname;
    const openToken = new URL(message.message.payload.links.open_pixel!).pathname.split("/").pop();
    for (const path of [`/v1/unsubscribe/${openToken}`, `${unsubscribe.slice(0, -3)}AAA`, "/v1/unsubscribe/v1.bm90LWEtdG9rZW4", "/v1/unsubscribe/x"]) {
      const res = await request(path, { method: "POST" });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as any).error.code).toBe("invalid_token");
    }
    expect((await customer(visitor, ws.secretKey)).body.consent).toEqual({});
  });
});
