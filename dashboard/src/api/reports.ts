// The report pages' data layer, written against issue 12's API as specified there (items 2, 4, 8,
// 9), so Overview, Channels and campaigns, Segments and the report halves of Customers, Triggers
// and Recommendations only need their pages drawn when those endpoints land. No page calls these
// yet: the endpoints do not exist, and nothing in the navigation points at a page that would 404.
// Shapes the issue leaves open (timeseries points, funnel steps, recs rows) are marked "assumed".
import { api, query } from "./client.ts";
import type { DateRange } from "../lib/date-range.ts";

export const ATTRIBUTION_MODELS = ["first_touch", "last_touch", "linear", "position_based"] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** `GET /v1/reports/channels|campaigns|triggers`: one row per channel, campaign or trigger (issue 12, item 9). */
export interface ReportRow {
  channel?: string;
  campaign?: string;
  trigger?: string;
  touches: number;
  customers: number;
  new_leads: number;
  orders: number;
  revenue: number;
  messages_sent: number;
  opened: number;
  clicked: number;
}

export interface Report {
  model: AttributionModel;
  from: string;
  to: string;
  rows: ReportRow[];
}

export type ReportDimension = "channels" | "campaigns" | "triggers";

export function fetchReport(dimension: ReportDimension, range: DateRange, model: AttributionModel, signal?: AbortSignal): Promise<Report> {
  return api<Report>(`/v1/reports/${dimension}${query({ from: range.from, to: range.to, model })}`, signal ? { signal } : {});
}

/** `GET /v1/reports/timeseries?metric=&by=channel&model=` (assumed: one point per day per key). */
export interface Timeseries {
  metric: "revenue" | "orders" | "touches";
  model: AttributionModel;
  from: string;
  to: string;
  series: { key: string; points: { date: string; value: number }[] }[];
}

export function fetchTimeseries(metric: Timeseries["metric"], range: DateRange, model: AttributionModel, signal?: AbortSignal): Promise<Timeseries> {
  return api<Timeseries>(`/v1/reports/timeseries${query({ metric, by: "channel", model, from: range.from, to: range.to })}`, signal ? { signal } : {});
}

/** `GET /v1/reports/funnel` (assumed: views → carts → orders as ordered steps). */
export interface Funnel {
  from: string;
  to: string;
  steps: { step: "views" | "carts" | "orders"; customers: number }[];
}

export function fetchFunnel(range: DateRange, signal?: AbortSignal): Promise<Funnel> {
  return api<Funnel>(`/v1/reports/funnel${query({ from: range.from, to: range.to })}`, signal ? { signal } : {});
}

/** `GET /v1/reports/recs` (assumed: one row per list type). */
export interface RecsReport {
  from: string;
  to: string;
  rows: { type: string; impressions: number; clicks: number; orders: number; revenue: number }[];
}

export function fetchRecsReport(range: DateRange, signal?: AbortSignal): Promise<RecsReport> {
  return api<RecsReport>(`/v1/reports/recs${query({ from: range.from, to: range.to })}`, signal ? { signal } : {});
}

/** `GET /v1/segments` (issue 12, item 2). */
export interface Segment {
  id: string;
  name: string;
  kind: "builtin" | "custom";
  params?: Record<string, unknown>;
  rule?: unknown;
  size: number;
}

export function fetchSegments(signal?: AbortSignal): Promise<{ segments: Segment[] }> {
  return api(`/v1/segments`, signal ? { signal } : {});
}

export function fetchSegmentMembers(id: string, cursor: string | null, limit: number, signal?: AbortSignal): Promise<{ members: { customer_id: string; since: string }[]; next_cursor: string | null }> {
  return api(`/v1/segments/${encodeURIComponent(id)}/members${query({ limit, cursor })}`, signal ? { signal } : {});
}

export function saveSegment(id: string, body: { name?: string; params?: Record<string, unknown>; rule?: unknown }): Promise<{ segment: Segment }> {
  return api(`/v1/segments/${encodeURIComponent(id)}`, { method: "PUT", body });
}

/** `GET /v1/customers?q=` (issue 12, item 4): by userId, email or phone; `?segment=` lists a segment (assumed answer shape). */
export function searchCustomers(params: { q?: string; segment?: string; cursor?: string }, signal?: AbortSignal): Promise<{ customers: { customer_id: string; traits?: Record<string, unknown> }[]; next_cursor: string | null }> {
  return api(`/v1/customers${query(params)}`, signal ? { signal } : {});
}

/** Rates a report row's columns imply; null where the denominator is 0. */
export function rowRates(row: ReportRow): { openRate: number | null; clickRate: number | null; conversion: number | null } {
  return {
    openRate: row.messages_sent ? row.opened / row.messages_sent : null,
    clickRate: row.messages_sent ? row.clicked / row.messages_sent : null,
    conversion: row.customers ? row.orders / row.customers : null,
  };
}
