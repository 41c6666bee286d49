// Abandoned cart end to end: a cart change → schedule row → alarm → messages queue → outbox, with the cart and tracked links.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, DAY, HOUR, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

function identify(anonymousId: string, traits: Record<string, unknown>) {
  return { type: "identify", anonymousId, traits, messageId: crypto.randomUUID() };
}

describe("abandoned cart", () => {
  it("reminds an hour after the last cart change, then a day after, with the cart's lines and tracked links", async () => {
    const ws = await messagingWorkspace({ triggers: { "abandoned-cart": { template: "abandoned_cart" } } });
    const visitor = uid();
    const t0 = Date.now() - 60_000;
    await batch(
      [
        identify(visitor, { email: "ada@example.com", first_name: "Ada" }),
        trackEvent(visitor, "Product Added", { product_id: "shoe", name: "Runner", price: 80, currency: "EUR", url: "https://shop.example/p/shoe" }, { timestamp: iso(t0) }),
      ],
      ws.writeKey,
    );

    const planned = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(planned)).toMatchObject([{ kind: "step", step: 0, trigger_id: "abandoned-cart", due_at: iso(t0 + HOUR) }]);
    expect(planned.alarm_at).toBe(iso(t0 + HOUR));
    expect(planned.messages).toEqual([]);

    // The alarm fires at t0 + 1 h: the first reminder goes to the queue and lands in the outbox.
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const [first] = await waitForOutbox(ws, visitor, 1);
    expect(first).toMatchObject({ channel: "email", trigger_id: "abandoned-cart", template: "abandoned_cart", step: 0 });
    const payload = first.message.payload;
    expect(payload.trigger).toEqual({ id: "abandoned-cart", template: "abandoned_cart", version: 1, step: 0, steps: 2 });
    expect(payload.customer).toMatchObject({ email: "ada@example.com", traits: { email: "ada@example.com", first_name: "Ada" } });
    expect(payload.cart!.lines).toHaveLength(1);
    expect(payload.cart!.lines[0]).toMatchObject({ product_id: "shoe", name: "Runner", price: 80, quantity: 1 });
    expect(payload.cart!.lines[0].link).toMatch(/^http:\/\/localhost:8787\/v1\/t\/c\/v1\./);
    expect(payload.links.open_pixel).toMatch(/\/v1\/t\/o\/v1\./);
    expect(payload.links.unsubscribe).toMatch(/\/v1\/unsubscribe\/v1\./);
    expect(payload.recommended).toEqual([]);
    // No id in clear anywhere in the links.
    expect(JSON.stringify([payload.cart!.lines[0].link, payload.links])).not.toContain(visitor);

    // The consumer reported the send back to the customer's object; step 2 waits for t0 + 24 h.
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent", { timeout: 5000 });
    const afterFirst = (await messagesOf(ws, visitor)).body;
    expect(afterFirst.messages[0]).toMatchObject({ message_id: first.message_id, channel: "email", status: "sent", step: 0 });
    expect(pendingRows(afterFirst)).toMatchObject([{ step: 1, due_at: iso(t0 + DAY) }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const both = await waitForOutbox(ws, visitor, 2);
    expect(both.map((m: any) => m.step).sort()).toEqual([0, 1]);
    const done = (await messagesOf(ws, visitor)).body;
    expect(done.runs).toMatchObject([{ trigger_id: "abandoned-cart", status: "completed", sent_count: 2 }]);
    expect(pendingRows(done)).toEqual([]);
    expect(done.alarm_at).toBeNull();
  });

  it("waits for the last cart change: another change before the reminder moves it, and a new cart version replaces the unsent run", async () => {
    const ws = await messagingWorkspace({ triggers: { "abandoned-cart": { template: "abandoned_cart" } } });
    const visitor = uid();
    const t0 = Date.now() - 10 * 60_000;
    await batch([identify(visitor, { email: "b@example.com" }), trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0) })], ws.writeKey);
    await batch([trackEvent(visitor, "Product Added", { product_id: "b" }, { timestamp: iso(t0 + 5 * 60_000) })], ws.writeKey);

    const state = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(state)).toHaveLength(1);
    expect(pendingRows(state)[0].due_at).toBe(iso(t0 + 5 * 60_000 + HOUR));
    expect(state.runs.map((r: any) => r.status).sort()).toEqual(["active", "superseded"]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.message.payload.cart!.lines.map((l: any) => l.product_id)).toEqual(["a", "b"]);
    // Step 2 (a day later) is not this test's business.
    await clearAlarm(ws, `a:${visitor}`);
  });

  it("runs once per cart version: the same cart again after the series does not start another", async () => {
    const ws = await messagingWorkspace({
      triggers: { "abandoned-cart": { template: "abandoned_cart", steps: [{ delay_minutes: 30 }], cooldown_hours: 0 } },
    });
    const visitor = uid();
    // Already due when it arrives: the real alarm may fire by itself, so the clock stays the real one
    // and later events of this test come after the send, as they would in production.
    const t0 = Date.now() - 40 * 60_000;
    await batch([identify(visitor, { email: "c@example.com" }), trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0) })], ws.writeKey);
    await runAlarm(ws, `a:${visitor}`);
    await waitForOutbox(ws, visitor, 1);

    // Removed and added back: the same cart version, after its run completed → nothing new.
    await batch(
      [
        trackEvent(visitor, "Product Removed", { product_id: "a" }, { timestamp: iso(t0 + 35 * 60_000) }),
        trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0 + 36 * 60_000) }),
      ],
      ws.writeKey,
    );
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toMatchObject([{ status: "completed", sent_count: 1 }]);
    expect(pendingRows(state)).toEqual([]);

    // A different cart is a new version: a new run (no cool-down here), due 30 minutes after this change.
    const changedAt = Date.now() - 60_000;
    await batch([trackEvent(visitor, "Product Added", { product_id: "b" }, { timestamp: iso(changedAt) })], ws.writeKey);
    const next = (await messagesOf(ws, visitor)).body;
    expect(next.runs).toHaveLength(2);
    expect(pendingRows(next)).toMatchObject([{ step: 0, due_at: iso(changedAt + 30 * 60_000) }]);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    await waitForOutbox(ws, visitor, 2);
  });

  it("does not start again within the cool-down after a reminder was sent", async () => {
    const ws = await messagingWorkspace({
      triggers: { "abandoned-cart": { template: "abandoned_cart", steps: [{ delay_minutes: 30 }], cooldown_hours: 24 } },
    });
    const visitor = uid();
    const t0 = Date.now() - 40 * 60_000;
    await batch([identify(visitor, { email: "d@example.com" }), trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0) })], ws.writeKey);
    await runAlarm(ws, `a:${visitor}`);
    await waitForOutbox(ws, visitor, 1);
    await batch([trackEvent(visitor, "Product Added", { product_id: "b" }, { timestamp: iso(Date.now() - 1000) })], ws.writeKey);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toHaveLength(1);
    expect(pendingRows(state)).toEqual([]);
  });
});
