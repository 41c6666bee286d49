// The daily KPI counters: their dimensions, metrics and keys, the facts that carry increments on the
// events queue, and the local date they count on. Pure: the customer's object and the message paths
// make increments, the aggregator objects sum them (aggregator/), the reports read them (kpis/reports.ts).
import { ATTRIBUTION_MODELS, type AttributionModel } from "../attribution/models.ts";
import type { FunnelReport } from "../contracts.ts";

/**
 * What counters are kept per: the touch's channel, its UTM campaign, the trigger of a message,
 * its source, a recommendation list type, and the funnel's steps.
 */
export const KPI_DIMENSIONS = ["channel", "campaign", "trigger", "source", "recs", "funnel"] as const;
export type KpiDimension = (typeof KPI_DIMENSIONS)[number];

/** Metric names, one place: reports read exactly these. */
export const METRICS = {
  touches: "touches",
  /** Customers with a touch that day (each customer's object counts its own first touch per day and key). */
  customers: "customers",
  newLeads: "new_leads",
  orders: (model: AttributionModel) => `orders:${model}`,
  revenue: (model: AttributionModel) => `revenue:${model}`,
  messagesSent: "messages_sent",
  messagesDelivered: "messages_delivered",
  opened: "opened",
  clicked: "clicked",
  unsubscribed: "unsubscribed",
  /** Under `trigger`: runs started, and runs ended early by a reason (`exited:order_completed` …). */
  entered: "entered",
  exitedPrefix: "exited:",
  /** Under `recs`: list views, clicks, and orders (and their revenue) of products clicked in a list. */
  recImpressions: "impressions",
  recClicks: "clicks",
  recOrders: "orders",
  recRevenue: "revenue",
} as const;

export const FUNNEL_STEPS = ["views", "carts", "orders"] as const satisfies readonly FunnelReport["steps"][number]["step"][];
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** One increment: on `day` (the workspace's local date), for `dim` = `value`, `metric` += `delta`. */
export type KpiIncrement = [day: string, dim: KpiDimension, value: string, metric: string, delta: number];

/** The increments of one batch of one customer (or one message event): applied once, by `id`. */
export interface KpiFact {
  id: string;
  increments: KpiIncrement[];
}

/** An events-queue message of KPI facts (queues/events.ts dispatches it by `kind`). */
export interface KpiQueueMessage {
  v: 1;
  kind: "kpis";
  workspaceId: string;
  facts: KpiFact[];
}

/** Facts per queue message: far below the 128 KB message limit (a fact holds a few dozen increments). */
export const KPI_FACTS_PER_MESSAGE = 50;

export function kpiMessages(workspaceId: string, facts: readonly KpiFact[]): KpiQueueMessage[] {
  const messages: KpiQueueMessage[] = [];
  for (let i = 0; i < facts.length; i += KPI_FACTS_PER_MESSAGE)
    messages.push({ v: 1, kind: "kpis", workspaceId, facts: facts.slice(i, i + KPI_FACTS_PER_MESSAGE) });
  return messages;
}

/** Every counter's key starts with this: the aggregator store is shared with other sums (issue 15's pairs). */
export const KPI_KEY_PREFIX = "k|";

/**
 * A counter's key in the aggregator: `k|dim|day|value|metric`. Day before value, so a report of one
 * dimension over a date range is one key range; the value is URI-encoded, so no `|` inside it.
 */
export function kpiKey(dim: KpiDimension, day: string, value: string, metric: string): string {
  return `${KPI_KEY_PREFIX}${dim}|${day}|${encodeURIComponent(value)}|${metric}`;
}

export function parseKpiKey(key: string): { dim: KpiDimension; day: string; value: string; metric: string } | null {
  const parts = key.split("|");
  if (parts.length !== 5 || `${parts[0]}|` !== KPI_KEY_PREFIX) return null;
  try {
    return { dim: parts[1] as KpiDimension, day: parts[2]!, value: decodeURIComponent(parts[3]!), metric: parts[4]! };
  } catch {
    return null;
  }
}

/** The key range holding one dimension's counters from `from` to `to` (local dates, both included). */
export function kpiRange(dim: KpiDimension, from: string, to: string): { from: string; to: string } {
  // "}" sorts right after "|": every key of day `to` is below `…|to}`.
  return { from: `${KPI_KEY_PREFIX}${dim}|${from}|`, to: `${KPI_KEY_PREFIX}${dim}|${to}}` };
}

/**
 * Which shard of the workspace a counter lives in: all days and metrics of one dimension value
 * together, so a customer batch's increments reach few shards, and a value's counters are read
 * from one place.
 */
export function kpiShardKey(dim: KpiDimension, value: string): string {
  return `${KPI_KEY_PREFIX}${dim}|${value}`;
}

/** One formatter per time zone (bounded by the IANA list: only validated zones reach it). */
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of `at` in `timeZone`: counters count on the workspace's days. */
export function localDay(at: number, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormatters.set(timeZone, f);
  }
  // Assembled from parts: a locale's own date order is not a stable format.
  const parts = f.formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export function isAttributionModel(value: unknown): value is AttributionModel {
  return typeof value === "string" && (ATTRIBUTION_MODELS as readonly string[]).includes(value);
}
