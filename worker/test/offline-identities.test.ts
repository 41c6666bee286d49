// Email and phone are identities: a till or call centre that knows only those lands in the right profile.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { directoryOwner } from "../src/stores/identity-directory.ts";
import { backendBatch, batch, customer, signIn, trackEvent, uid } from "./helpers.ts";

async function owner(kind: "email" | "phone", value: string) {
  return directoryOwner(env.DB, "demo", kind, value);
}

describe("offline channels by email or phone", () => {
  it("lands a POS purchase by email only in the online customer's profile and clears the cart", async () => {
    const device = uid();
    const userId = uid("user");
    const email = `${uid("ada")}@example.com`;
    await batch([trackEvent(device, "Product Added", { product_id: "lamp", price: 40 })]);
    await signIn(device, userId, { email: email.toUpperCase() });
    await vi.waitUntil(async () => (await owner("email", email)) === `u:${userId}`, { timeout: 5000 });

    const res = await backendBatch([
      {
        type: "track",
        event: "Order Completed",
        context: { channel: "pos", traits: { email: ` ${email} ` } },
        properties: { order_id: "till-77", total: 40, products: [{ product_id: "lamp", price: 40 }] },
      },
    ]);
    expect(((await res.json()) as any).accepted).toBe(1);
    const state = (await customer(userId)).body;
    expect(state.cart.lines).toEqual([]);
    expect(state.orders.map((o: any) => [o.order_id, o.channel])).toEqual([["till-77", "pos"]]);
    expect(state.channel_history[0].channel).toBe("pos");
  });

  // Regression: the backend's identify of a user with an email and a till's order by that email in
  // ONE batch put the order into an email-only profile apart from the user (the directory learns
  // the email only after the batch), while the same two calls as two requests landed with the user.
  it("lands a till order by email with the user the same batch identified with that email", async () => {
    const userId = uid("user");
    const email = `${uid("grace")}@example.com`;
    const res = await backendBatch([
      { type: "identify", userId, traits: { email } },
      {
        type: "track",
        event: "Order Completed",
        anonymousId: "till-3",
        context: { channel: "pos", traits: { email: email.toUpperCase() } },
        properties: { order_id: `till-${uid()}`, total: 25, products: [{ product_id: "mug", price: 25 }] },
      },
    ]);
    expect(((await res.json()) as any).accepted).toBe(2);
    const state = (await customer(userId)).body;
    expect(state.orders.map((o: any) => o.channel)).toEqual(["pos"]);
    await vi.waitUntil(async () => (await owner("email", email)) === `u:${userId}`, { timeout: 5000 });
  });

  it("keeps an offline-only customer by phone, and merges it when they sign in online", async () => {
    const phone = "+1 555 0100 777";
    await backendBatch([
      {
        type: "track",
        event: "Order Completed",
        context: { channel: "call_centre", traits: { phone } },
        properties: { order_id: `call-${uid()}`, total: 15 },
      },
    ]);
    await vi.waitUntil(async () => (await owner("phone", "+15550100777"))?.startsWith("p:"), { timeout: 5000 });
    const offlineKey = (await owner("phone", "+15550100777"))!;
    expect(offlineKey).not.toContain("555"); // hashed, never the number in clear

    const device = uid();
    const userId = uid("user");
    await signIn(device, userId, { phone: "+1 (555) 0100-777" });
    await vi.waitUntil(async () => (await owner("phone", "+15550100777")) === `u:${userId}`, { timeout: 5000 });
    const state = (await customer(userId)).body;
    expect(state.orders).toHaveLength(1);
    expect(state.orders[0].channel).toBe("call_centre");
    expect(state.linked_profiles).toContain(offlineKey);
  });

  // Regression: a till's order carrying the till's own anonymousId (Segment libraries always send
  // one) landed in the till's profile, and the email became an identity conflict there.
  it("lands till orders by email with each customer, whatever anonymousId the till sends", async () => {
    const customers = [uid("ann"), uid("bob")];
    const emails = customers.map((c) => `${c}@example.com`);
    for (const [i, userId] of customers.entries()) await backendBatch([{ type: "identify", userId, traits: { email: emails[i] } }]);
    for (const email of emails) await vi.waitUntil(async () => (await owner("email", email))?.startsWith("u:"), { timeout: 5000 });
    const till = uid("till");
    for (const [i, email] of emails.entries())
      await backendBatch([
        {
          type: "track",
          event: "Order Completed",
          anonymousId: till,
          context: { channel: "in-store", traits: { email } },
          properties: { order_id: `till-${i}`, total: 10 + i },
        },
      ]);
    for (const [i, userId] of customers.entries()) {
      const state = (await customer(userId)).body;
      expect(state.orders.map((o) => [o.order_id, o.channel])).toEqual([[`till-${i}`, "pos"]]);
      expect(state.identity_conflicts).toEqual([]);
      expect(state.identities.map((id) => id.kind)).not.toContain("anonymous_id");
    }
    // The till itself never became a customer.
    expect((await customer(till)).status).toBe(404);
    // A backend event that is not a till's (no offline channel) still lands with its anonymous visitor.
    const visitor = uid();
    await backendBatch([{ type: "identify", anonymousId: visitor, traits: { email: `${uid("web")}@example.com` } }]);
    expect((await customer(visitor)).status).toBe(200);
  });

  it("never lets a browser claim an email for the directory", async () => {
    const email = `${uid("victim")}@example.com`;
    await batch([{ type: "identify", anonymousId: uid(), traits: { email } }]);
    // A trusted claim for the same email still wins it.
    const userId = uid("user");
    await backendBatch([{ type: "identify", userId, traits: { email } }]);
    await vi.waitUntil(async () => (await owner("email", email)) === `u:${userId}`, { timeout: 5000 });
  });

  it("rejects a write-key event with neither id nor a trusted contact", async () => {
    const res = await batch([{ type: "track", event: "Order Completed", context: { traits: { email: "x@example.com" } } }]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).results[0].code).toBe("missing_identity");
  });
});
