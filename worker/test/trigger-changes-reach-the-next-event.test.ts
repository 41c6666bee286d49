// A trigger switched on or off in the admin API applies to the very next event of a customer whose object is awake.
import { describe, expect, it, vi } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { admin, messagesOf, messagingWorkspace, outbox, waitForOutbox } from "./messaging-helpers.ts";

describe("a trigger change", () => {
  // Regression: trigger and policy changes took up to 30 s (the object's copy of the config) to reach customers.
  it("reaches the next event, on and off", async () => {
    const ws = await messagingWorkspace();
    const visitor = uid();
    // The customer's object is awake and holds the workspace's config: no triggers.
    await batch([{ type: "identify", anonymousId: visitor, traits: { email: "n@example.com" }, messageId: crypto.randomUUID() }], ws.writeKey);

    expect((await admin(ws, "PUT", "/triggers/cross-sell", { template: "post_purchase", steps: [{ delay_minutes: 0 }], cooldown_hours: 0 })).status).toBe(201);
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] })], ws.writeKey);
    const [message] = await waitForOutbox(ws, visitor, 1);
    expect(message.trigger_id).toBe("cross-sell");
    expect((await messagesOf(ws, visitor)).body.runs).toMatchObject([{ trigger_id: "cross-sell", entry_key: "order:o-1" }]);

    expect((await admin(ws, "PUT", "/triggers/cross-sell", { template: "post_purchase", enabled: false })).status).toBe(200);
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-2", products: [{ product_id: "stove" }] })], ws.writeKey);
    // Whatever the object planned for o-2 with the copy it held, the send decided with the current
    // config: wait until nothing is pending or being sent, then nothing more went out.
    const settled = (state: Awaited<ReturnType<typeof messagesOf>>["body"]) =>
      state.schedule.every((r) => r.status !== "pending" && r.status !== "sending") && state.runs.every((r) => r.status !== "active");
    await vi.waitUntil(async () => settled((await messagesOf(ws, visitor)).body), { timeout: 5000 });
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.messages).toHaveLength(1);
    // A run planned for o-2 from the old copy ended at its send, with the reason.
    for (const run of state.runs.filter((r) => r.entry_key === "order:o-2")) expect(run).toMatchObject({ status: "exited", reason: "trigger_disabled" });
    expect((await outbox(ws, { customer: visitor })).body.messages).toHaveLength(1);
  });
});
