// Messages: the outbox (GET /v1/outbox) in a date range, filtered by channel, trigger and customer;
// messages per day by channel; each message's delivery (sent, delivered, failed, opened, clicked)
// from its customer's message log, where delivery receipts land.
import { useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { api, query } from "../api/client.ts";
import { MESSAGE_CHANNELS, type MessagingState, type OutboxEntry, type TriggerDefinition } from "../api/types.ts";
import { Chart } from "../components/Chart.tsx";
import { DateRangePicker } from "../components/DateRangePicker.tsx";
import { PageHeader } from "../components/Shell.tsx";
import { Badge, Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { daysOf, rangeBounds, rangeFromQuery, type DateRange } from "../lib/date-range.ts";
import { channelName, formatDateTime, formatMoney, formatNumber, humanize } from "../lib/format.ts";
import { useApi } from "../lib/use-api.ts";
import { CHANNEL_COLORS } from "../lib/colors.ts";
import { customerIdOf } from "./Customers.tsx";

/** The outbox's largest page, and how many pages one range may read (the chart says when it stopped). */
const OUTBOX_PAGE = 200;
const MAX_PAGES = 10;
const TABLE_PAGE = 50;

interface Filters {
  channel?: string | undefined;
  trigger?: string | undefined;
  customer?: string | undefined;
}

/** Every outbox message in the range (newest first), paging back with `before` until the range's start. */
async function loadRange(range: DateRange, filters: Filters, signal: AbortSignal): Promise<{ messages: OutboxEntry[]; complete: boolean }> {
  const { start, end } = rangeBounds(range);
  const messages: OutboxEntry[] = [];
  let before = new Date(end).toISOString();
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await api<{ messages: OutboxEntry[] }>(`/v1/outbox${query({ ...filters, limit: OUTBOX_PAGE, before })}`, { signal });
    for (const m of batch.messages) if (Date.parse(m.created_at) >= start) messages.push(m);
    const oldest = batch.messages.at(-1);
    if (batch.messages.length < OUTBOX_PAGE || !oldest || Date.parse(oldest.created_at) < start) return { messages, complete: true };
    before = oldest.created_at;
  }
  return { messages, complete: false };
}

/** Counts per local day and channel, for the chart. */
export function messagesPerDay(messages: OutboxEntry[], range: DateRange) {
  const days = daysOf(range);
  const index = new Map(days.map((d, i) => [d, i]));
  const channels = MESSAGE_CHANNELS.filter((c) => messages.some((m) => m.channel === c));
  const counts = new Map(channels.map((c) => [c as string, days.map(() => 0)]));
  for (const m of messages) {
    const at = new Date(m.created_at);
    const i = index.get(new Date(at.getFullYear(), at.getMonth(), at.getDate()).getTime());
    const row = counts.get(m.channel);
    if (i !== undefined && row) row[i]! += 1;
  }
  return { x: days.map((d) => d / 1000), series: channels.map((c) => ({ label: channelName(c), color: CHANNEL_COLORS[c] ?? "#667085", values: counts.get(c)! })) };
}

function Delivery({ entry }: { entry: OutboxEntry }) {
  const id = customerIdOf(entry.profile_key);
  const state = useApi(id ? `delivery:${id}` : null, (signal) => api<MessagingState>(`/v1/customers/${encodeURIComponent(id!)}/messages`, { signal }));
  const payload = entry.message.payload;
  if (!id) return <p class="muted small">This customer is known only by email or phone; their message log is on their profile.</p>;
  if (state.state === "loading") return <Loading rows={2} />;
  if (state.state === "error") return <ErrorState error={state.error} retry={state.reload} />;
  const logged = state.data.messages.find((m) => m.message_id === entry.message_id);
  const stages = logged ? (["queued", "sent", "delivered", "failed", "opened", "clicked"] as const).flatMap((s) => (logged[`${s}_at` as "sent_at"] ? [[s, logged[`${s}_at` as "sent_at"]!] as const] : [])) : [];
  return (
    <div class="delivery">
      <dl class="facts">
        <div>
          <dt>To</dt>
          <dd>{payload?.customer?.email ?? payload?.customer?.phone ?? id}</dd>
        </div>
        <div>
          <dt>Message id</dt>
          <dd class="mono">{entry.message_id}</dd>
        </div>
        {payload?.order && (
          <div>
            <dt>Order</dt>
            <dd>
              {payload.order.order_id} · {formatMoney(payload.order.total, payload.order.currency)}
            </dd>
          </div>
        )}
        {(payload?.products?.length ?? 0) > 0 && (
          <div>
            <dt>Products</dt>
            <dd>{payload!.products!.map((p) => p.name ?? p.product_id).join(", ")}</dd>
          </div>
        )}
      </dl>
      <ol class="stages" aria-label="Delivery">
        {logged?.queued_at && (
          <li>
            <Badge status="queued" /> {formatDateTime(logged.queued_at)}
          </li>
        )}
        {stages.filter(([s]) => s !== "queued").map(([s, at]) => (
          <li key={s}>
            <Badge status={s} /> {formatDateTime(at)}
          </li>
        ))}
        {logged?.error && <li class="field-error">{logged.error}</li>}
        {!logged && <li class="muted small">Not in the customer's message log any more.</li>}
      </ol>
    </div>
  );
}

export function MessagesPage() {
  const { query: params, route, path } = useLocation();
  const today = useMemo(() => new Date(), []);
  const range = rangeFromQuery(params, today);
  const filters: Filters = { channel: params.channel, trigger: params.trigger, customer: params.customer };
  const setParams = (next: Record<string, string | undefined>) => route(`${path}${query({ ...params, ...next })}`, true);
  const key = JSON.stringify([range, filters]);
  const data = useApi(key, (signal) => loadRange(range, filters, signal));
  const triggers = useApi("trigger-ids", (signal) => api<{ triggers: TriggerDefinition[] }>("/v1/admin/triggers", { signal }));
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState(TABLE_PAGE);
  const chart = useMemo(() => (data.data ? messagesPerDay(data.data.messages, range) : null), [data.data, range.from, range.to]);

  return (
    <>
      <PageHeader title="Messages" subtitle="What Seam sent, on which channel, for which trigger, and what became of it." actions={<DateRangePicker value={range} today={today} onChange={(r) => setParams(r as unknown as Record<string, string>)} />} />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label class="field">
          <span class="field-label">Channel</span>
          <select value={filters.channel ?? ""} onChange={(e) => setParams({ channel: e.currentTarget.value || undefined })}>
            <option value="">All channels</option>
            {MESSAGE_CHANNELS.map((c) => (
              <option key={c} value={c}>
                {channelName(c)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Trigger</span>
          <select value={filters.trigger ?? ""} onChange={(e) => setParams({ trigger: e.currentTarget.value || undefined })}>
            <option value="">All triggers</option>
            {(triggers.data?.triggers ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.id}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Customer</span>
          <input type="search" placeholder="userId or anonymousId" defaultValue={filters.customer ?? ""} spellcheck={false} onChange={(e) => setParams({ customer: e.currentTarget.value.trim() || undefined })} />
        </label>
      </form>
      {data.state === "loading" && <Card title="Messages per day"><Loading rows={5} /></Card>}
      {data.state === "error" && <Card title="Messages per day"><ErrorState error={data.error} retry={data.reload} /></Card>}
      {data.state === "ready" && (
        <>
          <Card title="Messages per day" actions={<span class="muted small">{formatNumber(data.data.messages.length)} messages</span>}>
            {data.data.messages.length === 0 ? (
              <Empty title="No messages in this range">Widen the range or clear a filter. Messages to channels with a webhook go to the provider, not the outbox.</Empty>
            ) : (
              <Chart title="Messages per day by channel" kind="stacked-bars" x={chart!.x} series={chart!.series} />
            )}
            {!data.data.complete && <p class="muted small">Showing the newest {formatNumber(OUTBOX_PAGE * MAX_PAGES)} messages of this range; narrow it to see every day in full.</p>}
          </Card>
          {data.data.messages.length > 0 && (
            <Card title="Outbox">
              <div class="table-scroll">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Sent</th>
                      <th scope="col">Customer</th>
                      <th scope="col">Channel</th>
                      <th scope="col">Trigger</th>
                      <th scope="col">Template</th>
                      <th scope="col">
                        <span class="visually-hidden">Details</span>
                      </th>
                    </tr>
                  </thead>
                  {data.data.messages.slice(0, shown).map((m) => {
                    const id = customerIdOf(m.profile_key);
                    const expanded = open === m.message_id;
                    return (
                      <tbody key={m.message_id}>
                        <tr>
                          <td>{formatDateTime(m.created_at)}</td>
                          <td>{id ? <a href={`/dashboard/customers/${encodeURIComponent(id)}`}>{m.message.payload?.customer?.email ?? id}</a> : <span class="muted">email/phone only</span>}</td>
                          <td>
                            <span class={`channel-tag channel-${m.channel}`}>{channelName(m.channel)}</span>
                          </td>
                          <td>{m.trigger_id}</td>
                          <td>
                            {humanize(m.template)} · step {m.step + 1}
                          </td>
                          <td>
                            <button type="button" class="button button-quiet button-small" aria-expanded={expanded} onClick={() => setOpen(expanded ? null : m.message_id)}>
                              {expanded ? "Hide" : "Delivery"}
                            </button>
                          </td>
                        </tr>
                        {expanded && (
                          <tr class="expanded">
                            <td colSpan={6}>
                              <Delivery entry={m} />
                            </td>
                          </tr>
                        )}
                      </tbody>
                    );
                  })}
                </table>
              </div>
              {data.data.messages.length > shown && (
                <button type="button" class="button button-quiet" onClick={() => setShown(shown + TABLE_PAGE)}>
                  Show {formatNumber(Math.min(TABLE_PAGE, data.data.messages.length - shown))} more
                </button>
              )}
            </Card>
          )}
        </>
      )}
    </>
  );
}
