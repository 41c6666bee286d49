// Post-purchase cross-sell end to end, in session: Order Completed → message enqueued at the event, with the order's products.
import { describe, expect, it, vi } from "vitest";
import { batch, rowsWrittenBy, trackEvent, uid } from "./helpers.ts";
import { customerObject, messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

describe("post-purchase cross-sell", () => {
  it("sends at the order (delay 0) with the order's products, an empty recommendations list, and no alarm needed", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "p@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", {
          order_id: "o-77",
          total: 130,
          currency: "EUR",
          products: [
            { product_id: "tent", name: "Tent", price: 100, url: "https://shop.example/p/tent" },
            { product_id: "stove", name: "Stove", price: 30 },
          ],
        }),
      ],
      ws.writeKey,
    );
    const [message] = await waitForOutbox(ws, visitor, 1);
    const payload = message.message.payload;
    expect(payload.order).toEqual({ order_id: "o-77", total: 130, currency: "EUR" });
    expect(payload.products.map((p: any) => p.product_id)).toEqual(["tent", "stove"]);
    expect(payload.products[0].link).toMatch(/\/v1\/t\/c\//);
    // No catalog URL for the stove and no URL template: the link goes to the store's home, never nowhere or elsewhere.
    expect(payload.products[1].url).toBe("https://shop.example/");
    expect(payload.products[1].link).toMatch(/\/v1\/t\/c\//);
    expect(payload.recommended).toEqual([]);

    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent", { timeout: 5000 });
    const [logged] = (await messagesOf(ws, visitor)).body.messages;
    expect(logged.event_received_at).not.toBeNull();
    expect(logged.enqueue_latency_ms).toBeGreaterThanOrEqual(0);
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(false);

    // Once per order: the same order again (a resent event with a new messageId) plans nothing
    // (runs are planned at the event, before the response), so nothing more can be sent.
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-77" })], ws.writeKey);
    const after = (await messagesOf(ws, visitor)).body;
    expect(after.runs).toMatchObject([{ entry_key: "order:o-77", sent_count: 1 }]);
    expect(pendingRows(after)).toEqual([]);
    expect((await outbox(ws, { customer: visitor })).body.messages).toHaveLength(1);
  });
});

describe("a sent message's run", () => {
  it("counts the send and completes in one row written", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const visitor = uid();
    await batch([{ type: "identify", anonymousId: visitor, traits: { email: "r@example.com" }, messageId: crypto.randomUUID() }], ws.writeKey);
    const written = await rowsWrittenBy(customerObject(ws, `a:${visitor}`));
    await batch([trackEvent(visitor, "Order Completed", { order_id: "o-1", total: 10, products: [{ product_id: "tent", price: 10 }] })], ws.writeKey);
    await waitForOutbox(ws, visitor, 1);
    await vi.waitUntil(async () => (await messagesOf(ws, visitor)).body.messages[0]?.status === "sent", { timeout: 5000 });
    const runUpdates = [...written()].filter(([statement]) => statement.startsWith("UPDATE trigger_runs"));
    expect(runUpdates.reduce((n, [, rows]) => n + rows, 0)).toBe(1);
    const [run] = (await messagesOf(ws, visitor)).body.runs;
    expect(run).toMatchObject({ status: "completed", sent_count: 1 });
  });
});
