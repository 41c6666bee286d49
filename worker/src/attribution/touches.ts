// What counts as a marketing touch, from one event: a campaign link (UTM), a click in a message, a
// click on a recommendation, or the start of a visit (from a referrer, or direct). Pure: the
// customer's object records touches (customer/attribution-store.ts); attribution/models.ts credits orders.
import { canonicalEventName } from "../commerce/ecommerce.ts";
import { channelName, utmChannel } from "../ingest/channel.ts";
import type { SeamEvent } from "../schemas.ts";
import { CLICK_EVENTS } from "../triggers/engagement.ts";

/** A visit is over after this long without a touch-worthy event (GA's and Segment's 30 minutes). */
export const VISIT_GAP_MS = 30 * 60 * 1000;
/** Touch fields are cut to this many characters: they are report keys, not free text. */
export const MAX_TOUCH_FIELD = 200;
/** What Seam's own links carry as `utm_source` (messages/links.ts withUtm). */
export const SEAM_SOURCE = "seam";
/** The medium of a click on a recommendation. */
export const RECOMMENDATION_MEDIUM = "recommendation";
export const DIRECT_SOURCE = "direct";

export type TouchKind = "utm" | "message" | "recommendation" | "referral" | "direct";

/** One marketing touch of a customer, as attribution credits it and reports count it. */
export interface Touch {
  /** Event time, ms. */
  ts: number;
  kind: TouchKind;
  /**
   * The channel reports group by: the event's channel (web, app, pos …), a message's channel, or
   * for a UTM touch its medium, normalised where it names a channel (`newsletter` → email) and as
   * sent otherwise (`cpc`, `social`).
   */
  channel: string;
  source: string;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  /** A click in one of Seam's messages: its trigger and message. */
  trigger_id: string | null;
  message_id: string | null;
  /** A click on a recommendation: the answer's id and the product clicked. */
  rec_id: string | null;
  product_id: string | null;
  /** The event that made the touch (unique per customer: merges union touches by it). */
  event_id: string;
}

/** Search engines: a visit they refer is `organic`, any other site's is `referral`. */
const SEARCH_ENGINE = /(^|\.)(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia|qwant|startpage)\.[a-z.]+$|(^|\.)search\.brave\.com$/i;

function str(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim().length > 0 ? value.trim().slice(0, MAX_TOUCH_FIELD) : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function host(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** Two touches in one visit are the same when they name the same source, medium, campaign and content. */
export function touchKey(t: Pick<Touch, "source" | "medium" | "campaign" | "content">): string {
  return [t.source, t.medium ?? "", t.campaign ?? "", t.content ?? ""].join("\u0000");
}

/**
 * Whether an event can be a touch at all: an interaction of the customer's own (a page, a screen,
 * a tracked action), never a conversion (an order is what touches are credited for), an
 * identify or alias (who, not where from), or the store's backend speaking for itself.
 */
export function touchWorthy(event: SeamEvent, isOrder: boolean): boolean {
  if (isOrder || event.channel === "server") return false;
  return event.type === "page" || event.type === "screen" || event.type === "track";
}

export interface VisitState {
  /** Time of the last touch-worthy event, or null for a customer never seen. */
  lastActivityAt: number | null;
  /** The touch the current visit started with (or the latest one within it). */
  current: Pick<Touch, "source" | "medium" | "campaign" | "content"> | null;
}

/**
 * The touch an event makes, if any, given the visit it falls in:
 * - a click in a message (`Message Clicked` …): always; its channel, trigger and message id;
 * - a click on a recommendation (`Product Clicked` with `rec_id`): always; the list and product;
 * - a campaign link (UTM in `context.campaign`): when it starts a visit or names another campaign
 *   than the visit's (the landing page of a message click is the click's own touch, not another);
 * - otherwise the start of a visit: from a referrer's site (`referral`, or `organic` for a search
 *   engine) or `direct`.
 * A touch-worthy event inside a visit with nothing new makes none.
 */
export function touchFromEvent(event: SeamEvent, visit: VisitState): Touch | null {
  const startsVisit = visit.lastActivityAt === null || event.timestamp - visit.lastActivityAt > VISIT_GAP_MS;
  const base = { ts: event.timestamp, event_id: event.messageId, trigger_id: null, message_id: null, rec_id: null, product_id: null };
  const p = event.properties;
  const name = canonicalEventName(event.event);

  if (event.type === "track" && CLICK_EVENTS.has(name)) {
    const channel = channelName(p.channel) ?? event.channel;
    const triggerId = str(p.trigger_id);
    const messageId = str(p.message_id);
    return { ...base, kind: "message", channel, source: SEAM_SOURCE, medium: channel, campaign: triggerId, content: messageId, trigger_id: triggerId, message_id: messageId };
  }
  const recId = str(p.rec_id) ?? str(p.recId);
  if (event.type === "track" && name === "product clicked" && recId) {
    const list = str(p.list_id) ?? str(p.list);
    return {
      ...base,
      kind: "recommendation",
      channel: event.channel,
      source: SEAM_SOURCE,
      medium: RECOMMENDATION_MEDIUM,
      campaign: list,
      content: recId,
      rec_id: recId,
      product_id: str(p.product_id),
    };
  }

  const campaign = record(event.context.campaign);
  const utm = { source: str(campaign.source), medium: str(campaign.medium)?.toLowerCase() ?? null, name: str(campaign.name) ?? str(campaign.campaign), content: str(campaign.content) };
  if (utm.source || utm.medium || utm.name) {
    const touch: Touch = {
      ...base,
      kind: "utm",
      channel: utmChannel(utm.medium ?? undefined) ?? utm.medium ?? event.channel,
      source: utm.source ?? "(not set)",
      medium: utm.medium,
      campaign: utm.name,
      content: utm.content,
    };
    // Seam's own links without tracking (no LINK_SECRET) still say which trigger and message they came from.
    if (touch.source === SEAM_SOURCE) Object.assign(touch, { trigger_id: touch.campaign, message_id: touch.content });
    return startsVisit || visit.current === null || touchKey(touch) !== touchKey(visit.current) ? touch : null;
  }
  if (!startsVisit) return null;

  const page = record(event.context.page);
  const referrer = host(str(page.referrer) ?? str(event.context.referrer));
  if (referrer && referrer !== host(str(page.url))) {
    const medium = SEARCH_ENGINE.test(referrer) ? "organic" : "referral";
    return { ...base, kind: "referral", channel: event.channel, source: referrer, medium, campaign: null, content: null };
  }
  return { ...base, kind: "direct", channel: event.channel, source: DIRECT_SOURCE, medium: null, campaign: null, content: null };
}

/** A touch for an order no touch preceded within the window: direct, on the order's own channel. */
export function directTouch(channel: string, ts: number, eventId: string): Touch {
  return { ts, kind: "direct", channel, source: DIRECT_SOURCE, medium: null, campaign: null, content: null, trigger_id: null, message_id: null, rec_id: null, product_id: null, event_id: eventId };
}

/** The visit after a touch-worthy event: its time, and the touch it now runs under (a recommendation click leaves that as it was). */
export function advanceVisit(visit: VisitState, event: SeamEvent, touch: Touch | null): VisitState {
  return {
    lastActivityAt: Math.max(visit.lastActivityAt ?? event.timestamp, event.timestamp),
    current: touch && touch.kind !== "recommendation" ? touch : visit.current,
  };
}
