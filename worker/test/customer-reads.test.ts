// The store's backend reads a customer's whole live state; a visitor reads only its own view.
import { describe, expect, it, vi } from "vitest";
import { offlineProfileKey } from "../src/identity/profile-keys.ts";
import { backendBatch, basic, batch, customer, request, trackEvent, uid } from "./helpers.ts";

describe("GET /v1/customers/:id", () => {
  it("returns profile traits, identities, consent, cart, viewed items, orders, history and recent events", async () => {
    const anonymousId = uid();
    const userId = uid("user");
    await backendBatch([
      trackEvent(anonymousId, "Product Viewed", { product_id: "p1" }, { timestamp: "2026-11-20T10:00:00.000Z" }),
      {
        type: "identify",
        userId,
        anonymousId,
        traits: { email: " Ada@Example.COM ", phone: "+44 (20) 7946-0018", name: "Ada" },
        timestamp: "2026-11-20T10:01:00.000Z",
      },
      trackEvent(anonymousId, "Consent Updated", { consent: { email: true, sms: false, bogus: true } }, {
        userId,
        timestamp: "2026-11-20T10:02:00.000Z",
      }),
      trackEvent(anonymousId, "Product Added", { product_id: "p1", price: 3 }, { userId, timestamp: "2026-11-20T10:03:00.000Z" }),
    ]);
    const { status, body } = await customer(userId);
    expect(status).toBe(200);
    expect(body.profile_key).toBe(`u:${userId}`);
    expect(body.traits).toEqual({ email: " Ada@Example.COM ", phone: "+44 (20) 7946-0018", name: "Ada" });
    expect(body.identities.map((i: any) => [i.kind, i.value])).toEqual([
      ["anonymous_id", anonymousId],
      ["email", "ada@example.com"],
      ["phone", "+442079460018"],
      ["user_id", userId],
    ]);
    expect(body.consent).toEqual({ email: true, sms: false });
    expect(body.cart.lines.map((l: any) => l.product_id)).toEqual(["p1"]);
    // The anonymous view before the (trusted) identify was merged in.
    expect(body.viewed_items.map((v: any) => v.product_id)).toEqual(["p1"]);
    // The anonymous visitor at once; the offline profiles of the email and phone once the identity
    // directory claim (after the response) has pointed them here too.
    expect(body.linked_profiles).toContain(`a:${anonymousId}`);
    const offline = [await offlineProfileKey("demo", "email", "ada@example.com"), await offlineProfileKey("demo", "phone", "+442079460018")];
    await vi.waitUntil(async () => (await customer(userId)).body.linked_profiles.length === 3, { timeout: 5000 });
    expect((await customer(userId)).body.linked_profiles).toEqual([`a:${anonymousId}`, ...offline].sort());
    expect(body.identity_conflicts).toEqual([]);
    expect(body.event_count).toBe(4);
    expect(body.first_seen).toBe("2026-11-20T10:00:00.000Z");
    expect(body.last_seen).toBe("2026-11-20T10:03:00.000Z");
    expect(body.recent_events.map((e: any) => e.type)).toEqual(["track", "track", "identify", "track"]);
    // The anonymous id now forwards to the customer.
    expect((await customer(anonymousId)).body.profile_key).toBe(`u:${userId}`);
  });

  it("keeps the newest trait when an older identify arrives late", async () => {
    const userId = uid("user");
    await backendBatch([{ type: "identify", userId, traits: { plan: "gold" }, timestamp: "2026-11-20T10:05:00.000Z" }]);
    await backendBatch([{ type: "identify", userId, traits: { plan: "silver", city: "Oslo" }, timestamp: "2026-11-20T10:00:00.000Z" }]);
    expect((await customer(userId)).body.traits).toEqual({ plan: "gold", city: "Oslo" });
  });

  it("refuses an id longer than any id ingest accepts with a 400 on every customer route", async () => {
    const long = "x".repeat(300);
    for (const [path, method] of [[`/v1/customers/${long}`, "GET"], [`/v1/customers/${long}/export`, "GET"], [`/v1/customers/${long}`, "DELETE"], [`/v1/customers/${long}/messages`, "GET"]]) {
      const res = await request(path!, { method, headers: { authorization: "Bearer sk_demo" } });
      expect(res.status, `${method} ${path!.slice(0, 20)}`).toBe(400);
      expect(((await res.json()) as any).error.code).toBe("invalid_path");
    }
  });

  it("answers 404 for a customer that never sent an event", async () => {
    const res = await customer(uid());
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe("not_found");
  });
});

describe("GET /v1/profile", () => {
  it("shows a visitor its own cart, recently viewed items and consent, and nothing else", async () => {
    const anonymousId = uid();
    await batch([
      trackEvent(anonymousId, "Product Viewed", { product_id: "v1", name: "Vase" }),
      trackEvent(anonymousId, "Product Added", { product_id: "v1", quantity: 2, price: 9.99 }),
      trackEvent(anonymousId, "Consent Updated", { email: false }),
      { type: "identify", anonymousId, traits: { email: "secret@example.com" } },
    ]);
    const res = await request(`/v1/profile?anonymousId=${anonymousId}&writeKey=wk_demo`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(Object.keys(body).sort()).toEqual(["anonymousId", "cart", "consent", "near_store", "recently_viewed", "userId"]);
    expect(body.cart.lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["v1", 2]]);
    expect(body.cart.subtotal).toBe(19.98);
    expect(body.recently_viewed[0]).toMatchObject({ product_id: "v1", name: "Vase", view_count: 1 });
    expect(body.consent).toEqual({ email: false });
    expect(JSON.stringify(body)).not.toContain("secret@example.com");
  });

  it("gives a new visitor an empty profile", async () => {
    const res = await request(`/v1/profile?anonymousId=${uid()}`, { headers: { authorization: basic("wk_demo") } });
    const body = (await res.json()) as any;
    expect(body.cart).toMatchObject({ lines: [], item_count: 0, subtotal: 0, currency: null, updated_at: null });
    expect(body.recently_viewed).toEqual([]);
  });
});
