// The customer object's side of the KPI counters: what a batch, a merge or a message's delivery adds
// to them, as one fact with its own id (applied once by the aggregators, however often the queue
// delivers it). The attribution store records; this gathers the state it compares against and
// wraps the increments.
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import { isUserProfile } from "../identity/profile-keys.ts";
import { afterResponse, type WaitUntil } from "../background.ts";
import type { Env } from "../env.ts";
import { kpiMessages, localDay, METRICS, type KpiFact, type KpiIncrement } from "../kpis/counters.ts";
import { messageIncrements } from "../kpis/increments.ts";
import type { SeamEvent } from "../schemas.ts";
import type { MessagingConfig } from "../triggers/policy.ts";
import { CLICK_EVENTS, OPEN_EVENTS } from "../triggers/engagement.ts";
import { canonicalEventName } from "../commerce/ecommerce.ts";
import type { BeforeBatch, MessageFacts, ReportingSettings } from "./attribution-store.ts";
import type { DeliveryReport } from "./messaging.ts";
import type { CustomerStore } from "./store.ts";

/** The workspace's reporting settings as its published config carries them. */
export function reportingSettings(config: MessagingConfig): ReportingSettings {
  return { timeZone: config.policy.default_time_zone, windowDays: config.policy.conversion_window_days };
}

/** A fact of these increments, or none when there are none (most page views count nothing). */
export function kpiFact(increments: readonly KpiIncrement[]): KpiFact | undefined {
  return increments.length ? { id: crypto.randomUUID(), increments: [...increments] } : undefined;
}

/**
 * What the batch's counters compare against, read before it is applied: consent (an unsubscribe
 * counts once) and the messages its opens and clicks name (each counts its first).
 */
export function beforeBatch(store: CustomerStore, messageFacts: (ids: string[]) => ReadonlyMap<string, MessageFacts>, events: readonly SeamEvent[]): BeforeBatch {
  const engaged = events.flatMap((e) => {
    const name = canonicalEventName(e.event);
    const id = e.properties.message_id;
    return (CLICK_EVENTS.has(name) || OPEN_EVENTS.has(name)) && typeof id === "string" ? [id] : [];
  });
  return { consent: store.reads.consent(), messages: engaged.length ? messageFacts(engaged) : new Map() };
}

/**
 * Whether a profile is known after this batch: a customer (user id, or an email or phone from a
 * till or call centre), or a visitor whose events named a user id, an email or a phone. A known
 * profile is a lead.
 */
export function knownAfter(profileKey: string, accepted: readonly SeamEvent[]): boolean {
  if (isUserProfile(profileKey) || profileKey.startsWith("e:") || profileKey.startsWith("p:")) return true;
  return accepted.some((e) => e.userId != null || normalizeEmail(e.traits.email) !== undefined || normalizePhone(e.traits.phone) !== undefined);
}

/** A delivery report's increments: the first `sent` and the first `delivered` of a message (a repeated report counts nothing). */
export function deliveryIncrements(report: DeliveryReport, before: MessageFacts | undefined, settings: ReportingSettings): KpiIncrement[] {
  if (!before) return [];
  const first = report.status === "sent" ? !before.sent : report.status === "delivered" ? !before.delivered : false;
  if (!first) return [];
  const metric = report.status === "sent" ? METRICS.messagesSent : METRICS.messagesDelivered;
  return messageIncrements(localDay(report.at, settings.timeZone), before.channel, before.trigger_id, metric);
}

/** Counter increments from outside a request's batch (deliveries, opens and clicks): straight to the events queue, after the answer. */
export function sendKpisAfterResponse(ctx: WaitUntil, events: Env["EVENTS"], workspaceId: string, increments: readonly KpiIncrement[] | KpiFact | undefined): void {
  const fact = increments === undefined || "id" in increments ? increments : kpiFact(increments);
  if (fact) afterResponse(ctx, "KPI counters", events.sendBatch(kpiMessages(workspaceId, [fact]).map((body) => ({ body }))));
}
