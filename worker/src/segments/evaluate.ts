// Segment membership, decided from one customer's plain inputs at a given time: whether the customer
// is in each segment, and the first moment time alone would change that (an order falling out of a
// window, a cart going idle), so the customer's object can set its one alarm to it. Pure: tested
// directly (worker/test/segment-evaluation.test.ts); customer/segments.ts reads the inputs and
// writes the outcome.
import { canonicalEventName } from "../commerce/ecommerce.ts";
import { DAY_MS, MINUTE_MS } from "../triggers/definitions.ts";
import type { SegmentDefinition } from "./definitions.ts";
import { ruleInputs, type SegmentInput, type SegmentInputs } from "./inputs.ts";
import { ruleKey, type SegmentRule, type TraitTest } from "./rules.ts";

export interface SegmentResult {
  member: boolean;
  /** The first time after `now` at which membership could change without a new event; null: never by time alone. */
  nextAt: number | null;
}

/** An item counted in a window of ages: when it happened, and how much it counts (1, an order's total, a view count). */
export interface WindowItem {
  ts: number;
  weight: number;
}

/** Ages an item counts for: from `fromMs` (inclusive) to `toMs` (exclusive) after it happened. */
export interface AgeWindow {
  fromMs: number;
  toMs: number;
}

const EVER: AgeWindow = { fromMs: 0, toMs: Number.POSITIVE_INFINITY };
const withinDays = (days: number | undefined): AgeWindow => (days === undefined ? EVER : { fromMs: 0, toMs: days * DAY_MS });

/** Sums of money and counts compared without float noise (250.1 + 249.9 is 500). */
const rounded = (total: number) => Math.round(total * 1e6) / 1e6;

export const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * Whether the items counted in the window pass `holds` now, and the first moment they would not
 * (or would): every item's entry into and exit from the window is a moment the total changes, so
 * they are walked in time order until the answer flips. Exact, so an alarm set to it never fires
 * for nothing.
 */
export function windowTest(items: readonly WindowItem[], now: number, window: AgeWindow, holds: (total: number) => boolean): SegmentResult {
  let total = 0;
  const changes: [number, number][] = [];
  for (const { ts, weight } of items) {
    const enter = ts + window.fromMs;
    const leave = ts + window.toMs;
    if (enter <= now && now < leave) total += weight;
    if (enter > now) changes.push([enter, weight]);
    if (leave > now && Number.isFinite(leave)) changes.push([leave, -weight]);
  }
  const member = holds(rounded(total));
  changes.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < changes.length; ) {
    const at = changes[i]![0];
    while (i < changes.length && changes[i]![0] === at) total += changes[i++]![1];
    if (holds(rounded(total)) !== member) return { member, nextAt: at };
  }
  return { member, nextAt: null };
}

/** A product category matches a wanted one whole, or one level of its path ("Men > Shoes" is in "shoes"); case-insensitive. */
export function categoryMatches(category: string | null | undefined, wanted: string): boolean {
  if (!category) return false;
  const want = wanted.trim().toLowerCase();
  const have = category.trim().toLowerCase();
  return have === want || have.split(/\s*[>/|]\s*/).includes(want);
}

function traitHolds(value: unknown, test: TraitTest): boolean {
  const present = value !== undefined && value !== null;
  if (test.exists !== undefined && present !== test.exists) return false;
  if (test.eq !== undefined && value !== test.eq) return false;
  if (test.ne !== undefined && value === test.ne) return false;
  if (test.in !== undefined && !test.in.some((v) => v === value)) return false;
  const numeric = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  for (const [op, bound] of [["gt", test.gt], ["gte", test.gte], ["lt", test.lt], ["lte", test.lte]] as const) {
    if (bound === undefined) continue;
    if (!Number.isFinite(numeric)) return false;
    if ((op === "gt" && !(numeric > bound)) || (op === "gte" && !(numeric >= bound)) || (op === "lt" && !(numeric < bound)) || (op === "lte" && !(numeric <= bound))) return false;
  }
  if (test.contains !== undefined) {
    const wanted = test.contains.toLowerCase();
    if (Array.isArray(value)) return value.some((v) => v === test.contains);
    if (typeof value !== "string" || !value.toLowerCase().includes(wanted)) return false;
  }
  return true;
}

interface Context {
  inputs: SegmentInputs;
  now: number;
  segment(id: string): SegmentResult;
}

const NEVER = (member: boolean): SegmentResult => ({ member, nextAt: null });

function evaluateRule(rule: SegmentRule, ctx: Context): SegmentResult {
  const { inputs, now } = ctx;
  switch (ruleKey(rule)) {
    case "and":
    case "or": {
      const all = rule.and !== undefined;
      let member = all;
      let nextAt: number | null = null;
      // Every child is evaluated (no short cut): each one's next change may change the whole.
      for (const child of rule.and ?? rule.or!) {
        const r = evaluateRule(child, ctx);
        member = all ? member && r.member : member || r.member;
        nextAt = earliest(nextAt, r.nextAt);
      }
      return { member, nextAt };
    }
    case "not": {
      const r = evaluateRule(rule.not!, ctx);
      return { member: !r.member, nextAt: r.nextAt };
    }
    case "segment":
      return ctx.segment(rule.segment!);
    case "trait":
      return NEVER(traitHolds(inputs.traits[rule.trait!.key], rule.trait!));
    case "event": {
      const t = rule.event!;
      const name = canonicalEventName(t.name);
      const items = inputs.events.filter((e) => canonicalEventName(e.name) === name).map((e) => ({ ts: e.ts, weight: 1 }));
      return windowTest(items, now, withinDays(t.within_days), (n) => n >= (t.min_count ?? 1) && n <= (t.max_count ?? Number.POSITIVE_INFINITY));
    }
    case "bought": {
      const t = rule.bought!;
      const orders = inputs.orders.filter(
        (o) => (t.category === undefined || o.categories.some((c) => categoryMatches(c, t.category!))) && (t.product_id === undefined || o.productIds.includes(t.product_id)),
      );
      const window = t.between_days_ago ? { fromMs: t.between_days_ago[0] * DAY_MS, toMs: t.between_days_ago[1] * DAY_MS } : withinDays(t.within_days);
      return windowTest(orders.map((o) => ({ ts: o.ts, weight: 1 })), now, window, (n) => n >= Math.max(1, t.min_count ?? 1));
    }
    case "viewed": {
      const t = rule.viewed!;
      const views = inputs.views.filter((v) => (t.category === undefined || categoryMatches(v.category, t.category)) && (t.product_id === undefined || v.productId === t.product_id));
      return windowTest(views.map((v) => ({ ts: v.lastSeen, weight: v.viewCount })), now, withinDays(t.within_days), (n) => n >= Math.max(1, t.min_views ?? 1));
    }
    case "spend": {
      const t = rule.spend!;
      const orders = inputs.orders.map((o) => ({ ts: o.ts, weight: o.amount }));
      return windowTest(orders, now, withinDays(t.within_days), (sum) => (t.gte === undefined || sum >= t.gte) && (t.lt === undefined || sum < t.lt));
    }
    case "cart": {
      const t = rule.cart!;
      const { lines, updatedAt } = inputs.cart;
      const orderedSince = updatedAt !== null && inputs.orders.some((o) => o.ts >= updatedAt);
      if (lines < (t.min_items ?? 1) || updatedAt === null || orderedSince) return NEVER(false);
      const idleAt = updatedAt + (t.idle_minutes ?? 0) * MINUTE_MS;
      return idleAt <= now ? NEVER(true) : { member: false, nextAt: idleAt };
    }
    case "channel": {
      const t = rule.channel!;
      const items = inputs.events.filter((e) => e.channel === t.name).map((e) => ({ ts: e.ts, weight: 1 }));
      return windowTest(items, now, withinDays(t.within_days), (n) => n >= Math.max(1, t.min_count ?? 1));
    }
    case "consent": {
      const t = rule.consent!;
      return NEVER(inputs.consent[t.channel] === (t.granted ?? true));
    }
    case "identity": {
      const kind = rule.identity!.kind;
      return NEVER(kind === "user_id" ? inputs.identities.userId : inputs.identities[kind]);
    }
  }
}

/**
 * Membership of the segments in `only` (every segment when absent) at `now`, with the segments
 * they reference (evaluated once each). A reference to an unknown segment, or a cycle (which
 * validation refuses), counts as "not a member".
 */
export function evaluateSegments(
  definitions: readonly SegmentDefinition[],
  inputs: SegmentInputs,
  now: number,
  only?: ReadonlySet<string>,
): Map<string, SegmentResult> {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const results = new Map<string, SegmentResult>();
  const inProgress = new Set<string>();
  const ctx: Context = {
    inputs,
    now,
    segment(id) {
      const known = results.get(id);
      if (known) return known;
      const definition = byId.get(id);
      if (!definition || inProgress.has(id)) return NEVER(false);
      inProgress.add(id);
      const result = evaluateRule(definition.rule, ctx);
      inProgress.delete(id);
      results.set(id, result);
      return result;
    },
  };
  for (const definition of definitions) if (!only || only.has(definition.id)) ctx.segment(definition.id);
  return results;
}

/** Per definitions list (one per published config): worked out once, read at every batch. */
const inputsByDefinitions = new WeakMap<readonly SegmentDefinition[], Map<string, Set<SegmentInput>>>();

/** What each segment reads, its references' inputs included. */
export function segmentInputsOf(definitions: readonly SegmentDefinition[]): Map<string, Set<SegmentInput>> {
  let inputs = inputsByDefinitions.get(definitions);
  if (!inputs) {
    const rules = new Map(definitions.map((d) => [d.id, d.rule]));
    inputs = new Map(definitions.map((d) => [d.id, ruleInputs(d.rule, (id) => rules.get(id))]));
    inputsByDefinitions.set(definitions, inputs);
  }
  return inputs;
}

/** The segments that read any of the inputs a batch touched: the only ones it can have changed. */
export function segmentsReading(definitions: readonly SegmentDefinition[], touched: ReadonlySet<SegmentInput>): Set<string> {
  const ids = new Set<string>();
  for (const [id, inputs] of segmentInputsOf(definitions)) if ([...inputs].some((input) => touched.has(input))) ids.add(id);
  return ids;
}
