// Built-in segments live in the customer's object: an event that changes their inputs moves the
// customer at once, the object's one alarm moves them when time alone does (driven here, never
// slept), GET /v1/customers/:id shows them, and the index follows through the events queue.
import { describe, expect, it } from "vitest";
import { backendBatch, basic, batch, request, trackEvent, uid, userHash } from "./helpers.ts";
import { clearAlarm, DAY, HOUR, messagingWorkspace, runAnyAlarm } from "./messaging-helpers.ts";
import { MINUTE, segmentsApi, segmentsOf, waitForIndex } from "./segment-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function alarmAt(ws: { secretKey: string }, customerId: string): Promise<string | null> {
  const res = await request(`/v1/customers/${encodeURIComponent(customerId)}/messages`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  return ((await res.json()) as { alarm_at: string | null }).alarm_at;
}

describe("built-in segments", () => {
  it("an order: recent buyer and high value at once; then, by the alarm alone, lapsed, seasonal and out again", async () => {
    const ws = await messagingWorkspace();
    const buyer = uid("buyer");
    const t0 = Date.now() - MINUTE;
    await batch([trackEvent(buyer, "Order Completed", { order_id: "o1", total: 640, products: [{ product_id: "boot", category: "Shoes", price: 640 }] }, { timestamp: iso(t0) })], ws.writeKey);
    expect(await segmentsOf(ws, buyer)).toEqual(["high_value", "recent_buyers"]);
    await waitForIndex(ws, "recent_buyers", [buyer], [buyer]);
    await waitForIndex(ws, "high_value", [buyer], [buyer]);

    // Each step is the alarm firing at the next moment time changes a membership.
    const steps: [number, string[]][] = [
      [t0 + 30 * DAY, ["high_value"]],
      [t0 + 90 * DAY, ["high_value", "lapsed"]],
      [t0 + 335 * DAY, ["high_value", "lapsed", "seasonal_buyers"]],
      [t0 + 365 * DAY, ["lapsed", "seasonal_buyers"]],
      [t0 + 395 * DAY, ["lapsed"]],
    ];
    for (const [when, expected] of steps) {
      expect(await alarmAt(ws, buyer)).toBe(iso(when));
      expect(await runAnyAlarm(ws, `a:${buyer}`)).toBe(true);
      expect(await segmentsOf(ws, buyer)).toEqual(expected);
    }
    // Lapsed for good: nothing left for the alarm.
    expect(await alarmAt(ws, buyer)).toBeNull();
    expect(await runAnyAlarm(ws, `a:${buyer}`)).toBe(false);
    await waitForIndex(ws, "lapsed", [buyer], [buyer]);
    await waitForIndex(ws, "recent_buyers", [buyer], []);
    await waitForIndex(ws, "high_value", [buyer], []);
    await waitForIndex(ws, "seasonal_buyers", [buyer], []);

    // A new order takes the customer out of lapsed at once. (Its clock is the wall clock, which the
    // driven alarms ran ahead of, so the first order counts as recent spend again: not asserted.)
    await batch([trackEvent(buyer, "Order Completed", { order_id: "o2", total: 10 })], ws.writeKey);
    const after = await segmentsOf(ws, buyer);
    expect(after).toContain("recent_buyers");
    expect(after).not.toContain("lapsed");
    await waitForIndex(ws, "lapsed", [buyer], []);
    await clearAlarm(ws, `a:${buyer}`);
  });

  it("a cart: an abandoner `minutes` after the last change (by the alarm); a change or an order takes them out at once", async () => {
    const ws = await messagingWorkspace();
    const shopper = uid("cart");
    const t0 = Date.now() - MINUTE;
    await batch([trackEvent(shopper, "Product Added", { product_id: "tent", price: 120 }, { timestamp: iso(t0) })], ws.writeKey);
    expect(await segmentsOf(ws, shopper)).toEqual([]);
    expect(await alarmAt(ws, shopper)).toBe(iso(t0 + HOUR));
    expect(await runAnyAlarm(ws, `a:${shopper}`)).toBe(true);
    expect(await segmentsOf(ws, shopper)).toEqual(["cart_abandoners"]);
    await waitForIndex(ws, "cart_abandoners", [shopper], [shopper]);
    const members = await segmentsApi(ws, "GET", "/cart_abandoners/members");
    expect(members.body.members.find((m: any) => m.customer_id === shopper)).toEqual({ customer_id: shopper, profile_key: `a:${shopper}`, since: iso(t0 + HOUR) });

    // Back at the cart: out at once, in again an hour after this change.
    await batch([trackEvent(shopper, "Product Added", { product_id: "mat", price: 20 })], ws.writeKey);
    expect(await segmentsOf(ws, shopper)).toEqual([]);
    await waitForIndex(ws, "cart_abandoners", [shopper], []);
    await batch([trackEvent(shopper, "Order Completed", { order_id: "o1", total: 140 })], ws.writeKey);
    expect(await segmentsOf(ws, shopper)).toEqual(["recent_buyers"]);
    await clearAlarm(ws, `a:${shopper}`);
  });

  it("a later cart change keeps the earlier alarm: it fires, finds no abandoner yet, and moves on to an hour after the last change", async () => {
    const ws = await messagingWorkspace();
    const shopper = uid("cart");
    const t0 = Date.now() - 2 * MINUTE;
    await batch([trackEvent(shopper, "Product Added", { product_id: "tent", price: 120 }, { timestamp: iso(t0) })], ws.writeKey);
    await batch([trackEvent(shopper, "Product Added", { product_id: "mat", price: 20 }, { timestamp: iso(t0 + MINUTE) })], ws.writeKey);
    // Not moved by the second change (that would write the timer and set the alarm on every change).
    expect(await alarmAt(ws, shopper)).toBe(iso(t0 + HOUR));
    expect(await runAnyAlarm(ws, `a:${shopper}`)).toBe(true);
    expect(await segmentsOf(ws, shopper)).toEqual([]);
    expect(await alarmAt(ws, shopper)).toBe(iso(t0 + MINUTE + HOUR));
    expect(await runAnyAlarm(ws, `a:${shopper}`)).toBe(true);
    expect(await segmentsOf(ws, shopper)).toEqual(["cart_abandoners"]);
    await clearAlarm(ws, `a:${shopper}`);
  });

  it("tuned params apply at the next event: an abandoner after 5 minutes", async () => {
    const ws = await messagingWorkspace();
    expect((await segmentsApi(ws, "PUT", "/cart_abandoners", { params: { minutes: 5 } })).status).toBe(200);
    const shopper = uid("quick");
    const t0 = Date.now() - 10 * MINUTE;
    await batch([trackEvent(shopper, "Product Added", { product_id: "tent" }, { timestamp: iso(t0) })], ws.writeKey);
    expect(await segmentsOf(ws, shopper)).toEqual(["cart_abandoners"]);
  });

  it("subscribers per channel from consent, account owners from a verified user id", async () => {
    const ws = await messagingWorkspace();
    const userId = uid("owner");
    await backendBatch(
      [
        { type: "identify", userId, traits: { email: `${userId}@example.com` } },
        { type: "track", userId, event: "Subscribed", properties: { channels: ["email", "sms"] } },
      ],
      ws.secretKey,
    );
    expect(await segmentsOf(ws, userId)).toEqual(["account_owners", "subscribers_email", "subscribers_sms"]);
    await backendBatch([{ type: "track", userId, event: "Unsubscribed", properties: { channel: "sms" } }], ws.secretKey);
    expect(await segmentsOf(ws, userId)).toEqual(["account_owners", "subscribers_email"]);
    await waitForIndex(ws, "subscribers_sms", [userId], []);
    await waitForIndex(ws, "account_owners", [userId], [userId]);

    // A browser's unproven user id only tags the anonymous visitor: not an account owner.
    const visitor = uid("anon");
    await batch([{ type: "identify", anonymousId: visitor, userId: uid("claimed"), traits: {}, messageId: crypto.randomUUID() }], ws.writeKey);
    expect(await segmentsOf(ws, visitor)).toEqual([]);
  });

  it("a sign-in moves the visitor's memberships to the customer: the visitor leaves the index, the customer enters", async () => {
    const ws = await messagingWorkspace();
    const visitor = uid("device");
    const t0 = Date.now() - 2 * HOUR;
    await batch([trackEvent(visitor, "Product Added", { product_id: "tent" }, { timestamp: iso(t0) })], ws.writeKey);
    expect(await segmentsOf(ws, visitor)).toEqual(["cart_abandoners"]);
    await waitForIndex(ws, "cart_abandoners", [visitor], [visitor]);

    const userId = uid("signed");
    const res = await request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic(ws.writeKey) },
      body: JSON.stringify({ batch: [{ type: "identify", anonymousId: visitor, userId, traits: {}, context: { userHash: await userHash(userId, ws.identitySecret) } }] }),
    });
    expect(res.status).toBe(200);
    // The customer holds the cart (changed two hours ago) and the sign-in: both segments, from the merge.
    expect(await segmentsOf(ws, userId)).toEqual(["account_owners", "cart_abandoners"]);
    await waitForIndex(ws, "cart_abandoners", [visitor, userId], [userId]);
    const list = await request(`/v1/customers?q=${visitor}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
    expect(((await list.json()) as { customers: unknown[] }).customers).toEqual([]);
    await clearAlarm(ws, `u:${userId}`);
  });
});
