// Exits take effect at the event: an order or an emptied cart cancels the pending abandoned-cart steps right then.
import { describe, expect, it } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { DAY, messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function cartWithReminder() {
  const ws = await messagingWorkspace({ triggers: { "abandoned-cart": { template: "abandoned_cart" } } });
  const visitor = uid();
  const t0 = Date.now() - 5 * 60_000;
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: "e@example.com" }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Product Added", { product_id: "a", price: 10 }, { timestamp: iso(t0) }),
    ],
    ws.writeKey,
  );
  expect(pendingRows((await messagesOf(ws, visitor)).body)).toHaveLength(1);
  return { ws, visitor, t0 };
}

describe("exit on purchase", () => {
  it("Order Completed cancels the pending reminder in the same request, and the alarm is left to the segments", async () => {
    const { ws, visitor, t0 } = await cartWithReminder();
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "a" }] }, { timestamp: iso(t0 + 60_000) })], ws.writeKey);

    // Read straight after the ingest response: already cancelled, not at the step's due time.
    const state = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(state)).toEqual([]);
    expect(state.schedule).toMatchObject([{ step: 0, status: "cancelled", reason: "order_completed" }]);
    expect(state.runs).toMatchObject([{ status: "exited", reason: "order_completed" }]);
    // What the alarm still waits for is the customer leaving "recent buyers", 30 days after the order.
    expect(state.alarm_at).toBe(iso(t0 + 60_000 + 30 * DAY));
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(false);
    expect((await outbox(ws, { customer: visitor })).body.messages).toEqual([]);
  });

  it("an emptied cart cancels it too", async () => {
    const { ws, visitor, t0 } = await cartWithReminder();
    await batch([trackEvent(visitor, "Product Removed", { product_id: "a" }, { timestamp: iso(t0 + 60_000) })], ws.writeKey);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.schedule).toMatchObject([{ status: "cancelled", reason: "cart_emptied" }]);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(false);
  });

  it("a cart bought in the same batch it was filled in never schedules anything", async () => {
    const ws = await messagingWorkspace({ triggers: { "abandoned-cart": { template: "abandoned_cart" } } });
    const visitor = uid();
    const t0 = Date.now() - 5 * 60_000;
    await batch(
      [
        trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0) }),
        trackEvent(visitor, "Order Completed", { order_id: "o-2", products: [{ product_id: "a" }] }, { timestamp: iso(t0 + 1000) }),
      ],
      ws.writeKey,
    );
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs).toEqual([]);
    expect(state.schedule).toEqual([]);
  });
});
