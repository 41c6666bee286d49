// Channels and campaigns: one sortable table per channel and one per campaign (touches, customers,
// leads, orders and revenue under the chosen attribution model, sent, open and click rates).
import { fetchReport, rowRates, type ReportRow } from "../api/reports.ts";
import { DateRangePicker } from "../components/DateRangePicker.tsx";
import { ModelSwitch, rateColumn, SortableTable, type Column } from "../components/reports.tsx";
import { PageHeader } from "../components/Shell.tsx";
import { Card, Empty } from "../components/states.tsx";
import { channelName, formatAmount, formatNumber } from "../lib/format.ts";
import { MODEL_NAMES, useReportQuery } from "../lib/report-query.ts";
import { useApi } from "../lib/use-api.ts";
import { Loaded } from "./Overview.tsx";

const count = (key: keyof ReportRow, label: string): Column<ReportRow> => ({ key, label, numeric: true, value: (r) => r[key] as number });

/** The columns after the name, the same for channels and campaigns. */
export const REPORT_COLUMNS: Column<ReportRow>[] = [
  count("touches", "Touches"),
  count("customers", "Customers"),
  count("new_leads", "Leads"),
  { key: "orders", label: "Orders", numeric: true, value: (r) => r.orders, render: (r) => formatNumber(Math.round(r.orders * 10) / 10) },
  { key: "revenue", label: "Revenue", numeric: true, value: (r) => r.revenue, render: (r) => formatAmount(r.revenue) },
  count("messages_sent", "Sent"),
  rateColumn("open", "Open rate", (r) => rowRates(r).openRate),
  rateColumn("click", "Click rate", (r) => rowRates(r).clickRate),
];

function ReportTable({ dimension, title, name }: { dimension: "channels" | "campaigns"; title: string; name: (row: ReportRow) => string }) {
  const { range, model } = useReportQuery();
  const report = useApi(`${dimension}|${range.from}|${range.to}|${model}`, (signal) => fetchReport(dimension, range, model, signal));
  return (
    <Card title={title}>
      <Loaded resource={report} rows={5}>
        {(r) =>
          r.rows.length === 0 ? (
            <Empty title={`No ${dimension} in this range`}>Touches are counted from UTM tags, referrers, message and recommendation clicks.</Empty>
          ) : (
            <SortableTable caption={`${title}, ${MODEL_NAMES[model]} attribution`} rows={r.rows} rowKey={name} initialSort="revenue" columns={[{ key: "name", label: dimension === "channels" ? "Channel" : "Campaign", value: name }, ...REPORT_COLUMNS]} />
          )
        }
      </Loaded>
    </Card>
  );
}

export function ChannelsPage() {
  const { today, range, model, set } = useReportQuery();
  return (
    <>
      <PageHeader
        title="Channels & campaigns"
        subtitle="Every channel and campaign side by side. Orders and revenue follow the attribution model; click a column to sort."
        actions={
          <>
            <ModelSwitch value={model} onChange={(m) => set({ model: m })} />
            <DateRangePicker value={range} today={today} onChange={(r) => set(r)} />
          </>
        }
      />
      <ReportTable dimension="channels" title="Channels" name={(r) => channelName(r.channel ?? "")} />
      <ReportTable dimension="campaigns" title="Campaigns" name={(r) => r.campaign ?? ""} />
    </>
  );
}
