// Built-in trigger templates and a workspace's trigger definitions: shapes, limits, defaults, validation.
// The workspace-wide messaging policy and the published config are in policy.ts.
import * as z from "zod/mini";
import { SEGMENT_LIMITS } from "../segments/definitions.ts";
import { segmentIdSchema } from "../segments/rules.ts";
import type { TriggerAudience } from "./audience.ts";

/** The channels Seam can send a message on (the others — web, app, pos… — are where events come from). */
export const MESSAGE_CHANNELS = ["email", "sms", "messenger", "push"] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export const TEMPLATE_NAMES = [
  "abandoned_cart",
  "browse_abandonment",
  "welcome_series",
  "post_purchase",
  "product_interest",
  "price_drop",
  "back_in_stock",
  "new_in_favourite_category",
  "near_store_offer",
] as const;
/**
 * The templates a workspace can switch on, and Seam's own: `contact_confirmation`, the one message
 * that asks a browser-given email or phone to confirm itself (double opt-in). It is never a
 * workspace's trigger; the customer's object plans it itself.
 */
export type TemplateName = WorkspaceTemplate | "contact_confirmation";
/** A template a workspace can switch on (`PUT /v1/admin/triggers/:id`). */
export type WorkspaceTemplate = (typeof TEMPLATE_NAMES)[number];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Limits of a definition: every number a workspace can tune has a floor and a ceiling. */
export const LIMITS = {
  triggersPerWorkspace: 50,
  stepsPerTrigger: 10,
  /** A step can wait at most 90 days after the trigger's anchor event. */
  maxDelayMinutes: 90 * 24 * 60,
  maxCooldownHours: 365 * 24,
  maxExpiryHours: 30 * 24,
  maxCascadeWaitHours: 7 * 24,
  maxViews: 100,
  maxInterestDays: 180,
  /** Free-form template content (subjects, copy keys) per definition, as JSON bytes. */
  maxContentBytes: 16 * 1024,
  capRules: 20,
  maxCapMessages: 1_000,
  maxCapWindowDays: 90,
  maxMinGapHours: 30 * 24,
  entryEvents: 20,
} as const;

export interface TriggerStep {
  /** Minutes after the run's anchor (the last cart change, the sign-up, the order…). */
  delay_minutes: number;
  /** Whatever the message template needs for this step (subject, copy key), passed through. */
  content?: Record<string, unknown>;
}

/** One trigger of a workspace, fully resolved (template defaults filled in). */
export interface TriggerDefinition {
  id: string;
  template: TemplateName;
  enabled: boolean;
  /** Incremented on every change; messages carry the version they were built from. */
  version: number;
  steps: TriggerStep[];
  /** After a run of this trigger sent a message, no new run starts for this long. */
  cooldown_hours: number;
  /**
   * A step that cannot be sent within this many hours of its planned time is dropped (quiet
   * hours; frequency caps too when `wait_for_caps` is false).
   */
  expires_after_hours: number;
  /**
   * Whether a step held back by a frequency cap waits for the first slot the caps allow, however
   * far past its expiry (the send-time checks run again then: an emptied cart, an order or a
   * purchase still end the run). False for messages that state a fact of the moment (a price, a
   * restock), which are dropped as `expired:cap` instead.
   */
  wait_for_caps: boolean;
  /** Cascade order for this trigger; null = the workspace's cascade. */
  channels: MessageChannel[] | null;
  /** Wait before the cascade moves to the next channel; null = the workspace's. */
  cascade_wait_hours: number | null;
  /**
   * browse_abandonment: views of one product before it counts as interest;
   * new_in_favourite_category: views of the category (an order counts as ORDER_VIEW_WEIGHT) before it is a favourite.
   */
  min_views: number;
  /** price_drop: the smallest drop, in percent of the old price, worth a message. */
  min_drop_percent: number;
  /** price_drop, back_in_stock, new_in_favourite_category: how recent a view must be to count as interest (a cart line always counts). */
  interest_days: number;
  /** welcome_series: the events that start it. */
  entry_events: string[];
  content: Record<string, unknown>;
  /** Who may enter (a segment, minus excluded ones), checked at entry and when each step is due; null: everyone. */
  audience: TriggerAudience | null;
}

type TemplateDefaults = Omit<TriggerDefinition, "id" | "template" | "enabled" | "version">;

const BASE: TemplateDefaults = {
  steps: [{ delay_minutes: 60 }],
  cooldown_hours: 24,
  expires_after_hours: 24,
  wait_for_caps: true,
  channels: null,
  cascade_wait_hours: null,
  min_views: 2,
  min_drop_percent: 5,
  interest_days: 30,
  entry_events: [],
  content: {},
  audience: null,
};

/** What each built-in template does, and its defaults; a workspace switches one on and tunes it. */
export const TEMPLATES: Record<TemplateName, { description: string; defaults: TemplateDefaults }> = {
  abandoned_cart: {
    description:
      "A reminder after the last cart change with no order: step 1 after an hour, step 2 after a day. An order or an emptied cart cancels it at once; once per cart version.",
    defaults: { ...BASE, steps: [{ delay_minutes: 60 }, { delay_minutes: 24 * 60 }], expires_after_hours: 48 },
  },
  browse_abandonment: {
    description: "A product viewed at least min_views times and not added to the cart within the delay.",
    defaults: { ...BASE, steps: [{ delay_minutes: 120 }], min_views: 2 },
  },
  welcome_series: {
    description: "On sign-up or subscribe: messages on day 0, 2 and 5. Once per customer.",
    defaults: {
      ...BASE,
      steps: [{ delay_minutes: 0 }, { delay_minutes: 2 * 24 * 60 }, { delay_minutes: 5 * 24 * 60 }],
      cooldown_hours: 0,
      expires_after_hours: 72,
      entry_events: ["Signed Up", "Subscribed"],
    },
  },
  post_purchase: {
    description: "A cross-sell after an order, with the order's products and recommendations. Once per order.",
    defaults: { ...BASE, steps: [{ delay_minutes: 3 * 24 * 60 }], expires_after_hours: 72 },
  },
  product_interest: {
    description: "The customer clicked a product link in a message: a follow-up about that product, unless it was added or bought.",
    defaults: { ...BASE, steps: [{ delay_minutes: 24 * 60 }], cooldown_hours: 72, expires_after_hours: 48 },
  },
  price_drop: {
    description: "A catalog price drop reaches the customers who viewed or carted the product recently and did not buy it.",
    // The message quotes a price of the moment: held past its expiry by a cap, it is dropped.
    defaults: { ...BASE, steps: [{ delay_minutes: 0 }], min_drop_percent: 5, wait_for_caps: false },
  },
  back_in_stock: {
    description: "A product back in stock reaches the customers who viewed or carted it recently and did not buy it.",
    defaults: { ...BASE, steps: [{ delay_minutes: 0 }], wait_for_caps: false },
  },
  contact_confirmation: {
    description: "Seam's own: asks an email or phone a browser gave to confirm itself before marketing goes to it (double opt-in). Sent at once, outside caps and quiet hours, once per address.",
    defaults: { ...BASE, steps: [{ delay_minutes: 0 }], cooldown_hours: 0, expires_after_hours: 72, wait_for_caps: false },
  },
  new_in_favourite_category: {
    description:
      "New products in the customer's favourite category (the one they viewed and bought most within interest_days, at least min_views): an hour after the catalog adds them, the ones the customer has not seen. Once per category a day.",
    defaults: { ...BASE, steps: [{ delay_minutes: 60 }], cooldown_hours: 7 * 24, expires_after_hours: 48, min_views: 3, interest_days: 60 },
  },
  near_store_offer: {
    description:
      "A visitor within one of the workspace's stores' radius (PUT /v1/admin/stores) gets a coupon on their best channel: content.coupon_code (one code for all) or content.coupon_pool (a code from an uploaded pool, each used once). At most once per cooldown (30 days).",
    // Meant for now: held past two hours (quiet hours, a cap), the visitor has likely left.
    defaults: { ...BASE, steps: [{ delay_minutes: 0 }], cooldown_hours: 30 * 24, expires_after_hours: 2, wait_for_caps: false },
  },
};

/** near_store_offer's coupon: one fixed code, or a pool (PUT /v1/admin/coupons/:pool) to draw one code per message from. */
export const COUPON_POOL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const COUPON_CODE_PATTERN = /^[\x21-\x7e]{1,64}$/;

export function couponOf(content: Record<string, unknown>): { code: string } | { pool: string } | null {
  if (typeof content.coupon_code === "string" && COUPON_CODE_PATTERN.test(content.coupon_code)) return { code: content.coupon_code };
  if (typeof content.coupon_pool === "string" && COUPON_POOL_PATTERN.test(content.coupon_pool)) return { pool: content.coupon_pool };
  return null;
}

/** A definition saved before a field existed reads as its template's default for that field. */
export function definitionWithDefaults(definition: TriggerDefinition): TriggerDefinition {
  const template = TEMPLATES[definition.template];
  return template ? { ...template.defaults, ...definition } : definition;
}

// ---- validation -----------------------------------------------------------------------------

export const integerBetween = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
const nonNegative = (max: number) => z.number().check(z.minimum(0), z.maximum(max));
export const channelList = z.array(z.enum(MESSAGE_CHANNELS)).check(
  z.minLength(1),
  z.maxLength(MESSAGE_CHANNELS.length),
  z.refine((list) => new Set(list).size === list.length, "channels must not repeat"),
);
const contentObject = z.record(z.string(), z.unknown()).check(
  z.refine((value) => new TextEncoder().encode(JSON.stringify(value)).byteLength <= LIMITS.maxContentBytes, `content is larger than ${LIMITS.maxContentBytes} bytes`),
);

export const TRIGGER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** `PUT /v1/admin/triggers/:id`: a template and the settings to tune; the rest comes from the template. */
export const triggerInputSchema = z.strictObject({
  template: z.enum(TEMPLATE_NAMES),
  enabled: z.optional(z.boolean()),
  steps: z.optional(
    z
      .array(z.strictObject({ delay_minutes: integerBetween(0, LIMITS.maxDelayMinutes), content: z.optional(contentObject) }))
      .check(
        z.minLength(1),
        z.maxLength(LIMITS.stepsPerTrigger),
        z.refine(
          (steps) => steps.every((s, i) => i === 0 || s.delay_minutes >= steps[i - 1]!.delay_minutes),
          "step delays must not decrease",
        ),
      ),
  ),
  cooldown_hours: z.optional(nonNegative(LIMITS.maxCooldownHours)),
  expires_after_hours: z.optional(z.number().check(z.minimum(0.25), z.maximum(LIMITS.maxExpiryHours))),
  wait_for_caps: z.optional(z.boolean()),
  channels: z.optional(z.nullable(channelList)),
  cascade_wait_hours: z.optional(z.nullable(z.number().check(z.minimum(0.25), z.maximum(LIMITS.maxCascadeWaitHours)))),
  min_views: z.optional(integerBetween(1, LIMITS.maxViews)),
  min_drop_percent: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
  interest_days: z.optional(nonNegative(LIMITS.maxInterestDays)),
  entry_events: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1), z.maxLength(LIMITS.entryEvents)),
  ),
  content: z.optional(contentObject),
  audience: z.optional(
    z.nullable(
      z
        .strictObject({
          segment: z.optional(segmentIdSchema),
          exclude: z.optional(z.array(segmentIdSchema).check(z.minLength(1), z.maxLength(SEGMENT_LIMITS.audienceExcludes))),
        })
        .check(z.refine((a) => a.segment !== undefined || a.exclude !== undefined, "an audience names a segment, segments to exclude, or both")),
    ),
  ),
}).check(
  z.refine(
    (t) => t.template !== "near_store_offer" || (t.content !== undefined && couponOf(t.content) !== null && !("coupon_code" in t.content && "coupon_pool" in t.content)),
    { message: "near_store_offer needs content.coupon_code (printable, up to 64 characters) or content.coupon_pool (a pool id), not both", path: ["content"] },
  ),
);
export type TriggerInput = z.infer<typeof triggerInputSchema>;

/** A definition from its input: the template's defaults, overridden by what the workspace set. */
export function resolveDefinition(id: string, input: TriggerInput, version: number): TriggerDefinition {
  const defaults = TEMPLATES[input.template].defaults;
  const definition: TriggerDefinition = {
    ...structuredClone(defaults),
    id,
    template: input.template,
    enabled: input.enabled ?? true,
    version,
  };
  for (const [key, value] of Object.entries(input))
    if (value !== undefined && key !== "template" && key !== "enabled")
      (definition as unknown as Record<string, unknown>)[key] = value;
  return definition;
}

export function isMessageChannel(value: unknown): value is MessageChannel {
  return typeof value === "string" && (MESSAGE_CHANNELS as readonly string[]).includes(value);
}
