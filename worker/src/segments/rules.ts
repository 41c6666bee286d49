// The custom segment rule language: a small JSON tree of tests over one customer's own facts
// (traits, events, orders, views, cart, channels, consent, identities, other segments), joined by
// and / or / not. The schema (zod) is the validation; segments/evaluate.ts gives it meaning.
import * as z from "zod/mini";
import { CHANNELS, type Channel } from "../contracts.ts";

/** Every number a rule may hold has a floor and a ceiling; the tree itself is small. */
export const RULE_LIMITS = {
  /** JSON nesting of a whole rule (`{"and": [{"not": {…}}]}` is four levels per rule level). */
  maxJsonDepth: 24,
  maxNodes: 64,
  maxDays: 3650,
  maxMinutes: 30 * 24 * 60,
  maxListValues: 50,
  maxStringLength: 200,
  maxCount: 1_000_000,
  maxAmount: 1e12,
} as const;

/** A segment's id: lower-case, path- and CSV-safe, the same alphabet as a trigger's. */
export const SEGMENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type Scalar = string | number | boolean | null;

/** A trait compared with one or more operators (all must hold): `{"key": "plan", "eq": "gold"}`. */
export interface TraitTest {
  key: string;
  eq?: Scalar;
  ne?: Scalar;
  in?: Scalar[];
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  exists?: boolean;
  /** A string trait containing this text (case-insensitive), or a list trait holding it. */
  contains?: string;
}

/** Events of one name (Segment's, compared loosely): how many, within how many days. */
export interface EventTest {
  name: string;
  min_count?: number;
  max_count?: number;
  within_days?: number;
}

/**
 * Orders, optionally only those with a product of a category (or one product): at least
 * `min_count`, within the last `within_days`, or placed between `between_days_ago[0]` and
 * `[1]` days ago (a season last year). No window: ever.
 */
export interface BoughtTest {
  category?: string;
  product_id?: string;
  min_count?: number;
  within_days?: number;
  between_days_ago?: [number, number];
}

/** Product views (of a category, or one product), counted per product; `within_days` looks at each product's last view. */
export interface ViewedTest {
  category?: string;
  product_id?: string;
  min_views?: number;
  within_days?: number;
}

/** Order totals summed over a window (ever without one): at least `gte`, below `lt`. */
export interface SpendTest {
  gte?: number;
  lt?: number;
  within_days?: number;
}

/** A cart with at least `min_items` lines, unchanged for `idle_minutes` and no order since its last change. */
export interface CartTest {
  min_items?: number;
  idle_minutes?: number;
}

/** Events on a channel (web, app, pos, email…): at least `min_count`, within `within_days`. */
export interface ChannelTest {
  name: Channel;
  min_count?: number;
  within_days?: number;
}

/** The customer's consent for a channel: granted (the default) or refused. */
export interface ConsentTest {
  channel: Channel;
  granted?: boolean;
}

/** Whether Seam knows the customer's user id (verified), an email or a phone. */
export interface IdentityTest {
  kind: "user_id" | "email" | "phone";
}

/** A rule node: exactly one of these keys. */
export interface SegmentRule {
  and?: SegmentRule[];
  or?: SegmentRule[];
  not?: SegmentRule;
  /** Membership of another segment (built-in or custom). */
  segment?: string;
  trait?: TraitTest;
  event?: EventTest;
  bought?: BoughtTest;
  viewed?: ViewedTest;
  spend?: SpendTest;
  cart?: CartTest;
  channel?: ChannelTest;
  consent?: ConsentTest;
  identity?: IdentityTest;
}

export const RULE_KEYS = ["and", "or", "not", "segment", "trait", "event", "bought", "viewed", "spend", "cart", "channel", "consent", "identity"] as const;
export type RuleKey = (typeof RULE_KEYS)[number];

// ---- schema -------------------------------------------------------------------------------

const text = z.string().check(z.minLength(1), z.maxLength(RULE_LIMITS.maxStringLength));
const count = z.number().check(z.int(), z.minimum(0), z.maximum(RULE_LIMITS.maxCount));
/** Days may be fractional (half a day); at least a minute. */
const days = z.number().check(z.minimum(1 / 1440), z.maximum(RULE_LIMITS.maxDays));
const amount = z.number().check(z.minimum(-RULE_LIMITS.maxAmount), z.maximum(RULE_LIMITS.maxAmount));
const scalar = z.union([z.string().check(z.maxLength(RULE_LIMITS.maxStringLength)), z.number(), z.boolean(), z.null()]);
const channelName = z.enum(CHANNELS);
export const segmentIdSchema = z.string().check(z.regex(SEGMENT_ID_PATTERN, "a segment id is 1-63 lower-case letters, digits, - and _, starting with a letter or digit"));

const traitTest = z
  .strictObject({
    key: text,
    eq: z.optional(scalar),
    ne: z.optional(scalar),
    in: z.optional(z.array(scalar).check(z.minLength(1), z.maxLength(RULE_LIMITS.maxListValues))),
    gt: z.optional(amount),
    gte: z.optional(amount),
    lt: z.optional(amount),
    lte: z.optional(amount),
    exists: z.optional(z.boolean()),
    contains: z.optional(text),
  })
  .check(z.refine((t) => Object.keys(t).length > 1, "a trait test needs an operator: eq, ne, in, gt, gte, lt, lte, exists or contains"));

const eventTest = z
  .strictObject({ name: text, min_count: z.optional(count), max_count: z.optional(count), within_days: z.optional(days) })
  .check(z.refine((t) => t.max_count === undefined || (t.min_count ?? 1) <= t.max_count, "min_count must not exceed max_count"));

const boughtTest = z
  .strictObject({
    category: z.optional(text),
    product_id: z.optional(text),
    min_count: z.optional(count),
    within_days: z.optional(days),
    between_days_ago: z.optional(
      z.tuple([z.number().check(z.minimum(0), z.maximum(RULE_LIMITS.maxDays)), days]).check(z.refine(([from, to]) => from < to, "between_days_ago is [fewer, more] days ago")),
    ),
  })
  .check(z.refine((t) => t.within_days === undefined || t.between_days_ago === undefined, "use within_days or between_days_ago, not both"));

const viewedTest = z.strictObject({ category: z.optional(text), product_id: z.optional(text), min_views: z.optional(count), within_days: z.optional(days) });

const spendTest = z
  .strictObject({ gte: z.optional(amount), lt: z.optional(amount), within_days: z.optional(days) })
  .check(z.refine((t) => t.gte !== undefined || t.lt !== undefined, "a spend test needs gte or lt"));

const cartTest = z.strictObject({
  min_items: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(RULE_LIMITS.maxCount))),
  idle_minutes: z.optional(z.number().check(z.minimum(0), z.maximum(RULE_LIMITS.maxMinutes))),
});

const channelTest = z.strictObject({ name: channelName, min_count: z.optional(count), within_days: z.optional(days) });
const consentTest = z.strictObject({ channel: channelName, granted: z.optional(z.boolean()) });
const identityTest = z.strictObject({ kind: z.enum(["user_id", "email", "phone"]) });

const nodeSchema: z.ZodMiniType<SegmentRule> = z.lazy(() =>
  z
    .strictObject({
      and: z.optional(z.array(nodeSchema).check(z.minLength(1), z.maxLength(RULE_LIMITS.maxNodes))),
      or: z.optional(z.array(nodeSchema).check(z.minLength(1), z.maxLength(RULE_LIMITS.maxNodes))),
      not: z.optional(nodeSchema),
      segment: z.optional(segmentIdSchema),
      trait: z.optional(traitTest),
      event: z.optional(eventTest),
      bought: z.optional(boughtTest),
      viewed: z.optional(viewedTest),
      spend: z.optional(spendTest),
      cart: z.optional(cartTest),
      channel: z.optional(channelTest),
      consent: z.optional(consentTest),
      identity: z.optional(identityTest),
    })
    .check(z.refine((node) => Object.keys(node).length === 1, `a rule has exactly one of: ${RULE_KEYS.join(", ")}`)),
);

/** How deep a JSON value nests, stopping once past `limit` (so a hostile body costs nothing to measure). */
function jsonDepthExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => jsonDepthExceeds(child, limit - 1));
}

/**
 * A whole rule: its nesting is checked before the tree is parsed (a thousand-level body must not
 * recurse through the schema), then each node, then the node count.
 */
export const segmentRuleSchema = z.pipe(
  z.unknown().check(z.refine((v) => !jsonDepthExceeds(v, RULE_LIMITS.maxJsonDepth), { message: `a rule nests at most ${RULE_LIMITS.maxJsonDepth} JSON levels`, abort: true })),
  nodeSchema.check(z.refine((rule) => ruleNodes(rule) <= RULE_LIMITS.maxNodes, `a rule has at most ${RULE_LIMITS.maxNodes} tests`)),
);

// ---- what a rule is made of ---------------------------------------------------------------

/** The one key a (validated) node has. */
export function ruleKey(rule: SegmentRule): RuleKey {
  return RULE_KEYS.find((key) => rule[key] !== undefined) ?? "and";
}

export function ruleChildren(rule: SegmentRule): SegmentRule[] {
  return rule.and ?? rule.or ?? (rule.not ? [rule.not] : []);
}

export function ruleNodes(rule: SegmentRule): number {
  return 1 + ruleChildren(rule).reduce((sum, child) => sum + ruleNodes(child), 0);
}

/** The segments a rule names, directly. */
export function ruleReferences(rule: SegmentRule, into = new Set<string>()): Set<string> {
  if (rule.segment !== undefined) into.add(rule.segment);
  for (const child of ruleChildren(rule)) ruleReferences(child, into);
  return into;
}
