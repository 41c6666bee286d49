// A message's log entry says what chose its channel: the customer's preference only when the preferred channel was used.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

describe("chosen_by", () => {
  // Regression: chosen_by said "preference" when the preferred channel (SMS without an opt-in) could not be used.
  it("is the cascade when the preferred channel could not be used", async () => {
    const ws = await messagingWorkspace({
      // SMS needs an opt-in (the default), which this customer never gave.
      policy: { caps: [], quiet_hours: null, opt_in_channels: ["sms"], cascade: { channels: ["email", "sms"], wait_hours: 24 } },
      triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } },
    });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "p@example.com", phone: "+15550101", preferred_channel: "sms" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] }),
      ],
      ws.writeKey,
    );
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.channel).toBe("email");
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages.length === 1, { timeout: 5000 });
    expect((await messagesOf(ws, visitor)).body.messages[0]).toMatchObject({ channel: "email", chosen_by: "cascade" });
  });
});
