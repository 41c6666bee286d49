// Export and delete: a deleted customer is gone everywhere, and a later event starts afresh.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { directoryOwner } from "../src/stores/identity-directory.ts";
import { batch, cartFor, customer, request, signIn, trackEvent, uid } from "./helpers.ts";

const auth = { authorization: "Bearer sk_demo" };

describe("privacy", () => {
  it("exports everything kept about a customer as a download", async () => {
    const device = uid();
    await batch([trackEvent(device, "Product Added", { product_id: "p" })]);
    const res = await request(`/v1/customers/${device}/export`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const body = (await res.json()) as any;
    expect(body.customer.cart.lines).toHaveLength(1);
    expect(typeof body.exported_at).toBe("string");
    expect((await request(`/v1/customers/${uid()}/export`, { headers: auth })).status).toBe(404);
  });

  it("deletes the customer, its merged devices and directory entries; re-tracking starts fresh; idempotent", async () => {
    const device = uid();
    const userId = uid("user");
    const email = `${uid("gone")}@example.com`;
    await batch([trackEvent(device, "Product Added", { product_id: "secret-gift" })]);
    await signIn(device, userId, { email });
    await vi.waitUntil(async () => (await directoryOwner(env.DB, "demo", "email", email)) === `u:${userId}`, { timeout: 5000 });

    const res = await request(`/v1/customers/${userId}`, { method: "DELETE", headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: true });
    expect((await customer(userId)).status).toBe(404);
    expect((await customer(device)).status).toBe(404);
    expect(await directoryOwner(env.DB, "demo", "email", email)).toBeNull();
    expect((await cartFor({ anonymousId: device })).body.lines).toEqual([]);

    const again = await request(`/v1/customers/${userId}`, { method: "DELETE", headers: auth });
    expect(await again.json()).toEqual({ deleted: false });

    // The old device's next event starts a new anonymous profile; nothing comes back.
    await batch([trackEvent(device, "Product Viewed", { product_id: "new" })]);
    const fresh = (await customer(device)).body;
    expect(fresh.profile_key).toBe(`a:${device}`);
    expect(fresh.event_count).toBe(1);
    expect(fresh.cart.lines).toEqual([]);
  });

  it("requires the secret key", async () => {
    expect((await request(`/v1/customers/x`, { method: "DELETE" })).status).toBe(401);
    expect((await request(`/v1/customers/x/export`)).status).toBe(401);
  });
});
