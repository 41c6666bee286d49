// A workspace's messaging policy (caps, quiet hours, cascade, consent, link destinations, attribution
// window, double opt-in), its validation, and the config the customer objects read: policy, triggers,
// origins, stores and segments, published together.
import * as z from "zod/mini";
import { DEFAULT_CONVERSION_WINDOW_DAYS, MAX_CONVERSION_WINDOW_DAYS } from "../attribution/models.ts";
import type { StoreLocation } from "../geo/near-store.ts";
import { builtinDefinition, type SegmentDefinition } from "../segments/definitions.ts";
import { BUILTIN_SEGMENT_IDS } from "../segments/builtins.ts";
import { channelList, integerBetween, LIMITS, MESSAGE_CHANNELS, type MessageChannel, type TriggerDefinition } from "./definitions.ts";

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

const clock = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a 24-hour local time, HH:MM"));

export const capRuleSchema = z.strictObject({
  channel: z.union([z.literal("*"), z.enum(MESSAGE_CHANNELS)]),
  max_messages: z.optional(integerBetween(1, LIMITS.maxCapMessages)),
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
  conversion_window_days: z.optional(integerBetween(1, MAX_CONVERSION_WINDOW_DAYS)),
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
