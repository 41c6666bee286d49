// Regression (security): an event with a userId but no valid userHash and no anonymousId, sent with
// the public write key, used to land in `u:<userId>`, so anyone could rewrite a customer's email and cart.
import { describe, expect, it } from "vitest";
import { backendBatch, basic, batch, customer, DEMO_WRITE_KEY, post, request, uid } from "./helpers.ts";

describe("an unverified userId never writes into the customer's profile", () => {
  it("rejects the attacker's identify as unverified_user and leaves the customer's email and cart alone", async () => {
    const alice = uid("alice");
    await backendBatch([
      { type: "identify", userId: alice, traits: { email: "alice@shop.example", name: "Alice" } },
      { type: "track", userId: alice, event: "Product Added", properties: { product_id: "ring", price: 900 } },
    ]);
    const before = (await customer(alice)).body;

    const res = await batch([{ type: "identify", userId: alice, traits: { email: "x@evil.example" } }]);
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("unverified_user");
    expect(body.results[0]).toMatchObject({ status: "rejected", code: "unverified_user" });

    const after = (await customer(alice)).body;
    expect(after.traits.email).toBe("alice@shop.example");
    expect(after.event_count).toBe(before.event_count);
    expect(after.cart).toEqual(before.cart);
  });

  it("never creates a customer from the browser's word either (the curl in the issue)", async () => {
    const alice = uid("alice");
    const res = await batch([{ type: "identify", userId: alice, traits: { email: "x@evil.example" } }]);
    expect(res.status).toBe(403);
    expect((await customer(alice)).status).toBe(404);
  });

  it("holds on every single-event path, analytics.js's one-letter ones too", async () => {
    const alice = uid("alice");
    const events: [string, Record<string, unknown>][] = [
      ["/v1/identify", { userId: alice, traits: { email: "x@evil.example" } }],
      ["/v1/i", { userId: alice, traits: { email: "x@evil.example" } }],
      ["/v1/track", { userId: alice, event: "Product Added", properties: { product_id: "p" } }],
      ["/v1/t", { userId: alice, event: "Order Completed", properties: { order_id: "o", total: 1 } }],
      ["/v1/page", { userId: alice, name: "Home" }],
      ["/v1/p", { userId: alice, name: "Home" }],
      ["/v1/screen", { userId: alice, name: "Home" }],
      ["/v1/s", { userId: alice, name: "Home" }],
      ["/v1/alias", { userId: alice, previousId: "someone-else" }],
      ["/v1/a", { userId: alice, previousId: "someone-else" }],
      ["/v1/group", { userId: alice, groupId: "g" }],
      ["/v1/g", { userId: alice, groupId: "g" }],
    ];
    for (const [path, event] of events) {
      const res = await post(path, { ...event, writeKey: DEMO_WRITE_KEY });
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as any).error.code, path).toBe("unverified_user");
    }
    expect((await customer(alice)).status).toBe(404);
  });

  it("keeps the rest of a mixed batch and lands a userId that comes with an anonymousId on that visitor", async () => {
    const alice = uid("alice");
    const visitor = uid();
    const res = await batch([
      { type: "identify", userId: alice, traits: { email: "x@evil.example" } },
      { type: "identify", userId: alice, anonymousId: visitor, traits: { email: "x@evil.example" } },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.results.map((r: any) => r.status)).toEqual(["rejected", "accepted"]);
    expect((await customer(alice)).status).toBe(404);
    expect((await customer(visitor)).body.profile_key).toBe(`a:${visitor}`);
  });

  it("still lets the store's backend write by userId (secret key as the Segment write key)", async () => {
    const alice = uid("alice");
    const res = await request("/v1/identify", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic("sk_demo") },
      body: JSON.stringify({ userId: alice, traits: { email: "alice@shop.example" } }),
    });
    expect(res.status).toBe(200);
    expect((await customer(alice)).body.traits.email).toBe("alice@shop.example");
  });
});
