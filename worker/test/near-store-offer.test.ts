// Near-store offers: a browser request whose edge location (request.cf) falls within one of the
// workspace's stores sets `near_store` in the profile and sends a coupon by the customer's best
// channel, each pool code once, at most once per cool-down; the development override is refused.
import { describe, expect, it, vi } from "vitest";
import { distanceKm, nearestStore, parseLocationOverride, requestLocation } from "../src/geo/near-store.ts";
import { request, uid } from "./helpers.ts";
import { admin, clearAlarm, messagesOf, messagingWorkspace, outbox, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

const MITTE = { id: "mitte", name: "Berlin Mitte", lat: 52.52, lon: 13.405, radius_km: 1 };
const HAMBURG = { id: "hamburg", name: "Hamburg", lat: 53.5511, lon: 9.9937, radius_km: 2 };
/** About 300 m from the Mitte store. */
const NEAR_MITTE = { latitude: "52.5227", longitude: "13.4050" };
const MUNICH = { latitude: "48.1372", longitude: "11.5756" };

function page(ws: MessagingWorkspace, anonymousId: string, init: { cf?: Record<string, string>; headers?: Record<string, string>; traits?: Record<string, unknown> } = {}) {
  const events = [
    ...(init.traits ? [{ type: "identify", anonymousId, traits: init.traits }] : []),
    { type: "page", anonymousId, context: { page: { url: "https://shop.example/" } } },
  ];
  return request("/v1/batch", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${ws.writeKey}:`)}`, ...init.headers },
    body: JSON.stringify({ batch: events }),
    ...(init.cf ? { cf: init.cf } : {}),
  } as RequestInit);
}

async function profile(ws: MessagingWorkspace, anonymousId: string) {
  const res = await request(`/v1/profile?writeKey=${ws.writeKey}&anonymousId=${anonymousId}`);
  return (await res.json()) as any;
}

async function storeWorkspace(content: Record<string, unknown>) {
  const ws = await messagingWorkspace({ triggers: { nearby: { template: "near_store_offer", content } } });
  expect((await admin(ws, "PUT", "/stores", { stores: [MITTE, HAMBURG] })).status).toBe(200);
  return ws;
}

describe("near-store offers", () => {
  it("sets near_store from request.cf and sends one pool code per customer, each code once", async () => {
    const ws = await storeWorkspace({ coupon_pool: "spring", subject: "We're around the corner" });
    const upload = await admin(ws, "PUT", "/coupons/spring", { codes: ["SPRING-1", "SPRING-2", "SPRING-1"] });
    expect(upload.body).toEqual({ pool: "spring", total: 2, available: 2, added: 2 });

    const first = uid();
    expect((await page(ws, first, { cf: NEAR_MITTE, traits: { email: "first@example.com" } })).status).toBe(200);
    expect((await profile(ws, first)).near_store).toMatchObject({ store_id: "mitte", name: "Berlin Mitte", distance_km: 0.3 });
    const [offer] = await waitForOutbox(ws, first, 1);
    expect(offer!.channel).toBe("email");
    expect(offer!.message.payload.offer).toEqual({ store_id: "mitte", store_name: "Berlin Mitte", distance_km: 0.3, coupon_code: expect.stringMatching(/^SPRING-[12]$/) });
    expect(offer!.message.payload.content).toMatchObject({ subject: "We're around the corner" });

    // Still in the shop: no second offer. Another customer gets the other code.
    await page(ws, first, { cf: NEAR_MITTE });
    const second = uid();
    await page(ws, second, { cf: NEAR_MITTE, traits: { email: "second@example.com" } });
    const [offer2] = await waitForOutbox(ws, second, 1);
    expect(offer2!.message.payload.offer!.coupon_code).not.toBe(offer!.message.payload.offer!.coupon_code);
    expect((await admin(ws, "GET", "/coupons/spring")).body).toEqual({ pool: "spring", total: 2, available: 0 });
    expect((await outbox(ws, { customer: first })).body.messages).toHaveLength(1);
    // The pool is empty: a third customer's offer is not sent without a code; its step says why and is retried.
    const third = uid();
    await page(ws, third, { cf: NEAR_MITTE, traits: { email: "third@example.com" } });
    await vi.waitUntil(async () => (await messagesOf(ws, third)).body.schedule?.[0]?.reason?.includes("no coupon code left in pool spring"), { timeout: 5000 });
    expect((await messagesOf(ws, third)).body.schedule[0]).toMatchObject({ status: "pending", attempts: 1 });
    await clearAlarm(ws, `a:${third}`);

    // Away from every store: near_store is cleared.
    await page(ws, first, { cf: MUNICH });
    expect((await profile(ws, first)).near_store).toBeNull();
  });

  it("sends a fixed code, never to a request from the store's backend, and nothing far away", async () => {
    const ws = await storeWorkspace({ coupon_code: "HELLO10" });
    const far = uid();
    await page(ws, far, { cf: MUNICH, traits: { email: "far@example.com" } });
    expect((await profile(ws, far)).near_store).toBeNull();

    // The backend's location is its own server's, not the customer's.
    const backend = uid();
    await request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ws.secretKey}` },
      body: JSON.stringify({ batch: [{ type: "identify", anonymousId: backend, traits: { email: "b@example.com" } }] }),
      cf: NEAR_MITTE,
    } as RequestInit);
    expect((await profile(ws, backend)).near_store).toBeNull();

    const near = uid();
    await page(ws, near, { cf: { latitude: "53.5530", longitude: "9.9950" }, traits: { email: "near@example.com" } });
    const [offer] = await waitForOutbox(ws, near, 1);
    expect(offer!.message.payload.offer).toMatchObject({ store_id: "hamburg", coupon_code: "HELLO10" });
    await vi.waitUntil(async () => (await outbox(ws)).body.messages.length === 1);
  });

  it("refuses the development location override outside npm run dev, and changes nothing", async () => {
    const ws = await storeWorkspace({ coupon_code: "HELLO10" });
    const visitor = uid();
    const res = await page(ws, visitor, { headers: { "x-seam-location": "52.52,13.405" }, traits: { email: "dev@example.com" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("dev_override_refused");
    expect((await request(`/v1/customers/${visitor}`, { headers: { authorization: `Bearer ${ws.secretKey}` } })).status).toBe(404);
  });

  it("validates stores, pools and the trigger's coupon", async () => {
    const ws = await messagingWorkspace();
    for (const stores of [
      [{ ...MITTE, lat: 91 }],
      [{ ...MITTE, radius_km: 0 }],
      [MITTE, { ...HAMBURG, id: "mitte" }],
      [{ ...MITTE, id: "Mitte Store" }],
      [{ ...MITTE, extra: true }],
    ]) {
      const res = await admin(ws, "PUT", "/stores", { stores });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_body");
    }
    expect((await admin(ws, "GET", "/stores")).body).toEqual({ stores: [] });
    expect((await admin(ws, "PUT", "/coupons/Bad Pool", { codes: ["X"] })).status).toBe(400);
    expect((await admin(ws, "PUT", "/coupons/ok", { codes: ["has space"] })).status).toBe(400);
    expect((await admin(ws, "PUT", "/coupons/ok", { codes: [] })).status).toBe(400);
    for (const content of [{}, { coupon_code: "" }, { coupon_code: "A", coupon_pool: "b" }, { coupon_pool: "Not A Pool" }]) {
      const res = await admin(ws, "PUT", "/triggers/nearby", { template: "near_store_offer", content });
      expect(res.status).toBe(400);
    }
    expect((await admin(ws, "GET", "/triggers")).body.triggers).toEqual([]);
  });
});

describe("locations", () => {
  it("reads request.cf, takes the override only where it is allowed, and finds the nearest store in radius", () => {
    expect(requestLocation({ latitude: "52.5", longitude: "13.4" }, undefined, false)).toEqual({ ok: true, location: { lat: 52.5, lon: 13.4 } });
    expect(requestLocation({ latitude: "", longitude: "13.4" }, undefined, false)).toEqual({ ok: true, location: undefined });
    expect(requestLocation(undefined, "52.5,13.4", true)).toEqual({ ok: true, location: { lat: 52.5, lon: 13.4 } });
    expect(requestLocation(undefined, "52.5,13.4", false)).toMatchObject({ ok: false, code: "dev_override_refused" });
    expect(requestLocation(undefined, "north", true)).toMatchObject({ ok: false, code: "invalid_location" });
    expect(parseLocationOverride("91,0")).toBeUndefined();
    // Berlin to Hamburg is about 255 km.
    expect(distanceKm({ lat: MITTE.lat, lon: MITTE.lon }, { lat: HAMBURG.lat, lon: HAMBURG.lon })).toBeCloseTo(255, -1);
    const both = [{ ...MITTE, radius_km: 300 }, HAMBURG];
    expect(nearestStore(both, { lat: 53.552, lon: 9.994 })?.store.id).toBe("hamburg");
    expect(nearestStore(both, { lat: 48.1, lon: 11.6 })).toBeNull();
  });
});
