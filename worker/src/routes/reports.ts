// The marketer's reports (secret key): per channel, campaign, trigger and source, a timeseries, the
// funnel and the recommendations, from the daily counters in the workspace's aggregator shards.
import { Hono, type Context } from "hono";
import * as z from "zod/mini";
import { readSums } from "../aggregator/client.ts";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { ATTRIBUTION_MODELS } from "../attribution/models.ts";
import { kpiRange, type KpiDimension } from "../kpis/counters.ts";
import {
  buildFunnel,
  buildRecsReport,
  buildReport,
  buildTimeseries,
  isReportDate,
  MAX_REPORT_DAYS,
  REPORT_DIMENSIONS,
  type ReportName,
} from "../kpis/reports.ts";
import { doc } from "../openapi.ts";
import { queryParams } from "../validation.ts";

const date = z.string().check(z.refine(isReportDate, "a date as YYYY-MM-DD"));
const range = {
  from: date,
  to: date,
};
type DateRange = { from: string; to: string };
const rangeChecks = [
  z.refine<DateRange>((q) => !isReportDate(q.from) || !isReportDate(q.to) || q.from <= q.to, { message: "from must not be after to", path: ["to"] }),
  z.refine<DateRange>(
    (q) => !isReportDate(q.from) || !isReportDate(q.to) || Date.parse(q.to) - Date.parse(q.from) < MAX_REPORT_DAYS * 86_400_000,
    { message: `a report spans at most ${MAX_REPORT_DAYS} days`, path: ["to"] },
  ),
];
const model = z._default(z.enum(ATTRIBUTION_MODELS), "last_touch");

const rangeQuery = z.object(range).check(...rangeChecks);
const reportQuery = z.object({ ...range, model }).check(...rangeChecks);
const timeseriesQuery = z
  .object({
    ...range,
    model,
    metric: z.enum(["revenue", "orders", "touches"]),
    by: z._default(z.enum(["channel", "campaign", "trigger", "source"]), "channel"),
  })
  .check(...rangeChecks);

/** The sums of one dimension over the range, from every shard of the workspace. */
function sumsOf(env: WorkspaceEnv["Bindings"], workspaceId: string, dim: KpiDimension, from: string, to: string) {
  return readSums(env, workspaceId, [kpiRange(dim, from, to)]);
}

/** The channels, campaigns, triggers and sources reports: one shape, one dimension each. */
const dimensionReport = (name: ReportName, summary: string) =>
  [
    doc("Reports", "secret key", summary),
    queryParams(reportQuery),
    async (c: Context<WorkspaceEnv, string, { out: { query: z.infer<typeof reportQuery> } }>) => {
      const q = c.req.valid("query");
      const sums = await sumsOf(c.env, c.var.workspace.id, REPORT_DIMENSIONS[name], q.from, q.to);
      return c.json(buildReport(sums, name, q.model, q.from, q.to));
    },
  ] as const;

export const reportRoutes = new Hono<WorkspaceEnv>()
  .use(secretKeyAuth)
  .get("/channels", ...dimensionReport("channels", "Per channel: touches, customers, new leads, orders and revenue (per model), messages"))
  .get("/campaigns", ...dimensionReport("campaigns", "Per UTM campaign (a trigger's messages carry its id): the channels report's columns"))
  .get("/triggers", ...dimensionReport("triggers", "Per trigger: messages sent, opened, clicked, and the orders its clicks brought"))
  .get("/sources", ...dimensionReport("sources", "Per source (utm_source, referrer, direct): the channels report's columns"))
  .get("/timeseries", doc("Reports", "secret key", "One metric per day and channel (or campaign, trigger, source)"), queryParams(timeseriesQuery), async (c) => {
    const q = c.req.valid("query");
    const sums = await sumsOf(c.env, c.var.workspace.id, q.by, q.from, q.to);
    return c.json(buildTimeseries(sums, q.metric, q.by, q.model, q.from, q.to));
  })
  .get("/funnel", doc("Reports", "secret key", "Customers who viewed, carted and ordered, per day summed over the range"), queryParams(rangeQuery), async (c) => {
    const q = c.req.valid("query");
    return c.json(buildFunnel(await sumsOf(c.env, c.var.workspace.id, "funnel", q.from, q.to), q.from, q.to));
  })
  .get("/recs", doc("Reports", "secret key", "Per recommendation list: impressions, clicks, and orders of clicked products"), queryParams(rangeQuery), async (c) => {
    const q = c.req.valid("query");
    return c.json(buildRecsReport(await sumsOf(c.env, c.var.workspace.id, "recs", q.from, q.to), q.from, q.to));
  });
