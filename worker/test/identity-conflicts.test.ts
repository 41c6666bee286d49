// Two different known customers are never merged: a conflict is recorded, a shared device switches.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { directoryOwner } from "../src/stores/identity-directory.ts";
import { backendBatch, batch, cartFor, customer, signIn, trackEvent, uid, userHash } from "./helpers.ts";

async function directoryHas(email: string, profileKey: string) {
  await vi.waitUntil(async () => (await directoryOwner(env.DB, "demo", "email", email)) === profileKey, { timeout: 5000 });
}

describe("identity conflicts", () => {
  it("does not merge a second userId that claims an email another customer owns", async () => {
    const alice = uid("alice");
    const mallory = uid("mallory");
    const email = `${uid("shared")}@example.com`;
    await backendBatch([
      { type: "identify", userId: alice, traits: { email } },
      { type: "track", userId: alice, event: "Product Added", properties: { product_id: "alice-thing" } },
    ]);
    await directoryHas(email, `u:${alice}`);

    await backendBatch([{ type: "identify", userId: mallory, traits: { email } }]);
    await vi.waitUntil(async () => (await customer(mallory)).body.identity_conflicts.length === 1, { timeout: 5000 });
    const m = (await customer(mallory)).body;
    expect(m.identity_conflicts[0]).toMatchObject({ kind: "email", value: email, other_profile: `u:${alice}` });
    expect(m.cart.lines).toEqual([]);
    expect(m.linked_profiles).toEqual([]);
    expect((await customer(alice)).body.cart.lines.map((l: any) => l.product_id)).toEqual(["alice-thing"]);
    expect(await directoryOwner(env.DB, "demo", "email", email)).toBe(`u:${alice}`);
  });

  it("switches a shared device to the second user without leaking the first user's cart", async () => {
    const device = uid("family-ipad");
    const first = uid("first");
    const second = uid("second");
    await batch([trackEvent(device, "Product Added", { product_id: "first-users-gift" })]);
    await signIn(device, first);
    expect((await cartFor({ anonymousId: device })).body.lines).toHaveLength(1);

    // Same device, no reset(): the second person signs in.
    const res = (await (await signIn(device, second)).json()) as any;
    expect(res.profile.cart.lines).toEqual([]);
    const secondCart = await cartFor({ anonymousId: device, userId: second, userHash: await userHash(second) });
    expect(secondCart.body.lines).toEqual([]);
    // The device's anonymous id now belongs to the second user; the first keeps their cart.
    expect((await customer(device)).body.profile_key).toBe(`u:${second}`);
    expect((await customer(first)).body.cart.lines.map((l: any) => l.product_id)).toEqual(["first-users-gift"]);

    // Anonymous browsing on the device now lands with the second user.
    await batch([trackEvent(device, "Product Viewed", { product_id: "seen-by-second" })]);
    expect((await customer(second)).body.viewed_items.map((v: any) => v.product_id)).toEqual(["seen-by-second"]);
    expect((await customer(first)).body.viewed_items).toEqual([]);

    // And when the first user signs in on it again, it switches back without moving data.
    await vi.waitUntil(async () => !(await customer(first)).body.linked_profiles.includes(`a:${device}`), { timeout: 5000 });
    await signIn(device, first);
    expect((await customer(device)).body.profile_key).toBe(`u:${first}`);
    expect((await customer(second)).body.viewed_items.map((v: any) => v.product_id)).toEqual(["seen-by-second"]);
  });
});
