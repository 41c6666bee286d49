// Regression (security): an anonymous visitor's `traits.email` was enough for marketing to go to
// that address. Under double opt-in (the default) a browser-given email or phone gets one
// confirmation message; marketing goes to it only after the click on its sealed link.
import { describe, expect, it, vi } from "vitest";
import { backendBatch, batch, customer, request, trackEvent, uid, userHash } from "./helpers.ts";
import { messagesOf, messagingWorkspace, OPEN_POLICY, outbox, pendingRows, runAlarm, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

const WELCOME = { welcome: { template: "welcome_series", steps: [{ delay_minutes: 0 }] } };

function welcomeWorkspace() {
  return messagingWorkspace({ policy: { ...OPEN_POLICY, double_opt_in: true }, triggers: WELCOME });
}

async function signUp(ws: MessagingWorkspace, anonymousId: string, email: string) {
  const res = await batch(
    [{ type: "identify", anonymousId, traits: { email }, messageId: crypto.randomUUID() }, trackEvent(anonymousId, "Signed Up")],
    ws.writeKey,
  );
  expect(res.status).toBe(200);
}

const path = (url: string) => new URL(url).pathname;

describe("double opt-in", () => {
  it("asks a browser-given email to confirm itself, holds the welcome, and sends it the moment the customer clicks", async () => {
    const ws = await welcomeWorkspace();
    const visitor = uid();
    await signUp(ws, visitor, "new@example.com");

    // The one message that goes out is the confirmation, to that address, with a confirm link.
    const [confirmation] = await waitForOutbox(ws, visitor, 1);
    expect(confirmation).toMatchObject({ template: "contact_confirmation", channel: "email" });
    expect(confirmation.message.payload.customer.email).toBe("new@example.com");
    const link = confirmation.message.payload.links.confirm!;
    expect(link).toMatch(/\/v1\/confirm\/v1\./);
    expect(link).not.toContain("new%40example.com");
    const held = pendingRows((await messagesOf(ws, visitor)).body);
    expect(held).toMatchObject([{ trigger_id: "welcome", reason: "awaiting_confirmation" }]);

    // The link shows a button (mail scanners follow links); the POST confirms.
    const page = await request(path(link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("new@example.com");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect((await outbox(ws, { customer: visitor })).body.messages).toHaveLength(1);
    const confirmed = await request(path(link), { method: "POST" });
    expect(confirmed.status).toBe(200);

    const both = await waitForOutbox(ws, visitor, 2);
    expect(both.map((m) => m.template).sort()).toEqual(["contact_confirmation", "welcome_series"]);
    expect(both.find((m) => m.template === "welcome_series")!.message.payload.customer.email).toBe("new@example.com");
    const state = (await customer(visitor, ws.secretKey)).body;
    expect(state.identities.find((i) => i.kind === "email")).toMatchObject({ value: "new@example.com", confirmed: true });
    expect(state.recent_events.map((e: any) => e.event)).toContain("Contact Confirmed");
  });

  it("sends one confirmation per address, however often the browser repeats it", async () => {
    const ws = await welcomeWorkspace();
    const visitor = uid();
    await signUp(ws, visitor, "once@example.com");
    await waitForOutbox(ws, visitor, 1);
    await batch([{ type: "identify", anonymousId: visitor, traits: { email: "once@example.com", name: "Again" }, messageId: crypto.randomUUID() }], ws.writeKey);
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "p" })], ws.writeKey);
    const messages = (await messagesOf(ws, visitor)).body.messages;
    expect(messages.filter((m) => m.template === "contact_confirmation")).toHaveLength(1);
  });

  it("trusts a contact the store's backend sends: the welcome goes at once, no confirmation", async () => {
    const ws = await welcomeWorkspace();
    const userId = uid("user");
    const res = await request("/v1/batch", {
      method: "POST",
      headers: { authorization: `Bearer ${ws.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ batch: [{ type: "identify", userId, traits: { email: "vouched@example.com" } }, { type: "track", userId, event: "Signed Up" }] }),
    });
    expect(res.status).toBe(200);
    const [welcome] = await waitForOutbox(ws, userId, 1);
    expect(welcome.template).toBe("welcome_series");
    expect((await messagesOf(ws, userId)).body.messages.map((m) => m.template)).toEqual(["welcome_series"]);
  });

  it("gives someone else's address nothing but the one confirmation, and a forged `Contact Confirmed` event confirms nothing", async () => {
    const ws = await welcomeWorkspace();
    const attacker = uid();
    await signUp(ws, attacker, "victim@example.com");
    await waitForOutbox(ws, attacker, 1);
    await batch([trackEvent(attacker, "Contact Confirmed", { contact: "email", channel: "email" })], ws.writeKey);
    const state = (await customer(attacker, ws.secretKey)).body;
    expect(state.identities.find((i) => i.kind === "email")!.confirmed).toBe(false);
    expect((await outbox(ws, { customer: attacker })).body.messages.map((m) => m.template)).toEqual(["contact_confirmation"]);
  });

  it("keeps a vouched-for address over a browser's new, unconfirmed one", async () => {
    const ws = await welcomeWorkspace();
    const userId = uid("user");
    await backendBatch([{ type: "identify", userId, traits: { email: "old@example.com" } }], ws.secretKey);
    const device = uid();
    await batch(
      [
        { type: "identify", anonymousId: device, userId, traits: { email: "changed@example.com" }, context: { userHash: await userHash(userId, ws.identitySecret) }, messageId: crypto.randomUUID() },
        { type: "track", anonymousId: device, userId, event: "Signed Up", context: { userHash: await userHash(userId, ws.identitySecret) }, messageId: crypto.randomUUID() },
      ],
      ws.writeKey,
    );
    const sent = await waitForOutbox(ws, userId, 2);
    const byTemplate = Object.fromEntries(sent.map((m) => [m.template, m.message.payload.customer.email]));
    expect(byTemplate).toEqual({ contact_confirmation: "changed@example.com", welcome_series: "old@example.com" });
  });

  it("drops a held message at its expiry when the address was never confirmed, and says so", async () => {
    const ws = await messagingWorkspace({ policy: { ...OPEN_POLICY, double_opt_in: true }, triggers: { welcome: { template: "welcome_series", steps: [{ delay_minutes: 0 }], expires_after_hours: 1 } } });
    const visitor = uid();
    await signUp(ws, visitor, "silent@example.com");
    await waitForOutbox(ws, visitor, 1);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const state = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(state)).toEqual([]);
    expect(state.schedule.find((r: any) => r.trigger_id === "welcome")).toMatchObject({ status: "dropped", reason: "expired" });
    await vi.waitUntil(async () => (await outbox(ws, { customer: visitor })).body.messages.length === 1);
  });
});
