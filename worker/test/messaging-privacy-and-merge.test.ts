// Triggers across identity and privacy: a merged visitor's reminder moves to the customer; export and delete cover messages.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid, userHash } from "./helpers.ts";
import { shardTotals } from "./recs-helpers.ts";
import { messagesOf, messagingWorkspace, outbox, pendingRows, runAlarm, runAnyAlarm, waitForOutbox } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("triggers across a sign-in", () => {
  it("the customer's object takes over the visitor's abandoned cart; the merged-away visitor sends nothing", async () => {
    const ws = await messagingWorkspace({ triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: 60 }] } } });
    const device = uid();
    const userId = uid("user");
    const t0 = Date.now() - 5 * 60_000;
    await batch([trackEvent(device, "Product Added", { product_id: "a" }, { timestamp: iso(t0) })], ws.writeKey);
    expect(pendingRows((await messagesOf(ws, device)).body)).toHaveLength(1);

    await batch(
      [{ type: "identify", anonymousId: device, userId, traits: { email: "m@example.com" }, context: { userHash: await userHash(userId, ws.identitySecret) }, messageId: crypto.randomUUID() }],
      ws.writeKey,
    );
    // The user's object planned its own reminder from the merged cart, anchored at the cart's last change.
    const merged = (await messagesOf(ws, userId)).body;
    expect(pendingRows(merged)).toMatchObject([{ due_at: iso(t0 + 60 * 60_000) }]);

    // The visitor's old alarm finds it merged away: it cancels instead of sending.
    expect(await runAnyAlarm(ws, `a:${device}`)).toBe(true);
    expect(await runAlarm(ws, `u:${userId}`)).toBe(true);
    const [message] = await waitForOutbox(ws, userId, 1);
    expect(message.profile_key).toBe(`u:${userId}`);
    expect(message.message.payload.customer).toMatchObject({ user_id: userId, email: "m@example.com" });
    expect((await outbox(ws)).body.messages).toHaveLength(1);
  });
});

describe("privacy", () => {
  it("exports the customer's messages, and deletes them with the outbox entries and product interest", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "g@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Product Viewed", { product_id: "lamp" }),
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "lamp" }] }),
      ],
      ws.writeKey,
    );
    const [message] = await waitForOutbox(ws, visitor, 1);
    const exportedPixel: string = message.message.payload.links.open_pixel!;
    const interest = async () => ({ n: (await shardTotals(ws.id)).interestEntries });
    await vi.waitUntil(async () => (await interest())!.n === 1, { timeout: 5000 });

    const auth = { authorization: `Bearer ${ws.secretKey}` };
    const exported = (await (await request(`/v1/customers/${visitor}/export`, { headers: auth })).json()) as any;
    expect(exported.messaging.messages).toHaveLength(1);

    expect((await request(`/v1/customers/${visitor}`, { method: "DELETE", headers: auth })).status).toBe(200);
    expect((await outbox(ws, { customer: visitor })).body.messages).toEqual([]);
    expect((await interest())!.n).toBe(0);
    expect((await messagesOf(ws, visitor)).status).toBe(404);

    // A click on the old message still goes to the product, but does not bring the customer back.
    const [sent] = exported.messaging.messages;
    expect(sent.message_id).toBeTruthy();
    const pixel = await request(new URL(exportedPixel).pathname);
    expect(pixel.status).toBe(200);
    expect((await request(`/v1/customers/${visitor}`, { headers: auth })).status).toBe(404);
  });
});
