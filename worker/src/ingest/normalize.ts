// Turns one raw Segment event into a SeamEvent, or says exactly why it is rejected.
import {
  MAX_EVENT_BYTES,
  MAX_PROPERTY_DEPTH,
  segmentEventSchema,
  type EventType,
  type SeamEvent,
} from "../schemas.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import { deriveChannel } from "./channel.ts";

export interface Rejection {
  messageId: string | null;
  code: "event_too_large" | "too_deep" | "invalid_event" | "missing_identity" | "invalid_user_hash" | "unverified_user";
  reason: string;
}

export interface EnvelopeDefaults {
  /** `sentAt` of the batch envelope, used when the event has none. */
  sentAt?: string;
  /** Batch-level context and integrations, merged under the event's own. */
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  /** Forced type for the single-event paths (`/v1/track` is always a track). */
  type?: EventType;
  /** The request carried the workspace's secret key: its events are from the store's backend. */
  trusted?: boolean;
  /**
   * Whether events may exceed MAX_EVENT_BYTES. False when the whole body is smaller than that:
   * then no event can be, and measuring each one (a JSON.stringify per event) is skipped.
   */
  measureEvents?: boolean;
}

const encoder = new TextEncoder();

/** Byte size of a value as JSON; the limit Segment documents is in bytes, not characters. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

function depthExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => depthExceeds(child, limit - 1));
}

function messageIdOf(raw: unknown): string | null {
  const id = (raw as { messageId?: unknown } | null)?.messageId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/**
 * Corrects the sender's clock: Segment's rule `timestamp = receivedAt − (sentAt − timestamp)`,
 * so an event stamped by a phone whose clock is an hour fast still lands at the right time.
 */
export function correctedTimestamp(
  receivedAt: number,
  timestamp: string | undefined,
  sentAt: string | undefined,
): number {
  if (!timestamp) return receivedAt;
  const ts = Date.parse(timestamp);
  if (!sentAt) return ts;
  return receivedAt - (Date.parse(sentAt) - ts);
}

export function normalizeEvent(
  raw: unknown,
  receivedAt: number,
  defaults: EnvelopeDefaults = {},
): { ok: true; event: SeamEvent } | { ok: false; rejection: Rejection } {
  const messageId = messageIdOf(raw);
  const reject = (code: Rejection["code"], reason: string) => ({
    ok: false as const,
    rejection: { messageId, code, reason },
  });

  if (defaults.measureEvents !== false && jsonBytes(raw) > MAX_EVENT_BYTES)
    return reject("event_too_large", `event is larger than ${MAX_EVENT_BYTES} bytes`);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return reject("invalid_event", "event must be a JSON object");
  for (const field of ["properties", "traits", "context"] as const) {
    if (depthExceeds((raw as Record<string, unknown>)[field], MAX_PROPERTY_DEPTH))
      return reject("too_deep", `${field} is nested deeper than ${MAX_PROPERTY_DEPTH} levels`);
  }

  const input = defaults.type ? { ...(raw as object), type: defaults.type } : raw;
  const parsed = segmentEventSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    return reject("invalid_event", `${where}${issue.message}`);
  }
  const e = parsed.data;
  const traits = e.traits ?? (e.context?.traits as Record<string, unknown> | undefined) ?? {};
  if (e.type !== "alias" && e.userId == null && e.anonymousId == null) {
    // The store's backend may name a customer by email or phone alone (a till, a call centre).
    const hasContact = normalizeEmail(traits.email) !== undefined || normalizePhone(traits.phone) !== undefined;
    if (!defaults.trusted || !hasContact)
      return reject(
        "missing_identity",
        defaults.trusted
          ? "userId, anonymousId, or an email or phone in traits is required"
          : "userId or anonymousId is required",
      );
  }
  const context = { ...defaults.context, ...e.context };
  const integrations = { ...defaults.integrations, ...e.integrations };
  if (Object.keys(integrations).length) context.integrations = integrations;

  // An event from the future is a clock the skew correction could not fix; like Segment, pin it to now.
  const timestamp = Math.min(
    correctedTimestamp(receivedAt, e.timestamp ?? e.originalTimestamp, e.sentAt ?? defaults.sentAt),
    receivedAt,
  );
  const event: SeamEvent = {
    messageId: messageId ?? crypto.randomUUID(),
    type: e.type,
    timestamp,
    receivedAt,
    channel: deriveChannel(context),
    verified: defaults.trusted === true,
    trusted: defaults.trusted === true,
    properties: e.properties ?? {},
    traits,
    context,
  };
  if (e.event) event.event = e.event;
  if (e.name) event.name = e.name;
  if (e.userId != null) event.userId = e.userId;
  if (e.anonymousId != null) event.anonymousId = e.anonymousId;
  if (e.previousId != null) event.previousId = e.previousId;
  if (e.groupId != null) event.groupId = e.groupId;
  return { ok: true, event };
}
