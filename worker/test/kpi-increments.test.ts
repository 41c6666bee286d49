// What each happening adds to the daily counters, tested directly: touches, orders per model,
// recommendation orders, firsts of message events, dates in the workspace's time zone, keys and shards.
import { describe, expect, it } from "vitest";
import { groupByShard, shardOf } from "../src/aggregator/shards.ts";
import { creditOrder } from "../src/attribution/models.ts";
import { directTouch, type Touch } from "../src/attribution/touches.ts";
import { deliveryIncrements } from "../src/customer/reporting.ts";
import { kpiKey, kpiRange, localDay, parseKpiKey, type KpiIncrement } from "../src/kpis/counters.ts";
import { orderIncrements, recommendationOrderIncrements, touchIncrements, unsubscribeIncrements } from "../src/kpis/increments.ts";
import type { SeamEvent } from "../src/schemas.ts";

const DAY = "2026-05-04";
const touch = (overrides: Partial<Touch>): Touch => ({ ...directTouch("web", 0, crypto.randomUUID()), ...overrides });
const total = (incs: KpiIncrement[], metric: string, dim = "channel") => incs.filter((i) => i[1] === dim && i[3] === metric).reduce((s, i) => s + i[4], 0);

function event(name: string, properties: Record<string, unknown>): SeamEvent {
  return { messageId: crypto.randomUUID(), type: "track", event: name, timestamp: 0, receivedAt: 0, channel: "web", verified: false, properties, traits: {}, context: {} };
}

describe("counter increments", () => {
  it("counts a touch under its channel, source, campaign and trigger, and a customer only on their first of the day", () => {
    const seen = new Set<string>();
    const first = (dim: string, value: string) => !seen.has(`${dim}|${value}`) && !!seen.add(`${dim}|${value}`);
    const click = touch({ kind: "message", channel: "email", source: "seam", campaign: "cart", trigger_id: "cart" });
    expect(touchIncrements(click, DAY, first)).toEqual([
      [DAY, "channel", "email", "touches", 1],
      [DAY, "channel", "email", "customers", 1],
      [DAY, "source", "seam", "touches", 1],
      [DAY, "source", "seam", "customers", 1],
      [DAY, "campaign", "cart", "touches", 1],
      [DAY, "campaign", "cart", "customers", 1],
      [DAY, "trigger", "cart", "touches", 1],
      [DAY, "trigger", "cart", "customers", 1],
    ]);
    expect(touchIncrements(click, DAY, first).map((i) => i[3])).toEqual(["touches", "touches", "touches", "touches"]);
  });

  it("shares an order's one order and its revenue among the credited touches under every model", () => {
    const touches = [touch({ channel: "cpc", source: "google", ts: 1 }), touch({ ts: 2 }), touch({ channel: "email", source: "seam", ts: 3 })];
    const incs = orderIncrements(creditOrder(touches, 200), DAY, 200);
    for (const model of ["first_touch", "last_touch", "linear", "position_based"]) {
      expect(total(incs, `orders:${model}`)).toBeCloseTo(1, 12);
      expect(total(incs, `revenue:${model}`)).toBeCloseTo(200, 9);
    }
    const revenueOf = (channel: string, model: string) => incs.filter((i) => i[1] === "channel" && i[2] === channel && i[3] === `revenue:${model}`).reduce((s, i) => s + i[4], 0);
    expect(revenueOf("cpc", "position_based")).toBeCloseTo(80, 9);
    expect(revenueOf("web", "position_based")).toBeCloseTo(40, 9);
    expect(revenueOf("email", "last_touch")).toBe(200);
  });

  it("credits a recommendation list with the lines of products clicked in it (the latest click decides)", () => {
    const clicks = [
      { ts: 1, campaign: "similar", product_id: "mug" },
      { ts: 2, campaign: "bought_together", product_id: "mug" },
      { ts: 3, campaign: "similar", product_id: "tea" },
    ];
    const lines = [{ productId: "mug", price: 12, quantity: 2 }, { productId: "tea", price: 5, quantity: 1 }, { productId: "pot", price: 40, quantity: 1 }];
    expect(recommendationOrderIncrements(clicks, lines, DAY)).toEqual([
      [DAY, "recs", "bought_together", "orders", 1],
      [DAY, "recs", "bought_together", "revenue", 24],
      [DAY, "recs", "similar", "orders", 1],
      [DAY, "recs", "similar", "revenue", 5],
    ]);
  });

  it("counts an unsubscribe once: a repeated one-click finds the channel already off", () => {
    const consent: Record<string, boolean> = { email: true };
    const unsubscribe = event("Consent Updated", { consent: { email: false }, trigger_id: "cart" });
    expect(unsubscribeIncrements(unsubscribe, consent, DAY)).toEqual([
      [DAY, "channel", "email", "unsubscribed", 1],
      [DAY, "campaign", "cart", "unsubscribed", 1],
      [DAY, "trigger", "cart", "unsubscribed", 1],
    ]);
    expect(unsubscribeIncrements(unsubscribe, consent, DAY)).toEqual([]);
    // A channel Seam sends nothing on (web) is no unsubscribe.
    expect(unsubscribeIncrements(event("Consent Updated", { consent: { web: false } }), {}, DAY)).toEqual([]);
  });

  it("counts a message's first sent and first delivered report only", () => {
    const facts = { channel: "sms", trigger_id: "cart", sent: false, delivered: false, opened: false, clicked: false };
    const settings = { timeZone: "UTC", windowDays: 30 };
    const at = Date.parse(`${DAY}T10:00:00Z`);
    expect(deliveryIncrements({ message_id: "m", status: "sent", at }, facts, settings)).toContainEqual([DAY, "channel", "sms", "messages_sent", 1]);
    expect(deliveryIncrements({ message_id: "m", status: "sent", at }, { ...facts, sent: true }, settings)).toEqual([]);
    expect(deliveryIncrements({ message_id: "m", status: "delivered", at }, { ...facts, sent: true }, settings)).toContainEqual([DAY, "trigger", "cart", "messages_delivered", 1]);
    expect(deliveryIncrements({ message_id: "m", status: "failed", at }, facts, settings)).toEqual([]);
    expect(deliveryIncrements({ message_id: "m", status: "sent", at }, undefined, settings)).toEqual([]);
  });
});

describe("counter keys, dates and shards", () => {
  it("counts on the workspace's local date", () => {
    const late = Date.parse("2026-03-01T23:30:00Z");
    expect(localDay(late, "UTC")).toBe("2026-03-01");
    expect(localDay(late, "Europe/Berlin")).toBe("2026-03-02");
    expect(localDay(late, "America/Los_Angeles")).toBe("2026-03-01");
  });

  it("round-trips keys with any value, and a date range holds exactly its days", () => {
    const key = kpiKey("campaign", DAY, "spring|sale 50%", "touches");
    expect(parseKpiKey(key)).toEqual({ dim: "campaign", day: DAY, value: "spring|sale 50%", metric: "touches" });
    const range = kpiRange("campaign", "2026-05-01", DAY);
    const inRange = (k: string) => k >= range.from && k < range.to;
    expect(inRange(key)).toBe(true);
    expect(inRange(kpiKey("campaign", "2026-05-05", "x", "touches"))).toBe(false);
    expect(inRange(kpiKey("campaign", "2026-04-30", "x", "touches"))).toBe(false);
    expect(inRange(kpiKey("channel", DAY, "x", "touches"))).toBe(false);
  });

  it("groups a fact's increments per shard, summed per key, each part under the fact's id", () => {
    const grouped = groupByShard(
      [
        {
          id: "f1",
          increments: [
            { key: "a", shardKey: "x", delta: 1 },
            { key: "a", shardKey: "x", delta: 2 },
            { key: "b", shardKey: "y", delta: 5 },
            { key: "c", shardKey: "y", delta: 0 },
          ],
        },
      ],
      64,
    );
    const parts = [...grouped.values()].flat();
    expect(parts.every((p) => p.id === "f1")).toBe(true);
    expect(parts.flatMap((p) => p.sums).sort()).toEqual([["a", 3], ["b", 5]]);
    expect(grouped.get(shardOf("x", 64))).toContainEqual({ id: "f1", sums: expect.arrayContaining([["a", 3]]) });
  });
});
