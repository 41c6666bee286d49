// Built-in trigger templates, a workspace's trigger definitions and messaging policy: shapes, limits, defaults, validation.
import * as z from "zod/mini";
import { DEFAULT_CONVERSION_WINDOW_DAYS, MAX_CONVERSION_WINDOW_DAYS } from "../attribution/models.ts";
import type { StoreLocation } from "../geo/near-store.ts";
import { builtinDefinition, SEGMENT_LIMITS, type SegmentDefinition } from "../segments/definitions.ts";
import { BUILTIN_SEGMENT_IDS } from "../segments/builtins.ts";
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

// ---- policy ---------------------------------------------------------------------------------

/**
 * A frequency cap. `max_messages` per rolling `window_days`, and/or at least `min_gap_hours`
 * between two messages; `channel: "*"` counts every channel (a global cap).
 */
export interface CapRule {
  channel: MessageChannel | "*";
  max_messages?: number;
  window_days?: number;
  min_gap_hours?: number;
}

export interface QuietHours {
  /** Local wall-clock "HH:MM"; the window may wrap midnight (21:00 → 08:00). */
  start: string;
  end: string;
}

/** Workspace-wide rules every trigger obeys. */
export interface MessagingPolicy {
  version: number;
  caps: CapRule[];
  quiet_hours: QuietHours | null;
  /** Used when neither the SDK context nor the edge gave the customer's time zone. */
  default_time_zone: string;
  cascade: { channels: MessageChannel[]; wait_hours: number };
  /** The trait holding an explicit channel preference (`"email"`, `"sms"`, …). */
  preference_trait: string;
  /** Channels that need an explicit opt-in (a granted consent); the others need only no opt-out. */
  opt_in_channels: MessageChannel[];
  /**
   * Where message links go. `{product_id}` is replaced in `product_url`; it is used for products
   * the catalog has no url for (an event's url counts only on one of the workspace's explicit
   * origins). `home_url` is the last resort (default: the first explicit allowed origin).
   */
  links: { product_url: string | null; cart_url: string | null; home_url: string | null };
  /**
   * Attribution: touches up to this many days before an order share its credit. (The workspace's
   * reports count on `default_time_zone`'s dates.)
   */
  conversion_window_days: number;
  /**
   * Double opt-in: an email or phone a browser gave (write key) gets one confirmation message, and
   * marketing goes to it only after the customer clicked its link. Contacts the store's backend
   * sent (secret key) are confirmed already. On by default.
   */
  double_opt_in: boolean;
}

export const DEFAULT_POLICY: MessagingPolicy = {
  version: 0,
  caps: [{ channel: "*", max_messages: 3, window_days: 7, min_gap_hours: 12 }],
  quiet_hours: { start: "21:00", end: "08:00" },
  default_time_zone: "UTC",
  cascade: { channels: ["email", "messenger", "sms"], wait_hours: 24 },
  preference_trait: "preferred_channel",
  // SMS marketing needs prior express consent in most markets (TCPA, GDPR/ePrivacy).
  opt_in_channels: ["sms"],
  links: { product_url: null, cart_url: null, home_url: null },
  conversion_window_days: DEFAULT_CONVERSION_WINDOW_DAYS,
  double_opt_in: true,
};

/** What the DO reads from the edge cache: the workspace's policy and its definitions. */
export interface MessagingConfig {
  workspace_id: string;
  /** Bumped on every publish, so a reader can tell two copies apart. */
  revision: number;
  policy: MessagingPolicy;
  triggers: TriggerDefinition[];
  /** The workspace's allowed origins, published with the config: an event's url may be a link target only on one of these. */
  allowed_origins: string[];
  /** The workspace's physical stores (`PUT /v1/admin/stores`): a visitor within one's radius gets `near_store`. */
  stores: StoreLocation[];
  /** Every segment of the workspace (built-ins and custom), which each customer object evaluates (segments/). */
  segments: SegmentDefinition[];
}

/** A policy saved before a field existed reads as the default for that field. */
export function policyWithDefaults(policy: MessagingPolicy): MessagingPolicy {
  return { ...DEFAULT_POLICY, ...policy, links: { ...DEFAULT_POLICY.links, ...policy.links } };
}

/** The built-in segments as shipped: what a workspace that never saved a segment evaluates. */
export const DEFAULT_SEGMENTS: readonly SegmentDefinition[] = BUILTIN_SEGMENT_IDS.map((id) => builtinDefinition(id));

export function emptyConfig(workspaceId: string): MessagingConfig {
  return { workspace_id: workspaceId, revision: 0, policy: DEFAULT_POLICY, triggers: [], allowed_origins: [], stores: [], segments: [...DEFAULT_SEGMENTS] };
}

// ---- validation -----------------------------------------------------------------------------

const int = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
const nonNegative = (max: number) => z.number().check(z.minimum(0), z.maximum(max));
const channelList = z.array(z.enum(MESSAGE_CHANNELS)).check(
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
      .array(z.strictObject({ delay_minutes: int(0, LIMITS.maxDelayMinutes), content: z.optional(contentObject) }))
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
  min_views: z.optional(int(1, LIMITS.maxViews)),
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

const clock = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a 24-hour local time, HH:MM"));

export const capRuleSchema = z.strictObject({
  channel: z.union([z.literal("*"), z.enum(MESSAGE_CHANNELS)]),
  max_messages: z.optional(int(1, LIMITS.maxCapMessages)),
  window_days: z.optional(z.number().check(z.minimum(1 / 24), z.maximum(LIMITS.maxCapWindowDays))),
  min_gap_hours: z.optional(z.number().check(z.minimum(0), z.maximum(LIMITS.maxMinGapHours))),
}).check(
  z.refine(
    (r) => (r.max_messages === undefined) === (r.window_days === undefined),
    "max_messages and window_days go together",
  ),
  z.refine((r) => r.max_messages !== undefined || r.min_gap_hours !== undefined, "a cap needs max_messages/window_days or min_gap_hours"),
);

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const urlTemplate = z.nullable(
  z.string().check(z.maxLength(1000), z.regex(/^https?:\/\/\S+$/, "an http(s) URL")),
);

/** `PUT /v1/admin/messaging`: the whole policy; omitted fields take the defaults. */
export const policyInputSchema = z.strictObject({
  caps: z.optional(z.array(capRuleSchema).check(z.maxLength(LIMITS.capRules))),
  quiet_hours: z.optional(
    z.nullable(z.strictObject({ start: clock, end: clock }).check(z.refine((q) => q.start !== q.end, "start and end must differ"))),
  ),
  default_time_zone: z.optional(z.string().check(z.maxLength(64), z.refine(isTimeZone, "an IANA time zone such as Europe/Berlin"))),
  cascade: z.optional(
    z.strictObject({
      channels: channelList,
      wait_hours: z.number().check(z.minimum(0.25), z.maximum(LIMITS.maxCascadeWaitHours)),
    }),
  ),
  preference_trait: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  opt_in_channels: z.optional(z.array(z.enum(MESSAGE_CHANNELS)).check(z.maxLength(MESSAGE_CHANNELS.length))),
  links: z.optional(
    z.strictObject({ product_url: z.optional(urlTemplate), cart_url: z.optional(urlTemplate), home_url: z.optional(urlTemplate) }),
  ),
  conversion_window_days: z.optional(int(1, MAX_CONVERSION_WINDOW_DAYS)),
  double_opt_in: z.optional(z.boolean()),
});
export type PolicyInput = z.infer<typeof policyInputSchema>;

export function resolvePolicy(input: PolicyInput, version: number): MessagingPolicy {
  return {
    version,
    caps: input.caps ?? DEFAULT_POLICY.caps,
    quiet_hours: input.quiet_hours === undefined ? DEFAULT_POLICY.quiet_hours : input.quiet_hours,
    default_time_zone: input.default_time_zone ?? DEFAULT_POLICY.default_time_zone,
    cascade: input.cascade ?? DEFAULT_POLICY.cascade,
    preference_trait: input.preference_trait ?? DEFAULT_POLICY.preference_trait,
    opt_in_channels: input.opt_in_channels ?? DEFAULT_POLICY.opt_in_channels,
    links: {
      product_url: input.links?.product_url ?? DEFAULT_POLICY.links.product_url,
      cart_url: input.links?.cart_url ?? DEFAULT_POLICY.links.cart_url,
      home_url: input.links?.home_url ?? DEFAULT_POLICY.links.home_url,
    },
    conversion_window_days: input.conversion_window_days ?? DEFAULT_POLICY.conversion_window_days,
    double_opt_in: input.double_opt_in ?? DEFAULT_POLICY.double_opt_in,
  };
}

export function isMessageChannel(value: unknown): value is MessageChannel {
  return typeof value === "string" && (MESSAGE_CHANNELS as readonly string[]).includes(value);
}
