// Segment membership decided from plain inputs at a driven clock (segments/evaluate.ts): each
// built-in, the rule language, and the exact moment time alone changes membership.
import { describe, expect, it } from "vitest";
import { BUILTIN_SEGMENT_IDS } from "../src/segments/builtins.ts";
import { builtinDefinition, type SegmentDefinition } from "../src/segments/definitions.ts";
import { categoryMatches, evaluateSegments, segmentsReading, windowTest } from "../src/segments/evaluate.ts";
import { EMPTY_INPUTS, inputsTouchedBy, orderFact, type SegmentInputs } from "../src/segments/inputs.ts";
import type { SegmentRule } from "../src/segments/rules.ts";
import type { SeamEvent } from "../src/schemas.ts";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const NOW = Date.parse("2026-06-15T12:00:00.000Z");

const builtins = BUILTIN_SEGMENT_IDS.map((id) => builtinDefinition(id));
const custom = (id: string, rule: SegmentRule): SegmentDefinition => ({ id, kind: "custom", name: id, version: 1, rule });
const inputs = (over: Partial<SegmentInputs>): SegmentInputs => ({ ...EMPTY_INPUTS, ...over });
const order = (ts: number, amount: number, categories: string[] = [], productIds: string[] = []) => ({ ts, amount, categories, productIds });

/** Membership of one segment at `now`, and when it next changes. */
function at(definitions: readonly SegmentDefinition[], id: string, facts: SegmentInputs, now: number) {
  return evaluateSegments(definitions, facts, now, new Set([id])).get(id)!;
}

describe("built-in segments at a driven clock", () => {
  it("recent_buyers: in from the order, out `days` after the last one", () => {
    const facts = inputs({ orders: [order(NOW - 10 * DAY, 20), order(NOW - 2 * DAY, 30)] });
    expect(at(builtins, "recent_buyers", facts, NOW)).toEqual({ member: true, nextAt: NOW - 2 * DAY + 30 * DAY });
    expect(at(builtins, "recent_buyers", facts, NOW + 28 * DAY)).toEqual({ member: false, nextAt: null });
    expect(at(builtins, "recent_buyers", inputs({}), NOW)).toEqual({ member: false, nextAt: null });
    const tuned = [builtinDefinition("recent_buyers", { days: 7 })];
    expect(at(tuned, "recent_buyers", facts, NOW)).toEqual({ member: true, nextAt: NOW + 5 * DAY });
  });

  it("cart_abandoners: in `minutes` after the last cart change with no order since, out at an order or an emptied cart", () => {
    const cart = { lines: 2, updatedAt: NOW - 10 * MIN };
    expect(at(builtins, "cart_abandoners", inputs({ cart }), NOW)).toEqual({ member: false, nextAt: NOW + 50 * MIN });
    expect(at(builtins, "cart_abandoners", inputs({ cart }), NOW + 50 * MIN)).toEqual({ member: true, nextAt: null });
    expect(at(builtins, "cart_abandoners", inputs({ cart, orders: [order(NOW - 5 * MIN, 10)] }), NOW + 2 * DAY)).toEqual({ member: false, nextAt: null });
    expect(at(builtins, "cart_abandoners", inputs({ cart: { lines: 0, updatedAt: NOW - DAY } }), NOW)).toEqual({ member: false, nextAt: null });
    // An order before the last cart change does not count: the cart was filled again after it.
    expect(at(builtins, "cart_abandoners", inputs({ cart, orders: [order(NOW - DAY, 10)] }), NOW + 50 * MIN).member).toBe(true);
  });

  it("high_value: spend within 365 days reaches min_spend; out when old orders leave the window and the rest fall short", () => {
    const facts = inputs({ orders: [order(NOW - 300 * DAY, 300), order(NOW - 100 * DAY, 150.1), order(NOW - 10 * DAY, 49.9)] });
    // 300 + 150.1 + 49.9 = 500 (no float noise); the 300 leaves the window 65 days from now.
    expect(at(builtins, "high_value", facts, NOW)).toEqual({ member: true, nextAt: NOW + 65 * DAY });
    expect(at(builtins, "high_value", facts, NOW + 65 * DAY)).toEqual({ member: false, nextAt: null });
    expect(at([builtinDefinition("high_value", { min_spend: 100 })], "high_value", facts, NOW + 65 * DAY)).toEqual({ member: true, nextAt: NOW + 265 * DAY });
  });

  it("lapsed: bought before and nothing for `days` days; in by time, out by a new order", () => {
    const facts = inputs({ orders: [order(NOW - 200 * DAY, 10), order(NOW - 60 * DAY, 10)] });
    expect(at(builtins, "lapsed", facts, NOW)).toEqual({ member: false, nextAt: NOW + 30 * DAY });
    expect(at(builtins, "lapsed", facts, NOW + 30 * DAY)).toEqual({ member: true, nextAt: null });
    expect(at(builtins, "lapsed", inputs({}), NOW)).toEqual({ member: false, nextAt: null });
  });

  it("subscribers per channel come from consent; account owners from a verified user id", () => {
    const facts = inputs({ consent: { email: true, sms: false }, identities: { userId: true, email: true, phone: false } });
    const all = evaluateSegments(builtins, facts, NOW);
    expect([...all].filter(([, r]) => r.member).map(([id]) => id)).toEqual(["subscribers_email", "account_owners"]);
    expect([...all.values()].every((r) => r.nextAt === null)).toBe(true);
  });

  it("seasonal_buyers: an order 365 ± window_days days ago; in before the anniversary, out after it", () => {
    const facts = inputs({ orders: [order(NOW - 350 * DAY, 10)] });
    expect(at(builtins, "seasonal_buyers", facts, NOW)).toEqual({ member: true, nextAt: NOW + 45 * DAY });
    const early = inputs({ orders: [order(NOW - 300 * DAY, 10)] });
    expect(at(builtins, "seasonal_buyers", early, NOW)).toEqual({ member: false, nextAt: NOW + 35 * DAY });
    expect(at(builtins, "seasonal_buyers", early, NOW + 35 * DAY)).toEqual({ member: true, nextAt: NOW + 95 * DAY });
  });
});

describe("custom rules", () => {
  // The example: "bought in category shoes within 90 days and not in high_value".
  const shoes = custom("shoe_buyers", { and: [{ bought: { category: "shoes", within_days: 90 } }, { not: { segment: "high_value" } }] });
  const definitions = [...builtins, shoes];

  it("bought in shoes within 90 days and not high value", () => {
    const facts = inputs({ orders: [order(NOW - 80 * DAY, 60, ["Men > Shoes > Running"])] });
    expect(at(definitions, "shoe_buyers", facts, NOW)).toEqual({ member: true, nextAt: NOW + 10 * DAY });
    expect(at(definitions, "shoe_buyers", facts, NOW + 10 * DAY).member).toBe(false);
    const big = inputs({ orders: [order(NOW - 80 * DAY, 60, ["shoes"]), order(NOW - DAY, 900, ["bags"])] });
    expect(at(definitions, "shoe_buyers", big, NOW).member).toBe(false);
    // high_value ends when the 900 leaves the window: the customer comes back only if the shoes are still recent (they are not).
    expect(at(definitions, "shoe_buyers", big, NOW).nextAt).toBe(NOW + 10 * DAY);
    expect(at(definitions, "shoe_buyers", inputs({ orders: [order(NOW - DAY, 60, ["bags"])] }), NOW)).toEqual({ member: false, nextAt: null });
  });

  it("event counts and recency, traits, views, channels, consent, identities, or", () => {
    const events = [
      { name: "Product Viewed", channel: "web", ts: NOW - 3 * DAY },
      { name: "product_viewed", channel: "app", ts: NOW - 2 * DAY },
      { name: "Product Viewed", channel: "app", ts: NOW - DAY },
    ];
    const facts = inputs({
      events,
      traits: { plan: "gold", age: "34", tags: ["vip"] },
      views: [{ productId: "p1", category: "Shoes", lastSeen: NOW - 5 * DAY, viewCount: 3 }],
      consent: { sms: false },
      identities: { userId: false, email: true, phone: false },
    });
    const rules: [SegmentRule, { member: boolean; nextAt: number | null }][] = [
      // Three views within 7 days; the first leaves the window in 4 days.
      [{ event: { name: "Product Viewed", min_count: 3, within_days: 7 } }, { member: true, nextAt: NOW + 4 * DAY }],
      [{ event: { name: "Product Viewed", max_count: 1, within_days: 7 } }, { member: false, nextAt: NOW + 5 * DAY }],
      [{ trait: { key: "plan", in: ["gold", "platinum"] } }, { member: true, nextAt: null }],
      [{ trait: { key: "age", gte: 30, lt: 40 } }, { member: true, nextAt: null }],
      [{ trait: { key: "tags", contains: "vip" } }, { member: true, nextAt: null }],
      [{ trait: { key: "missing", exists: false } }, { member: true, nextAt: null }],
      [{ viewed: { category: "shoes", min_views: 3, within_days: 30 } }, { member: true, nextAt: NOW + 25 * DAY }],
      [{ channel: { name: "app", min_count: 2, within_days: 2.5 } }, { member: true, nextAt: NOW + 0.5 * DAY }],
      [{ consent: { channel: "sms", granted: false } }, { member: true, nextAt: null }],
      [{ consent: { channel: "email" } }, { member: false, nextAt: null }],
      [{ or: [{ identity: { kind: "phone" } }, { identity: { kind: "email" } }] }, { member: true, nextAt: null }],
    ];
    for (const [rule, expected] of rules) expect(at([custom("x", rule)], "x", facts, NOW), JSON.stringify(rule)).toEqual(expected);
  });

  it("a reference to an unknown segment is not membership; a cycle that slipped past validation still ends", () => {
    const a = custom("a", { segment: "b" });
    const b = custom("b", { not: { segment: "a" } });
    expect(at([a], "a", inputs({}), NOW).member).toBe(false);
    // Inside a's evaluation, b's reference back to a reads as "not a member", so b (and with it a) is one.
    const both = evaluateSegments([a, b], inputs({}), NOW);
    expect(both.get("b")).toEqual({ member: true, nextAt: null });
    expect(both.get("a")).toEqual({ member: true, nextAt: null });
  });
});

describe("what a batch can change", () => {
  const event = (over: Partial<SeamEvent>): SeamEvent => ({
    messageId: crypto.randomUUID(), type: "track", timestamp: NOW, receivedAt: NOW, channel: "web", verified: false, properties: {}, traits: {}, context: {}, ...over,
  });

  it("a page view re-evaluates no built-in; an order, a cart change, consent and a sign-in re-evaluate theirs", () => {
    expect([...segmentsReading(builtins, inputsTouchedBy([event({ type: "page", name: "Home" })], false))]).toEqual([]);
    const ordered = segmentsReading(builtins, inputsTouchedBy([event({ event: "Order Completed", properties: { order_id: "o" } })], true));
    expect([...ordered].sort()).toEqual(["cart_abandoners", "high_value", "lapsed", "recent_buyers", "seasonal_buyers"]);
    expect([...segmentsReading(builtins, inputsTouchedBy([event({ event: "Subscribed", properties: { channel: "email" } })], false))]).toEqual(
      expect.arrayContaining(["subscribers_email"]),
    );
    expect([...segmentsReading(builtins, inputsTouchedBy([event({ type: "identify", userId: "u1", verified: true })], false))]).toEqual(["account_owners"]);
    // A custom segment built on a built-in is re-evaluated with it.
    const onTop = [...builtins, custom("loyal", { and: [{ segment: "recent_buyers" }, { trait: { key: "plan", eq: "gold" } }] })];
    expect(segmentsReading(onTop, inputsTouchedBy([event({ event: "Order Completed" })], false)).has("loyal")).toBe(true);
  });
});

describe("pieces", () => {
  it("windowTest walks every entry and exit in time order until the answer flips", () => {
    const items = [{ ts: 0, weight: 1 }, { ts: 10, weight: 1 }, { ts: 20, weight: 1 }];
    expect(windowTest(items, 25, { fromMs: 0, toMs: 30 }, (n) => n >= 2)).toEqual({ member: true, nextAt: 40 });
    // Ages 5 to 30: all three count at 25 (the newest just entered), the oldest leaves at 30.
    expect(windowTest(items, 25, { fromMs: 5, toMs: 30 }, (n) => n >= 3)).toEqual({ member: true, nextAt: 30 });
    expect(windowTest([{ ts: 0, weight: 1 }], 0, { fromMs: 5, toMs: 10 }, (n) => n >= 1)).toEqual({ member: false, nextAt: 5 });
  });

  it("orders count their total, else their revenue, else their lines; categories match a whole path or one level", () => {
    expect(orderFact({ total: 12, revenue: 10, products: [], ts: 1 }).amount).toBe(12);
    expect(orderFact({ total: null, revenue: null, products: [{ productId: "a", variant: "", quantity: 2, price: 4.5, category: "Shoes" }], ts: 1 })).toEqual({
      ts: 1, amount: 9, categories: ["Shoes"], productIds: ["a"],
    });
    expect(categoryMatches("Men > Shoes > Running", "shoes")).toBe(true);
    expect(categoryMatches("Shoes/Boots", "boots")).toBe(true);
    expect(categoryMatches("Shoelaces", "shoes")).toBe(false);
  });
});
