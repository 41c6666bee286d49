// A customer's journey across channels, scripted end to end through the API: an ad click, a visit
// to the site (and a sign-in), a click in an abandoned-cart email, then a purchase in the shop sent
// by the till with only an email (and the till's own anonymousId). The order is credited to the
// online touches before it, exactly, under all four models, and the reports count it.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { directoryOwner } from "../src/stores/identity-directory.ts";
import { customer, request, uid, userHash } from "./helpers.ts";
import { messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

const DAY = 24 * 60 * 60 * 1000;

function post(path: string, key: string, body: unknown, auth: "basic" | "bearer") {
  return request(path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: auth === "basic" ? `Basic ${btoa(`${key}:`)}` : `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

async function report(secretKey: string, path: string) {
  const res = await request(path, { headers: { authorization: `Bearer ${secretKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe("a multi-channel journey", () => {
  it("credits a shop purchase by email only to the ad, the visit and the email click before it", async () => {
    const ws = await messagingWorkspace({ triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: 0 }], expires_after_hours: 72 } } });
    const visitor = uid("visitor");
    const userId = uid("user");
    const email = `${uid("ada")}@example.com`;
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const page = (url: string) => ({ page: { url }, library: { name: "analytics.js" } });

    // Monday: an ad click brings an anonymous visitor.
    await post("/v1/batch", ws.writeKey, {
      batch: [
        {
          type: "page",
          anonymousId: visitor,
          messageId: "ad-click",
          timestamp: at(now - 3 * DAY),
          context: { ...page("https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale"), campaign: { source: "google", medium: "cpc", name: "spring_sale" } },
        },
      ],
    }, "basic");
    // Tuesday: a direct visit, a sign-in, a tent in the cart (the abandoned-cart email leaves at once).
    await post("/v1/batch", ws.writeKey, {
      batch: [
        { type: "page", anonymousId: visitor, messageId: "visit", timestamp: at(now - DAY), context: page("https://shop.example/") },
        {
          type: "identify",
          anonymousId: visitor,
          userId,
          traits: { email },
          messageId: "sign-in",
          timestamp: at(now - DAY + 60_000),
          context: { ...page("https://shop.example/account"), userHash: await userHash(userId, ws.identitySecret) },
        },
      ],
    }, "basic");
    await post("/v1/batch", ws.writeKey, {
      batch: [
        {
          type: "track",
          anonymousId: visitor,
          event: "Product Added",
          messageId: "cart-add",
          timestamp: at(now - DAY + 120_000),
          properties: { product_id: "tent", price: 200, url: "https://shop.example/p/tent" },
          context: page("https://shop.example/p/tent"),
        },
      ],
    }, "basic");
    const [email1] = await waitForOutbox(ws, userId, 1);
    // Wednesday: the customer clicks the email.
    const click = await request(new URL(email1!.message.payload.cart!.lines[0]!.link!).pathname, { redirect: "manual" });
    expect(click.status).toBe(302);
    // Thursday: the tent is bought in the shop. The till knows only the email, and sends its own anonymousId.
    await vi.waitUntil(async () => (await directoryOwner(env.DB, ws.id, "email", email)) === `u:${userId}`, { timeout: 5000 });
    const till = await post("/v1/batch", ws.secretKey, {
      batch: [
        {
          type: "track",
          event: "Order Completed",
          anonymousId: "till-7",
          context: { channel: "Till", traits: { email } },
          properties: { order_id: "shop-1001", total: 200, products: [{ product_id: "tent", price: 200 }] },
        },
      ],
    }, "bearer");
    expect(((await till.json()) as any).accepted).toBe(1);

    const state = (await customer(userId, ws.secretKey)).body;
    // The till's anonymousId neither took the order nor became one of the customer's devices.
    expect(state.identities.map((i) => i.value)).not.toContain("till-7");
    expect(state.identity_conflicts).toEqual([]);
    expect(state.lead_source).toMatchObject({ channel: "cpc", source: "google", campaign: "spring_sale" });
    const order = state.orders.find((o) => o.order_id === "shop-1001")!;
    expect(order.channel).toBe("pos");
    const credits = Object.fromEntries(
      Object.entries(order.attribution!.models).map(([model, list]) => [model, list.map((c) => [c.channel, c.source, c.weight, c.revenue])]),
    );
    expect(credits).toEqual({
      first_touch: [["cpc", "google", 1, 200]],
      last_touch: [["email", "seam", 1, 200]],
      linear: [
        ["cpc", "google", 1 / 3, 66.67],
        ["web", "direct", 1 / 3, 66.67],
        ["email", "seam", 1 / 3, 66.67],
      ],
      position_based: [
        ["cpc", "google", 0.4, 80],
        ["web", "direct", expect.closeTo(0.2, 12), 40],
        ["email", "seam", 0.4, 80],
      ],
    });
    expect(order.attribution!.models.last_touch[0]).toMatchObject({ trigger_id: "cart", message_id: email1!.message_id });

    // The counters reach the reports: each model's revenue per channel, on the workspace's dates.
    const from = new Date(now - 4 * DAY).toISOString().slice(0, 10);
    const to = new Date(now + DAY).toISOString().slice(0, 10);
    const channels = async (model: string) =>
      Object.fromEntries((await report(ws.secretKey, `/v1/reports/channels?from=${from}&to=${to}&model=${model}`)).body.rows.map((r: any) => [r.channel, r]));
    await vi.waitUntil(async () => (await channels("linear")).email?.orders > 0, { timeout: 5000, interval: 50 });
    const linear = await channels("linear");
    expect([linear.cpc.revenue, linear.web.revenue, linear.email.revenue]).toEqual([66.67, 66.67, 66.67]);
    expect(linear.cpc).toMatchObject({ touches: 1, customers: 1, new_leads: 1, orders: 0.333 });
    expect(linear.email).toMatchObject({ touches: 1, messages_sent: 1, opened: 1, clicked: 1 });
    const first = await channels("first_touch");
    expect(first.cpc).toMatchObject({ orders: 1, revenue: 200 });
    expect(first.email).toMatchObject({ orders: 0, revenue: 0 });
    const triggers = (await report(ws.secretKey, `/v1/reports/triggers?from=${from}&to=${to}&model=last_touch`)).body.rows;
    expect(triggers).toEqual([expect.objectContaining({ trigger: "cart", orders: 1, revenue: 200, messages_sent: 1, clicked: 1 })]);

    // The provider's receipt and a one-click unsubscribe reach the trigger's row too (that a repeat of
    // either counts nothing is tested directly: kpi-increments.test.ts).
    const receipt = await post("/v1/messages/receipts", ws.secretKey, { receipts: [{ message_id: email1!.message_id, status: "delivered" }] }, "bearer");
    expect(receipt.status).toBe(200);
    expect((await request(new URL(email1!.message.payload.links.unsubscribe!).pathname, { method: "POST" })).status).toBe(200);
    const cartRow = async () => (await report(ws.secretKey, `/v1/reports/triggers?from=${from}&to=${to}`)).body.rows[0];
    await vi.waitUntil(async () => (await cartRow()).messages_delivered === 1 && (await cartRow()).unsubscribed === 1, { timeout: 5000, interval: 50 });
    expect(await cartRow()).toMatchObject({ messages_sent: 1, messages_delivered: 1, opened: 1, clicked: 1, unsubscribed: 1 });
    const campaigns = (await report(ws.secretKey, `/v1/reports/campaigns?from=${from}&to=${to}&model=first_touch`)).body.rows;
    expect(campaigns.map((r: any) => [r.campaign, r.revenue])).toEqual([
      ["spring_sale", 200],
      ["cart", 0],
    ]);
  });
});
