// Overview: revenue and orders by channel per day under the chosen attribution model, the funnel
// (views → carts → orders), new leads by source, message performance and recommendation revenue,
// for a date range; every figure from the report API (/v1/reports/*).
import { useMemo } from "preact/hooks";
import { fetchFunnel, fetchRecsReport, fetchReport, fetchTimeseries, rowRates, type Timeseries } from "../api/reports.ts";
import { Chart } from "../components/Chart.tsx";
import { DateRangePicker } from "../components/DateRangePicker.tsx";
import { Bars, ModelSwitch, Stats, Toggle } from "../components/reports.tsx";
import { PageHeader } from "../components/Shell.tsx";
import { Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { seriesColor } from "../lib/colors.ts";
import { channelName, formatAmount as money, formatNumber, formatPercent, humanize } from "../lib/format.ts";
import { daySeconds, MODEL_NAMES, useReportQuery } from "../lib/report-query.ts";
import { useApi, type Resource } from "../lib/use-api.ts";

const METRIC_NAMES = { revenue: "Revenue", orders: "Orders" } as const;
type ChartMetric = keyof typeof METRIC_NAMES;
/** Sources listed under "New leads": the largest, the rest summed. */
const TOP_SOURCES = 6;

/** A report read's loading and error states around its content. */
export function Loaded<T>({ resource, rows = 4, children }: { resource: Resource<T> & { reload: () => void }; rows?: number; children: (data: T) => preact.ComponentChildren }) {
  if (resource.state === "loading") return <Loading rows={rows} />;
  if (resource.state === "error") return <ErrorState error={resource.error} retry={resource.reload} />;
  return <>{children(resource.data)}</>;
}


export function timeseriesChart(ts: Timeseries) {
  const x = (ts.series[0]?.points ?? []).map((p) => daySeconds(p.date));
  return { x, series: ts.series.map((s, i) => ({ label: channelName(s.key), color: seriesColor(s.key, i), values: s.points.map((p) => p.value) })) };
}

export function OverviewPage() {
  const { today, range, model, params, set } = useReportQuery();
  const metric: ChartMetric = params.metric === "orders" ? "orders" : "revenue";
  const key = `${range.from}|${range.to}|${model}`;
  const series = useApi(`${key}|${metric}`, (signal) => fetchTimeseries(metric, range, model, signal));
  const channels = useApi(`channels|${key}`, (signal) => fetchReport("channels", range, model, signal));
  const sources = useApi(`sources|${key}`, (signal) => fetchReport("sources", range, model, signal));
  const funnel = useApi(`funnel|${key}`, (signal) => fetchFunnel(range, signal));
  const recs = useApi(`recs|${key}`, (signal) => fetchRecsReport(range, signal));
  const chart = useMemo(() => (series.data ? timeseriesChart(series.data) : null), [series.data]);
  const totals = channels.data?.rows.reduce(
    (t, r) => ({ revenue: t.revenue + r.revenue, orders: t.orders + r.orders, leads: t.leads + r.new_leads, sent: t.sent + r.messages_sent }),
    { revenue: 0, orders: 0, leads: 0, sent: 0 },
  );
  const formatValue = metric === "revenue" ? money : formatNumber;

  return (
    <>
      <PageHeader title="Overview" subtitle="What every channel brought in, how shoppers moved from a view to an order, and what Seam's messages and recommendations did." actions={<DateRangePicker value={range} today={today} onChange={(r) => set(r)} />} />
      {totals && (
        <Stats
          stats={[
            { label: "Revenue", value: money(totals.revenue), note: `${MODEL_NAMES[model]} attribution` },
            { label: "Orders", value: formatNumber(Math.round(totals.orders)) },
            { label: "New leads", value: formatNumber(totals.leads) },
            { label: "Messages sent", value: formatNumber(totals.sent) },
            { label: "From recommendations", value: money(recs.data?.rows.reduce((s, r) => s + r.revenue, 0) ?? 0) },
          ]}
        />
      )}
      <Card
        title={`${METRIC_NAMES[metric]} by channel`}
        actions={
          <div class="card-actions wrap">
            <Toggle label="Metric" options={["revenue", "orders"] as const} value={metric} names={METRIC_NAMES} onChange={(m) => set({ metric: m })} />
            <ModelSwitch value={model} onChange={(m) => set({ model: m })} />
          </div>
        }
      >
        <Loaded resource={series} rows={6}>
          {(ts) =>
            ts.series.length === 0 ? (
              <Empty title="Nothing attributed in this range">Orders appear here once customers who came through a channel buy.</Empty>
            ) : (
              <Chart title={`${METRIC_NAMES[metric]} per day by channel, ${MODEL_NAMES[model]} attribution`} kind="stacked-bars" x={chart!.x} series={chart!.series} formatValue={formatValue} />
            )
          }
        </Loaded>
      </Card>
      <div class="grid-2">
        <Card title="Funnel">
          <Loaded resource={funnel}>
            {(f) => (
              <Bars
                label="Customers per step"
                items={f.steps.map((s, i) => ({
                  key: s.step,
                  label: humanize(s.step),
                  value: s.customers,
                  ...(i > 0 && f.steps[i - 1]!.customers > 0 ? { note: `${formatPercent(s.customers / f.steps[i - 1]!.customers)} of ${f.steps[i - 1]!.step}` } : {}),
                }))}
              />
            )}
          </Loaded>
          <p class="muted small">Customers per day at each step, summed over the range.</p>
        </Card>
        <Card title="New leads by source">
          <Loaded resource={sources}>
            {(r) => {
              const rows = r.rows.filter((row) => row.new_leads > 0).sort((a, b) => b.new_leads - a.new_leads);
              if (rows.length === 0) return <Empty title="No new leads in this range" />;
              const rest = rows.slice(TOP_SOURCES).reduce((s, row) => s + row.new_leads, 0);
              const items = rows.slice(0, TOP_SOURCES).map((row) => ({ key: row.source!, label: row.source!, value: row.new_leads }));
              return <Bars label="New leads by source" items={rest ? [...items, { key: "(other)", label: "Other sources", value: rest }] : items} />;
            }}
          </Loaded>
        </Card>
        <Card title="Message performance">
          <Loaded resource={channels}>
            {(r) => {
              const rows = r.rows.filter((row) => row.messages_sent > 0);
              if (rows.length === 0) return <Empty title="No messages sent in this range" />;
              return (
                <div class="table-scroll" tabIndex={0} role="region" aria-label="Message performance by channel">
                  <table class="table">
                    <thead>
                      <tr>
                        <th scope="col">Channel</th>
                        <th scope="col" class="num">Sent</th>
                        <th scope="col" class="num">Open rate</th>
                        <th scope="col" class="num">Click rate</th>
                        <th scope="col" class="num">Revenue</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((row) => {
                        const rates = rowRates(row);
                        return (
                          <tr key={row.channel}>
                            <th scope="row">{channelName(row.channel!)}</th>
                            <td class="num">{formatNumber(row.messages_sent)}</td>
                            <td class="num">{rates.openRate === null ? "—" : formatPercent(rates.openRate)}</td>
                            <td class="num">{rates.clickRate === null ? "—" : formatPercent(rates.clickRate)}</td>
                            <td class="num">{money(row.revenue)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              );
            }}
          </Loaded>
        </Card>
        <Card title="Recommendation revenue">
          <Loaded resource={recs}>
            {(r) =>
              r.rows.length === 0 ? (
                <Empty title="No recommendation clicks in this range" />
              ) : (
                <Bars label="Revenue by list" format={money} items={r.rows.map((row) => ({ key: row.type, label: humanize(row.type), value: row.revenue, note: `${formatNumber(row.orders)} orders` }))} />
              )
            }
          </Loaded>
        </Card>
      </div>
    </>
  );
}
