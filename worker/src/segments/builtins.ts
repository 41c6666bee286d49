// The built-in segments: what each means, its parameters (a workspace tunes them) and defaults,
// and the rule it stands for in the rule language, so one evaluator serves built-ins and custom
// segments alike.
import * as z from "zod/mini";
import { RULE_LIMITS, type SegmentRule } from "./rules.ts";

export type BuiltinParams = Record<string, number>;

interface BuiltinSegment {
  name: string;
  description: string;
  /** Each parameter's schema; a PUT may set any of them, the others take their defaults. */
  params: Record<string, z.ZodMiniType<number>>;
  defaults: BuiltinParams;
  rule(params: BuiltinParams): SegmentRule;
}

const DAY_PARAM = z.number().check(z.minimum(1 / 24), z.maximum(RULE_LIMITS.maxDays));
/** A year, as the "spend in the last 365 days" and "the same season last year" count it. */
export const YEAR_DAYS = 365;

const subscribers = (channel: "email" | "sms" | "messenger" | "push", label: string): BuiltinSegment => ({
  name: `${label} subscribers`,
  description: `Customers whose consent for ${channel} is granted (a Subscribed event, Consent Updated, or the store's backend); an unsubscribe takes them out at once.`,
  params: {},
  defaults: {},
  rule: () => ({ consent: { channel } }),
});

export const BUILTIN_SEGMENTS = {
  recent_buyers: {
    name: "Recent buyers",
    description: "Ordered within the last `days` days. Leaves `days` days after the last order, by the customer's alarm.",
    params: { days: DAY_PARAM },
    defaults: { days: 30 },
    rule: (p) => ({ bought: { within_days: p.days! } }),
  },
  cart_abandoners: {
    name: "Cart abandoners",
    description: "A non-empty cart, unchanged for `minutes` minutes and no order since its last change. Enters by the alarm `minutes` after the last cart change; an order, an emptied or a changed cart takes the customer out at once.",
    params: { minutes: z.number().check(z.minimum(0), z.maximum(RULE_LIMITS.maxMinutes)) },
    defaults: { minutes: 60 },
    rule: (p) => ({ cart: { idle_minutes: p.minutes! } }),
  },
  high_value: {
    name: "High value",
    description:
      "Spent at least `min_spend` (order totals, in the orders' own currency) within the last `window_days` days. Leaves when old orders fall out of the window and the rest no longer reach it.",
    // A threshold of 0 would make every customer, buyer or not, high value.
    params: { min_spend: z.number().check(z.minimum(0.01), z.maximum(RULE_LIMITS.maxAmount)), window_days: DAY_PARAM },
    defaults: { min_spend: 500, window_days: YEAR_DAYS },
    rule: (p) => ({ spend: { gte: p.min_spend!, within_days: p.window_days! } }),
  },
  lapsed: {
    name: "Lapsed",
    description: "Bought before, but no order for `days` days. Enters by the alarm `days` days after the last order; a new order takes the customer out.",
    params: { days: DAY_PARAM },
    defaults: { days: 90 },
    rule: (p) => ({ and: [{ bought: {} }, { not: { bought: { within_days: p.days! } } }] }),
  },
  subscribers_email: subscribers("email", "Email"),
  subscribers_sms: subscribers("sms", "SMS"),
  subscribers_messenger: subscribers("messenger", "Messenger"),
  subscribers_push: subscribers("push", "Push"),
  account_owners: {
    name: "Account owners",
    description: "Customers with a known (verified) user id: signed in, or sent by the store's backend.",
    params: {},
    defaults: {},
    rule: () => ({ identity: { kind: "user_id" } }),
  },
  seasonal_buyers: {
    name: "Seasonal buyers",
    description:
      "Bought in the same season last year: an order between 365 − `window_days` and 365 + `window_days` days ago, so the customer enters a little before the anniversary and leaves a little after.",
    params: { window_days: z.number().check(z.minimum(1), z.maximum(182)) },
    defaults: { window_days: 30 },
    rule: (p) => ({ bought: { between_days_ago: [YEAR_DAYS - p.window_days!, YEAR_DAYS + p.window_days!] } }),
  },
} satisfies Record<string, BuiltinSegment>;

export type BuiltinSegmentId = keyof typeof BUILTIN_SEGMENTS;
export const BUILTIN_SEGMENT_IDS = Object.keys(BUILTIN_SEGMENTS) as BuiltinSegmentId[];

export function isBuiltinSegment(id: string): id is BuiltinSegmentId {
  return Object.hasOwn(BUILTIN_SEGMENTS, id);
}

export function builtinSegment(id: BuiltinSegmentId): BuiltinSegment {
  return BUILTIN_SEGMENTS[id];
}

/** The schema of a built-in's `params`: any of its parameters, nothing else. */
export function builtinParamsSchema(id: BuiltinSegmentId) {
  const shape = Object.fromEntries(Object.entries(builtinSegment(id).params).map(([key, schema]) => [key, z.optional(schema)]));
  return z.strictObject(shape);
}

/** A built-in's parameters: the defaults, overridden by what the workspace set. */
export function builtinParams(id: BuiltinSegmentId, set: Readonly<Record<string, unknown>> = {}): BuiltinParams {
  const params: BuiltinParams = { ...builtinSegment(id).defaults };
  for (const key of Object.keys(params)) if (typeof set[key] === "number") params[key] = set[key];
  return params;
}
