// A customer the store knows only by a phone number is messaged by SMS: a phone is not a messenger address.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, pendingRows, waitForOutbox } from "./messaging-helpers.ts";

describe("a customer with only a phone number", () => {
  // Regression: a customer with only a phone number got a messenger message; a phone is an SMS address, not a messenger id.
  it("gets the message by SMS, never on the messenger", async () => {
    const ws = await messagingWorkspace({
      policy: { caps: [], quiet_hours: null, opt_in_channels: [], cascade: { channels: ["email", "messenger", "sms"], wait_hours: 24 } },
      triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } },
    });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { phone: "+15550100" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] }),
      ],
      ws.writeKey,
    );
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.channel).toBe("sms");
    expect(message.message.payload.customer.phone).toBe("+15550100");
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent", { timeout: 5000 });
    // SMS was the last channel of the cascade: nothing else is planned.
    expect(pendingRows((await messagesOf(ws, visitor)).body)).toEqual([]);
  });
});
