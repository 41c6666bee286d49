// The report pages' data layer: issue 12's reports (`/v1/reports/*`, worker/src/routes/reports.ts
// and kpis/reports.ts), segments (routes/segments.ts) and customer search (routes/customers.ts), in
// the shapes those answer.
import type { AttributionModel, FunnelReport as Funnel, RecsReport, Report, ReportRow, Timeseries } from "../../../worker/src/contracts.ts";
import { api, query } from "./client.ts";
import type { DateRange } from "../lib/date-range.ts";

export type { AttributionModel, Funnel, RecsReport, Report, ReportRow, Timeseries };

/** The attribution switch's models, in its order. */
export const ATTRIBUTION_MODELS = ["first_touch", "last_touch", "linear", "position_based"] as const satisfies readonly AttributionModel[];

export type ReportDimension = "channels" | "campaigns" | "triggers" | "sources";

export function fetchReport(dimension: ReportDimension, range: DateRange, model: AttributionModel, signal?: AbortSignal): Promise<Report> {
  return api<Report>(`/v1/reports/${dimension}${query({ from: range.from, to: range.to, model })}`, signal ? { signal } : {});
}

export function fetchTimeseries(metric: Timeseries["metric"], range: DateRange, model: AttributionModel, signal?: AbortSignal): Promise<Timeseries> {
  return api<Timeseries>(`/v1/reports/timeseries${query({ metric, by: "channel", model, from: range.from, to: range.to })}`, signal ? { signal } : {});
}

export function fetchFunnel(range: DateRange, signal?: AbortSignal): Promise<Funnel> {
  return api<Funnel>(`/v1/reports/funnel${query({ from: range.from, to: range.to })}`, signal ? { signal } : {});
}

export function fetchRecsReport(range: DateRange, signal?: AbortSignal): Promise<RecsReport> {
  return api<RecsReport>(`/v1/reports/recs${query({ from: range.from, to: range.to })}`, signal ? { signal } : {});
}

/** A segment as `GET /v1/segments` lists it. */
export interface Segment {
  id: string;
  name: string;
  kind: "builtin" | "custom";
  version: number;
  description?: string;
  params?: Record<string, number>;
  rule?: unknown;
  size: number;
}

export interface BackfillProgress {
  status: "running" | "done";
  version: number;
  processed: number;
  total: number;
  finished_at: string | null;
}

/** `GET /v1/segments/:id`: with the back-fill of its last change and entries and exits per day (the last 30 days). */
export interface SegmentDetail extends Segment {
  backfill: BackfillProgress | null;
  changes: { date: string; entered: number; exited: number }[];
}

export function fetchSegments(signal?: AbortSignal): Promise<{ segments: Segment[] }> {
  return api(`/v1/segments`, signal ? { signal } : {});
}

export function fetchSegment(id: string, signal?: AbortSignal): Promise<{ segment: SegmentDetail }> {
  return api(`/v1/segments/${encodeURIComponent(id)}`, signal ? { signal } : {});
}

export function fetchSegmentMembers(id: string, cursor: string | null, limit: number, signal?: AbortSignal): Promise<{ members: { customer_id: string; since: string }[]; next_cursor: string | null }> {
  return api(`/v1/segments/${encodeURIComponent(id)}/members${query({ limit, cursor })}`, signal ? { signal } : {});
}

export function saveSegment(id: string, body: { name?: string; params?: Record<string, unknown>; rule?: unknown }): Promise<{ segment: SegmentDetail }> {
  return api(`/v1/segments/${encodeURIComponent(id)}`, { method: "PUT", body });
}

/** `POST /v1/segments/preview`: a rule's size now, counted or (`estimated`) scaled from a sample of customers. */
export interface SegmentPreview {
  estimated: boolean;
  members: number;
  share: number;
  sample: { size: number; members: number };
  customers: number;
}

export function previewSegment(rule: unknown, signal?: AbortSignal): Promise<SegmentPreview> {
  return api(`/v1/segments/preview`, { method: "POST", body: { rule }, ...(signal ? { signal } : {}) });
}

/** A customer in a search or a list: `matched` (a search) says by what; `since` (a segment) when they entered. */
export interface CustomerMatch {
  customer_id: string;
  profile_key: string;
  matched?: ("user_id" | "anonymous_id" | "email" | "phone")[];
  since?: string;
  first_seen?: string;
}

/** `GET /v1/customers`: `q` finds by userId, anonymousId, email or phone (one page); `segment` lists a segment's; neither lists every customer, by id. */
export function searchCustomers(params: { q?: string; segment?: string; cursor?: string; limit?: string }, signal?: AbortSignal): Promise<{ customers: CustomerMatch[]; next_cursor: string | null }> {
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
