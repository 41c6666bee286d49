// What segment rules read from a customer (plain data the customer store reads: segments/evaluate.ts
// works on nothing else), and which of those inputs a batch of events can have changed, so a page
// view re-evaluates no segment that does not look at events.
import { commerceEffects, type ProductLine } from "../commerce/ecommerce.ts";
import { consentChoices } from "../ingest/consent.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import type { SeamEvent } from "../schemas.ts";
import { ruleChildren, ruleKey, type RuleKey, type SegmentRule } from "./rules.ts";

/** The parts of a customer's state a rule can read; the store reads only the parts asked for. */
export type SegmentInput = "orders" | "cart" | "consent" | "identity" | "traits" | "events" | "views";

export interface OrderFact {
  ts: number;
  /** The order's total (else its revenue, else its lines' price × quantity), in the order's own currency. */
  amount: number;
  categories: readonly string[];
  productIds: readonly string[];
}

export interface SegmentInputs {
  orders: readonly OrderFact[];
  cart: { lines: number; updatedAt: number | null };
  consent: Readonly<Record<string, boolean>>;
  identities: { userId: boolean; email: boolean; phone: boolean };
  traits: Readonly<Record<string, unknown>>;
  /** The kept history (customer/schema.ts CAPS.touchpoints): event (or page/screen) name as sent, channel, time. */
  events: readonly { name: string; channel: string; ts: number }[];
  /** Viewed products: each with its view count and last view. */
  views: readonly { productId: string; category: string | null; lastSeen: number; viewCount: number }[];
}

/** An order as the rules see it; its amount is the order's total, else its revenue, else what its lines add up to. */
export function orderFact(order: { total: number | null; revenue: number | null; products: readonly ProductLine[]; ts: number }): OrderFact {
  const lines = order.products.reduce((sum, p) => sum + (p.price ?? 0) * p.quantity, 0);
  return {
    ts: order.ts,
    amount: order.total ?? order.revenue ?? lines,
    categories: [...new Set(order.products.flatMap((p) => (p.category ? [p.category] : [])))],
    productIds: [...new Set(order.products.map((p) => p.productId))],
  };
}

/** Inputs with nothing in them: what a part nobody asked for reads as. */
export const EMPTY_INPUTS: SegmentInputs = {
  orders: [],
  cart: { lines: 0, updatedAt: null },
  consent: {},
  identities: { userId: false, email: false, phone: false },
  traits: {},
  events: [],
  views: [],
};

const READS: Record<Exclude<RuleKey, "and" | "or" | "not" | "segment">, readonly SegmentInput[]> = {
  trait: ["traits"],
  event: ["events"],
  bought: ["orders"],
  viewed: ["views"],
  spend: ["orders"],
  // "No order since the last cart change" reads the orders too.
  cart: ["cart", "orders"],
  channel: ["events"],
  consent: ["consent"],
  identity: ["identity"],
};

/**
 * What a rule reads, its referenced segments' inputs included (`rules` resolves a reference;
 * validation keeps references acyclic, and `seen` stops a cycle anyway).
 */
export function ruleInputs(rule: SegmentRule, rules: (id: string) => SegmentRule | undefined, into = new Set<SegmentInput>(), seen = new Set<string>()): Set<SegmentInput> {
  const key = ruleKey(rule);
  if (key === "segment") {
    const id = rule.segment!;
    const referenced = rules(id);
    if (referenced && !seen.has(id)) {
      seen.add(id);
      ruleInputs(referenced, rules, into, seen);
    }
  } else if (key === "and" || key === "or" || key === "not") {
    for (const child of ruleChildren(rule)) ruleInputs(child, rules, into, seen);
  } else for (const input of READS[key]) into.add(input);
  return into;
}

/**
 * The inputs a batch of accepted events may have changed. Every event adds to the history; the
 * rest follow from what the event does (the same readings the customer store applies).
 */
export function inputsTouchedBy(events: readonly SeamEvent[], cartChanged: boolean): Set<SegmentInput> {
  const touched = new Set<SegmentInput>();
  if (events.length) touched.add("events");
  if (cartChanged) touched.add("cart");
  for (const event of events) {
    if (event.type === "identify" && Object.keys(event.traits).length) touched.add("traits");
    if ((event.userId != null && event.verified) || normalizeEmail(event.traits.email) || normalizePhone(event.traits.phone)) touched.add("identity");
    if (consentChoices(event).length) touched.add("consent");
    const effects = commerceEffects(event);
    if (effects.viewed) touched.add("views");
    if (effects.cart) touched.add("cart");
    if (effects.order) touched.add("orders");
  }
  return touched;
}

/** Every input there is: a merge or a new set of definitions re-evaluates everything. */
export const ALL_INPUTS: ReadonlySet<SegmentInput> = new Set<SegmentInput>(["orders", "cart", "consent", "identity", "traits", "events", "views"]);
