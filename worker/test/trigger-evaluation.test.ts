// Trigger evaluation (pure): entries, exits at the event, re-entry rules, catalog changes and the last check before sending.
import { describe, expect, it } from "vitest";
import { resolveDefinition, type WorkspaceTemplate, type TriggerDefinition } from "../src/triggers/definitions.ts";
import { planCatalogChange } from "../src/triggers/catalog-triggers.ts";
import {
  cartVersion,
  planForEvents,
  stepStillWanted,
  type BatchFacts,
  type RunLookup,
  type RunSummary,
} from "../src/triggers/evaluate.ts";
import type { SeamEvent } from "../src/schemas.ts";

const T = Date.UTC(2026, 10, 2, 12, 0);
const M = 60_000;
const H = 60 * M;

function trigger(template: WorkspaceTemplate, overrides: Record<string, unknown> = {}): TriggerDefinition {
  return resolveDefinition(template.replace(/_/g, "-"), { template, ...overrides }, 1);
}

function track(event: string, properties: Record<string, unknown> = {}, ts = T): SeamEvent {
  return {
    messageId: crypto.randomUUID(),
    type: "track",
    event,
    timestamp: ts,
    receivedAt: ts,
    channel: "web",
    verified: false,
    properties,
    traits: {},
    context: {},
  };
}

function lookup(runs: RunSummary[]): RunLookup {
  return {
    run: (id) => runs.find((r) => r.runId === id),
    active: (triggerId) => runs.filter((r) => r.triggerId === triggerId && r.status === "active"),
    lastSentAt: (triggerId) => {
      const times = runs.filter((r) => r.triggerId === triggerId && r.lastSentAt !== null).map((r) => r.lastSentAt!);
      return times.length ? Math.max(...times) : null;
    },
  };
}
const noRuns: RunLookup = { run: () => undefined, active: () => [], lastSentAt: () => null };

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    runId: "r",
    triggerId: "abandoned-cart",
    template: "abandoned_cart",
    entryKey: "k",
    status: "active",
    productId: null,
    startedAt: T - H,
    anchorAt: T - H,
    lastSentAt: null,
    sentCount: 0,
    ...overrides,
  };
}

function facts(overrides: Partial<BatchFacts> = {}): BatchFacts {
  const lines = [{ product_id: "a", variant: "", quantity: 1 }];
  return {
    now: T,
    cart: { lineCount: 1, version: cartVersion(lines), updatedAt: T, productIds: new Set(["a"]) },
    cartChanged: true,
    viewCounts: new Map(),
    ...overrides,
  };
}

describe("cartVersion", () => {
  it("is the same for the same lines in any order, and differs when a quantity differs", () => {
    const a = { product_id: "a", variant: "", quantity: 1 };
    const b = { product_id: "b", variant: "x", quantity: 2 };
    expect(cartVersion([a, b])).toBe(cartVersion([b, a]));
    expect(cartVersion([a, b])).not.toBe(cartVersion([a, { ...b, quantity: 3 }]));
  });
});

describe("planForEvents", () => {
  const cart = trigger("abandoned_cart");

  it("starts an abandoned-cart run anchored at the last cart change", () => {
    const [action] = planForEvents([track("Product Added", { product_id: "a" })], [cart], facts(), noRuns);
    expect(action).toMatchObject({ kind: "start", anchorAt: T, firstDueAt: T + H });
  });

  it("ends the abandoned-cart run at the order, not at its next step", () => {
    const active = run({ runId: "abandoned-cart:cart:x" });
    const empty = { lineCount: 0, version: cartVersion([]), updatedAt: T, productIds: new Set<string>() };
    expect(planForEvents([track("Order Completed", { order_id: "o1" })], [cart], facts({ cart: empty }), lookup([active]))).toEqual([
      { kind: "end", runId: active.runId, status: "exited", reason: "order_completed" },
    ]);
    expect(planForEvents([track("Product Removed", { product_id: "a" })], [cart], facts({ cart: empty }), lookup([active]))).toEqual([
      { kind: "end", runId: active.runId, status: "exited", reason: "cart_emptied" },
    ]);
  });

  it("keeps a series that already sent going, and respects the cool-down after one", () => {
    const sent = run({ runId: "abandoned-cart:cart:old", sentCount: 1, lastSentAt: T - H });
    expect(planForEvents([track("Product Added", { product_id: "b" })], [cart], facts(), lookup([sent]))).toEqual([]);
    const finished = { ...sent, status: "completed" as const };
    expect(planForEvents([track("Product Added", { product_id: "b" })], [cart], facts(), lookup([finished]))).toEqual([]);
    expect(planForEvents([track("Product Added", { product_id: "b" })], [cart], facts({ now: T + 25 * H }), lookup([finished]))).toHaveLength(1);
  });

  it("starts browse abandonment at the N-th view of a product not in the cart, and ends it when the product is added", () => {
    const browse = trigger("browse_abandonment", { min_views: 3 });
    const empty = { lineCount: 0, version: cartVersion([]), updatedAt: null, productIds: new Set<string>() };
    const view = track("Product Viewed", { product_id: "p" });
    expect(planForEvents([view], [browse], facts({ cart: empty, cartChanged: false, viewCounts: new Map([["p", 2]]) }), noRuns)).toEqual([]);
    const [start] = planForEvents([view], [browse], facts({ cart: empty, cartChanged: false, viewCounts: new Map([["p", 3]]) }), noRuns);
    expect(start).toMatchObject({ kind: "start", productId: "p", firstDueAt: T + 2 * H });
    const active = run({ runId: "browse:p", triggerId: browse.id, template: "browse_abandonment", productId: "p" });
    expect(planForEvents([track("Product Added", { product_id: "p" })], [browse], facts(), lookup([active]))).toEqual([
      { kind: "end", runId: "browse:p", status: "exited", reason: "added_to_cart" },
    ]);
  });

  it("welcomes once, on the configured events", () => {
    const welcome = trigger("welcome_series");
    const none = facts({ cartChanged: false });
    expect(planForEvents([track("Signed Up")], [welcome], none, noRuns)).toMatchObject([{ kind: "start", entryKey: "once", firstDueAt: T }]);
    expect(planForEvents([track("Signed Up")], [welcome], none, lookup([run({ runId: "welcome-series:once", triggerId: "welcome-series", status: "completed" })]))).toEqual([]);
    expect(planForEvents([track("Product Viewed", { product_id: "x" })], [welcome], none, noRuns)).toEqual([]);
  });

  it("cross-sells once per order, and follows up a clicked product unless it is in the cart", () => {
    const post = trigger("post_purchase", { cooldown_hours: 0 });
    const order = track("Order Completed", { order_id: "o1", products: [{ product_id: "a" }] });
    expect(planForEvents([order], [post], facts({ cartChanged: false }), noRuns)).toMatchObject([
      { kind: "start", entryKey: "order:o1", context: { order_id: "o1", product_ids: ["a"] } },
    ]);
    const interest = trigger("product_interest");
    const click = (product: string) => track("Message Clicked", { message_id: "m1", product_id: product });
    expect(planForEvents([click("z")], [interest], facts({ cartChanged: false }), noRuns)).toMatchObject([{ kind: "start", productId: "z" }]);
    expect(planForEvents([click("a")], [interest], facts({ cartChanged: false }), noRuns)).toEqual([]);
  });

  it("does nothing for a disabled trigger", () => {
    expect(planForEvents([track("Product Added", { product_id: "a" })], [{ ...cart, enabled: false }], facts(), noRuns)).toEqual([]);
  });
});

describe("planCatalogChange", () => {
  const drop = trigger("price_drop", { min_drop_percent: 10 });
  const change = { product_id: "p", kind: "price_drop" as const, old_price: 100, new_price: 80 };

  it("reaches a customer who viewed the product recently or has it in the cart, and did not buy it since", () => {
    const viewed = { viewedAt: T - 24 * H, inCart: false, boughtAt: null };
    expect(planCatalogChange(change, [drop], viewed, noRuns, T)).toMatchObject([{ kind: "start", productId: "p", entryKey: "p:80" }]);
    expect(planCatalogChange(change, [drop], { ...viewed, boughtAt: T - H }, noRuns, T)).toEqual([]);
    expect(planCatalogChange(change, [drop], { viewedAt: T - 40 * 24 * H, inCart: false, boughtAt: null }, noRuns, T)).toEqual([]);
    expect(planCatalogChange(change, [drop], { viewedAt: null, inCart: true, boughtAt: null }, noRuns, T)).toHaveLength(1);
  });

  it("ignores a drop below the threshold, and the same drop twice", () => {
    const viewed = { viewedAt: T - H, inCart: false, boughtAt: null };
    expect(planCatalogChange({ ...change, new_price: 95 }, [drop], viewed, noRuns, T)).toEqual([]);
    const done = run({ runId: "price-drop:p:80", triggerId: "price-drop", status: "completed" });
    expect(planCatalogChange(change, [drop], viewed, lookup([done]), T)).toEqual([]);
  });
});

describe("stepStillWanted", () => {
  const cart = trigger("abandoned_cart");
  const base = { cartLineCount: 1, cartProductIds: new Set(["a"]), lastOrderAt: null, productBoughtAt: () => null, otherRunLastSentAt: null };

  it("stops an abandoned cart that was emptied or ordered since its anchor (a late event)", () => {
    expect(stepStillWanted(cart, run({}), base, T)).toEqual({ ok: true });
    expect(stepStillWanted(cart, run({}), { ...base, cartLineCount: 0 }, T)).toEqual({ ok: false, reason: "cart_emptied" });
    expect(stepStillWanted(cart, run({}), { ...base, lastOrderAt: T - 30 * M }, T)).toEqual({ ok: false, reason: "order_completed" });
    expect(stepStillWanted(cart, run({}), { ...base, lastOrderAt: T - 2 * H }, T)).toEqual({ ok: true });
  });

  it("drops a first step inside another run's cool-down", () => {
    expect(stepStillWanted(cart, run({}), { ...base, otherRunLastSentAt: T - H }, T)).toEqual({ ok: false, reason: "cooldown" });
  });
});
