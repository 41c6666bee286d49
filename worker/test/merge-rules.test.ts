// The merge rules (pure) and merging as the customer sees it: idempotent, whatever repeats.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EMPTY_SNAPSHOT, mergeSnapshots, type CartLineRow, type CustomerSnapshot } from "../src/identity/merge.ts";
import { batch, customer, signIn, trackEvent, uid } from "./helpers.ts";

function line(product_id: string, quantity: number, updated_at: number, extra: Partial<CartLineRow> = {}): CartLineRow {
  return {
    product_id, variant: "", quantity, name: null, price: null, currency: null, category: null, brand: null,
    url: null, image_url: null, channel: "web", device: null, anonymous_id: null, added_at: updated_at, updated_at, ...extra,
  };
}

const snap = (over: Partial<CustomerSnapshot>): CustomerSnapshot => ({ ...EMPTY_SNAPSHOT, ...over });

describe("mergeSnapshots", () => {
  it("unions carts; the most recently changed line of a product wins, keeping the earliest add", () => {
    const merged = mergeSnapshots(
      snap({ cart_lines: [line("a", 1, 100), line("b", 2, 300)] }),
      snap({ cart_lines: [line("a", 5, 200, { added_at: 50 }), line("c", 1, 150)] }),
    );
    const byId = Object.fromEntries(merged.cart_lines.map((l) => [l.product_id, l]));
    expect(byId.a).toMatchObject({ quantity: 5, updated_at: 200, added_at: 50 });
    expect(byId.b!.quantity).toBe(2);
    expect(byId.c!.quantity).toBe(1);
  });

  it("sums viewed counts and widens first/last seen", () => {
    const v = (count: number, first: number, last: number, name: string | null) => ({
      product_id: "p", view_count: count, first_seen: first, last_seen: last, name, category: null, price: null, currency: null, channel: "web",
    });
    const merged = mergeSnapshots(snap({ viewed_items: [v(2, 10, 20, "Old")] }), snap({ viewed_items: [v(3, 5, 30, null)] }));
    expect(merged.viewed_items).toEqual([{ ...v(5, 5, 30, "Old") }]);
  });

  it("lets the newest trait win and the most restrictive consent win", () => {
    const merged = mergeSnapshots(
      snap({
        traits: [{ key: "plan", value: '"gold"', updated_at: 10 }, { key: "city", value: '"Oslo"', updated_at: 50 }],
        consent: [{ channel: "email", granted: 1, updated_at: 100 }, { channel: "sms", granted: 0, updated_at: 1 }],
      }),
      snap({
        traits: [{ key: "plan", value: '"silver"', updated_at: 20 }, { key: "city", value: '"Bergen"', updated_at: 40 }],
        consent: [{ channel: "email", granted: 0, updated_at: 5 }, { channel: "sms", granted: 1, updated_at: 99 }],
      }),
    );
    expect(Object.fromEntries(merged.traits.map((t) => [t.key, t.value]))).toEqual({ plan: '"silver"', city: '"Oslo"' });
    expect(Object.fromEntries(merged.consent.map((c) => [c.channel, c.granted]))).toEqual({ email: 0, sms: 0 });
  });

  it("concatenates history in time order without repeating a message", () => {
    const t = (message_id: string, ts: number) => ({
      ts, channel: "web", type: "page", event: null, utm_source: null, utm_medium: null, utm_campaign: null, referrer: null, message_id,
    });
    const merged = mergeSnapshots(snap({ touchpoints: [t("a", 1), t("c", 3)] }), snap({ touchpoints: [t("b", 2), t("c", 3)] }));
    expect(merged.touchpoints.map((x) => x.message_id)).toEqual(["a", "b", "c"]);
  });

  it("adds event counts, keeps the earliest first seen, and never takes the other object's own keys", () => {
    const merged = mergeSnapshots(
      snap({ meta: { profile_key: "u:1", first_seen: "50", last_seen: "90", event_count: "3" } }),
      snap({ meta: { profile_key: "a:x", forward_to: "u:1", first_seen: "10", last_seen: "60", event_count: "4" } }),
    );
    expect(merged.meta).toEqual({ profile_key: "u:1", first_seen: "10", last_seen: "90", event_count: "7" });
  });
});

describe("merging through the API", () => {
  it("gives the same state when the merge is repeated", async () => {
    const device = uid();
    const userId = uid("user");
    await batch([
      trackEvent(device, "Product Viewed", { product_id: "p" }),
      trackEvent(device, "Product Viewed", { product_id: "p" }),
      trackEvent(device, "Product Added", { product_id: "p", quantity: 2 }),
    ]);
    await signIn(device, userId);
    const once = (await customer(userId)).body;

    // The same sign-in again (a retry with a new messageId), and the source asked to hand over again.
    await signIn(device, userId);
    const source = env.CUSTOMER.getByName(`demo:a:${device}`);
    await source.handOver(`u:${userId}`, "demo", `a:${device}`);
    await signIn(device, userId);
    const thrice = (await customer(userId)).body;

    expect(thrice.viewed_items).toEqual(once.viewed_items);
    expect(thrice.cart).toEqual(once.cart);
    expect(thrice.linked_profiles).toEqual(once.linked_profiles);
    expect(thrice.event_count).toBe(once.event_count + 2);
  });
});
