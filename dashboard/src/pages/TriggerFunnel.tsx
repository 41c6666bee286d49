// A trigger's funnel over the last 30 days (entered → sent → opened → clicked → converted) and its
// runs that ended early by reason, from the triggers report (GET /v1/reports/triggers).
import { fetchReport } from "../api/reports.ts";
import { Bars } from "../components/reports.tsx";
import { Card, Empty } from "../components/states.tsx";
import { lastDays } from "../lib/date-range.ts";
import { formatNumber, formatPercent, humanize } from "../lib/format.ts";
import { useApi } from "../lib/use-api.ts";
import { Loaded } from "./Overview.tsx";

const FUNNEL_DAYS = 30;

export function TriggerFunnel({ id }: { id: string }) {
  const range = lastDays(FUNNEL_DAYS, new Date());
  const report = useApi(`trigger-report:${range.from}:${range.to}`, (signal) => fetchReport("triggers", range, "last_touch", signal));
  return (
    <Loaded resource={report} rows={3}>
      {(r) => {
        const row = r.rows.find((x) => x.trigger === id);
        const steps: [string, number][] = row
          ? [
              ["Entered", row.entered ?? 0],
              ["Sent", row.messages_sent],
              ["Opened", row.opened],
              ["Clicked", row.clicked],
              ["Converted", Math.round(row.orders * 10) / 10],
            ]
          : [];
        const exits = Object.entries(row?.exits ?? {}).sort((a, b) => b[1] - a[1]);
        const first = steps[0]?.[1] ?? 0;
        return (
          <div class="grid-2">
            <Card title={`Funnel · last ${FUNNEL_DAYS} days`}>
              {!row ? (
                <Empty title="Nothing yet in the last 30 days">Customers appear here once they start this trigger.</Empty>
              ) : (
                <Bars label="Funnel" items={steps.map(([label, value], i) => ({ key: label, label, value, ...(i > 0 && first ? { note: formatPercent(value / first) } : {}) }))} />
              )}
              <p class="muted small">Converted: orders credited to this trigger's messages (last touch).</p>
            </Card>
            <Card title="Exits by reason">
              {exits.length === 0 ? (
                <Empty title="No run ended early" />
              ) : (
                <Bars label="Exits by reason" format={formatNumber} items={exits.map(([reason, n]) => ({ key: reason, label: humanize(reason), value: n }))} />
              )}
            </Card>
          </div>
        );
      }}
    </Loaded>
  );
}
