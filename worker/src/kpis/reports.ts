// The report answers, built from the counters' sums (key → value) for a date range. Pure: the
// route reads the sums from the aggregator shards (aggregator/client.ts) and hands them here.
import type { AttributionModel } from "../attribution/models.ts";
import type { FunnelReport, RecsReport, Report, ReportKey, ReportRow, Timeseries } from "../contracts.ts";
import { FUNNEL_STEPS, METRICS, parseKpiKey, type FunnelStep, type KpiDimension } from "./counters.ts";

/** A report spans at most this many days (a year and a day: this year against last). */
export const MAX_REPORT_DAYS = 366;
/** Timeseries: the keys with the largest totals, at most this many series. */
export const MAX_SERIES = 20;

export const REPORT_DIMENSIONS = {
  channels: "channel",
  campaigns: "campaign",
  triggers: "trigger",
  sources: "source",
} as const satisfies Record<string, KpiDimension & ReportKey>;
export type ReportName = keyof typeof REPORT_DIMENSIONS;

const money = (value: number) => Math.round(value * 100) / 100;
/** Orders are fractions under linear and position_based: three decimals say enough. */
const share = (value: number) => Math.round(value * 1000) / 1000;

/** Every date from `from` to `to` (YYYY-MM-DD, both included). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

/** A real calendar date written as YYYY-MM-DD. */
export function isReportDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** The sums of one dimension, per value and metric, over the whole range. */
function totalsByValue(sums: ReadonlyMap<string, number>, dim: KpiDimension): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [key, value] of sums) {
    const parsed = parseKpiKey(key);
    if (!parsed || parsed.dim !== dim) continue;
    const metrics = out.get(parsed.value) ?? new Map<string, number>();
    metrics.set(parsed.metric, (metrics.get(parsed.metric) ?? 0) + value);
    out.set(parsed.value, metrics);
  }
  return out;
}

/** A trigger's runs ended early, per reason, from its `exited:<reason>` counters. */
function exitsOf(metrics: ReadonlyMap<string, number>): Record<string, number> {
  const exits: Record<string, number> = {};
  for (const [metric, n] of metrics) if (metric.startsWith(METRICS.exitedPrefix)) exits[metric.slice(METRICS.exitedPrefix.length)] = n;
  return exits;
}

/** The channels (campaigns, triggers, sources) report: one row per value, largest revenue first. */
export function buildReport(sums: ReadonlyMap<string, number>, name: ReportName, model: AttributionModel, from: string, to: string): Report {
  const dim = REPORT_DIMENSIONS[name];
  const rows = [...totalsByValue(sums, dim)].map(([value, m]): ReportRow => {
    const get = (metric: string) => m.get(metric) ?? 0;
    return {
      [dim]: value,
      touches: get(METRICS.touches),
      customers: get(METRICS.customers),
      new_leads: get(METRICS.newLeads),
      orders: share(get(METRICS.orders(model))),
      revenue: money(get(METRICS.revenue(model))),
      messages_sent: get(METRICS.messagesSent),
      messages_delivered: get(METRICS.messagesDelivered),
      opened: get(METRICS.opened),
      clicked: get(METRICS.clicked),
      unsubscribed: get(METRICS.unsubscribed),
      ...(dim === "trigger" ? { entered: get(METRICS.entered), exits: exitsOf(m) } : {}),
    };
  });
  rows.sort((a, b) => b.revenue - a.revenue || b.touches - a.touches || String(a[dim]).localeCompare(String(b[dim])));
  return { model, from, to, rows };
}

/** One series per value of `by`, a point for every day of the range (0 where nothing happened); the MAX_SERIES largest. */
export function buildTimeseries(sums: ReadonlyMap<string, number>, metric: Timeseries["metric"], by: ReportKey, model: AttributionModel, from: string, to: string): Timeseries {
  const wanted = metric === "touches" ? METRICS.touches : metric === "orders" ? METRICS.orders(model) : METRICS.revenue(model);
  const round = metric === "revenue" ? money : metric === "orders" ? share : (v: number) => v;
  const perKey = new Map<string, Map<string, number>>();
  for (const [key, value] of sums) {
    const parsed = parseKpiKey(key);
    if (!parsed || parsed.dim !== by || parsed.metric !== wanted) continue;
    const days = perKey.get(parsed.value) ?? new Map<string, number>();
    days.set(parsed.day, (days.get(parsed.day) ?? 0) + value);
    perKey.set(parsed.value, days);
  }
  const dates = datesBetween(from, to);
  const series = [...perKey].map(([key, days]) => ({
    key,
    total: round([...days.values()].reduce((a, b) => a + b, 0)),
    points: dates.map((date) => ({ date, value: round(days.get(date) ?? 0) })),
  }));
  series.sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  return { metric, by, model, from, to, series: series.slice(0, MAX_SERIES) };
}

export function buildFunnel(sums: ReadonlyMap<string, number>, from: string, to: string): FunnelReport {
  const steps = totalsByValue(sums, "funnel");
  return { from, to, steps: FUNNEL_STEPS.map((step) => ({ step, customers: steps.get(step)?.get(METRICS.customers) ?? 0 })) };
}

export function buildRecsReport(sums: ReadonlyMap<string, number>, from: string, to: string): RecsReport {
  const rows = [...totalsByValue(sums, "recs")].map(([type, m]) => ({
    type,
    impressions: m.get(METRICS.recImpressions) ?? 0,
    clicks: m.get(METRICS.recClicks) ?? 0,
    orders: m.get(METRICS.recOrders) ?? 0,
    revenue: money(m.get(METRICS.recRevenue) ?? 0),
  }));
  rows.sort((a, b) => b.revenue - a.revenue || b.clicks - a.clicks || a.type.localeCompare(b.type));
  return { from, to, rows };
}
