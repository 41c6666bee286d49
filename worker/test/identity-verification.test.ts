// A userId from a browser counts only with a valid userHash: without one it can tag, never read or merge.
import { describe, expect, it } from "vitest";
import { backendBatch, batch, cartFor, customer, request, trackEvent, uid, userHash } from "./helpers.ts";

describe("identity verification", () => {
  it("keeps an unverified userId on the anonymous visitor: no merge, no read of the user's cart", async () => {
    const userId = uid("user");
    const victimDevice = uid();
    // The real customer's cart, from a verified device.
    await batch([trackEvent(victimDevice, "Product Added", { product_id: "ring", price: 900 })]);
    await batch([{ type: "identify", anonymousId: victimDevice, userId, context: { userHash: await userHash(userId) } }]);

    // An attacker claims the same userId from another browser, without a hash.
    const attacker = uid();
    const res = await batch([{ type: "identify", anonymousId: attacker, userId, traits: { email: "attacker@example.com" } }]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.profile).toBeUndefined();

    // The claim tags the attacker's own visitor profile, unverified; nothing was merged either way.
    const tagged = (await customer(attacker)).body;
    expect(tagged.profile_key).toBe(`a:${attacker}`);
    expect(tagged.identities.find((i: any) => i.kind === "user_id")).toMatchObject({ value: userId, verified: false });
    expect(tagged.cart.lines).toEqual([]);
    expect((await customer(userId)).body.linked_profiles).toEqual([`a:${victimDevice}`]);

    // Reading the user's cart needs the hash.
    const noHash = await cartFor({ anonymousId: attacker, userId });
    expect(noHash.status).toBe(403);
    expect(noHash.body.error?.code).toBe("identity_not_verified");
    const forgedRead = await cartFor({ anonymousId: attacker, userId, userHash: "0".repeat(64) });
    expect(forgedRead.status).toBe(403);
    expect(forgedRead.body.error?.code).toBe("invalid_user_hash");
    // Its own anonymous cart is all it gets.
    expect((await cartFor({ anonymousId: attacker })).body.lines).toEqual([]);
  });

  it("answers a forged userHash with 403 and merges nothing", async () => {
    const userId = uid("user");
    const device = uid();
    await batch([trackEvent(device, "Product Added", { product_id: "p" })]);
    const res = await batch([{ type: "identify", anonymousId: device, userId, context: { userHash: await userHash(userId, "wrong-secret") } }]);
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("invalid_user_hash");
    expect(body.results[0]).toMatchObject({ status: "rejected", code: "invalid_user_hash" });
    expect((await customer(userId)).status).toBe(404);
    expect((await customer(device)).body.profile_key).toBe(`a:${device}`);
  });

  it("accepts the hash in integrations.Seam too, and does not store it", async () => {
    const userId = uid("user");
    const device = uid();
    await batch([{ type: "identify", anonymousId: device, userId, integrations: { Seam: { userHash: await userHash(userId) } } }]);
    const state = (await customer(userId)).body;
    expect(state.identities.find((i) => i.kind === "user_id")!.verified).toBe(true);
    expect(state.linked_profiles).toEqual([`a:${device}`]);
  });

  it("trusts user ids sent with the secret key", async () => {
    const userId = uid("user");
    const device = uid();
    await batch([trackEvent(device, "Product Added", { product_id: "p" })]);
    await backendBatch([{ type: "identify", userId, anonymousId: device }]);
    expect((await customer(userId)).body.cart.lines).toHaveLength(1);
  });

  it("rejects an unknown secret key on ingest", async () => {
    const res = await request("/v1/track", {
      method: "POST",
      headers: { authorization: "Bearer sk_nope", "content-type": "application/json" },
      body: JSON.stringify({ userId: "u", event: "X" }),
    });
    expect(res.status).toBe(401);
  });
});
