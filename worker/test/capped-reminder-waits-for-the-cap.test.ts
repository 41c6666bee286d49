// A reminder held back by a weekly cap goes out when the cap frees up, even days past its own expiry.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { DAY, HOUR, messagesOf, messagingWorkspace, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("a cart reminder behind a weekly cap", () => {
  // Regression: with a weekly cap, a reminder whose expiry (48 h) was shorter than the cap's delay was dropped as expired:cap.
  it("waits for the first slot the cap allows instead of being dropped", async () => {
    const ws = await messagingWorkspace({
      policy: { caps: [{ channel: "*", max_messages: 1, window_days: 7 }], quiet_hours: null, opt_in_channels: [] },
      triggers: {
        "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] },
        cart: { template: "abandoned_cart", steps: [{ delay_minutes: 60 }] },
      },
    });
    const visitor = uid();
    const now = Date.now();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "r@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] }, { timestamp: iso(now - 3 * HOUR) }),
        trackEvent(visitor, "Product Added", { product_id: "stove", price: 30 }, { timestamp: iso(now - 2 * HOUR) }),
      ],
      ws.writeKey,
    );
    // The cross-sell took the week's one message; the reminder, due an hour ago, waits a week.
    const [crossSell] = await waitForOutbox(ws, visitor, 1);
    expect(crossSell.trigger_id).toBe("cross-sell");
    // Wait until the reminder's row was decided (it is processed right after the cross-sell).
    const decided = (row: any) => row.trigger_id === "cart" && row.reason !== null;
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.schedule.some(decided), { timeout: 5000 });
    const state = (await messagesOf(ws, visitor)).body;
    const sentAt = Date.parse(state.messages[0].queued_at);
    expect(state.schedule.find(decided)).toMatchObject({
      status: "pending",
      reason: "rescheduled:cap:*",
      due_at: iso(sentAt + 7 * DAY),
      expires_at: iso(sentAt + 7 * DAY + 48 * HOUR),
    });

    // A week later the cart is still there: the reminder goes.
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const messages = await waitForOutbox(ws, visitor, 2);
    expect(messages.map((m: any) => m.trigger_id).sort()).toEqual(["cart", "cross-sell"]);
  });
});
