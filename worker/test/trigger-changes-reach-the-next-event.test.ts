// A trigger switched on or off in the admin API applies to the very next event of a customer whose object is awake.
import { describe, expect, it } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { admin, messagesOf, messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

describe("a trigger change", () => {
  // Regression: trigger and policy changes took up to 30 s (the object's copy of the config) to reach customers.
  it("reaches the next event, on and off", async () => {
    const ws = await messagingWorkspace();
    const visitor = uid();
    // The customer's object is awake and has read the workspace's config: no triggers.
    await batch([{ type: "identify", anonymousId: visitor, traits: { email: "n@example.com" }, messageId: crypto.randomUUID() }], ws.writeKey);

    expect((await admin(ws, "PUT", "/triggers/cross-sell", { template: "post_purchase", steps: [{ delay_minutes: 0 }], cooldown_hours: 0 })).status).toBe(201);
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] })], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs).toMatchObject([{ trigger_id: "cross-sell", entry_key: "order:o-1" }]);
    await waitForOutbox(ws, visitor, 1);

    expect((await admin(ws, "PUT", "/triggers/cross-sell", { template: "post_purchase", enabled: false })).status).toBe(200);
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-2", products: [{ product_id: "stove" }] })], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs.map((r: any) => r.entry_key)).toEqual(["order:o-1"]);
  });
});
