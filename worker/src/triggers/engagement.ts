// Engagement with messages as events: opens, clicks and unsubscribes land in the channel history like any event.
import type { SeamEvent } from "../schemas.ts";
import type { LinkClaims } from "../messages/links.ts";

/** Canonical names (lower case, single spaces) of events that mean a message was opened or clicked. */
export const OPEN_EVENTS = new Set(["message opened", "email opened", "push notification opened"]);
export const CLICK_EVENTS = new Set(["message clicked", "email link clicked", "push notification tapped"]);
/** Subscribe/unsubscribe events; `properties.channel` (or `channels`) names the channels, none = all. */
export const SUBSCRIBE_EVENTS = new Set(["subscribed"]);
export const UNSUBSCRIBE_EVENTS = new Set(["unsubscribed", "email unsubscribed"]);

/**
 * The event a tracked open, click or one-click unsubscribe becomes. It goes through the
 * customer's normal ingest: a touchpoint on the message's channel with the message's UTM, so
 * attribution sees it; the messaging layer then stops the cascade and starts follow-ups.
 * Opens dedupe to the first per message and clicks to the first per link (pixels reload, mail
 * scanners prefetch); an unsubscribe is never deduped, so a repeated click still takes effect.
 */
export function engagementEvent(claims: LinkClaims, now: number): SeamEvent {
  const base = {
    type: "track" as const,
    timestamp: now,
    receivedAt: now,
    channel: claims.ch,
    verified: false,
    traits: {},
    context: { channel: claims.ch, campaign: { source: "seam", medium: claims.ch, name: claims.t, content: claims.m } },
  };
  const about = { message_id: claims.m, trigger_id: claims.t, channel: claims.ch };
  switch (claims.k) {
    case "v":
      return contactConfirmedEvent(claims.ch === "sms" ? "phone" : "email", now);
    case "o":
      return { ...base, messageId: `seam-open-${claims.m}`, event: "Message Opened", properties: about };
    case "c":
      return {
        ...base,
        messageId: `seam-click-${claims.m}-${claims.l ?? "link"}`,
        event: "Message Clicked",
        properties: { ...about, url: claims.u ?? null, link: claims.l ?? null, ...(claims.pid ? { product_id: claims.pid } : {}) },
      };
    case "u":
      return {
        ...base,
        messageId: `seam-unsubscribe-${crypto.randomUUID()}`,
        event: "Consent Updated",
        properties: { ...about, consent: { [claims.ch]: false }, source: "one_click_unsubscribe" },
      };
  }
}

/**
 * The history record of a confirmed address (double opt-in): the confirmation itself is made by
 * the customer's object from the sealed token, never from this event, which only shows it in the
 * timeline (so a browser sending an event of this name confirms nothing). The address stays out of it.
 */
export function contactConfirmedEvent(kind: "email" | "phone", now: number): SeamEvent {
  const channel = kind === "email" ? "email" : "sms";
  return {
    type: "track",
    messageId: `seam-confirm-${crypto.randomUUID()}`,
    event: "Contact Confirmed",
    timestamp: now,
    receivedAt: now,
    channel,
    verified: false,
    traits: {},
    properties: { contact: kind, channel },
    context: { channel },
  };
}
