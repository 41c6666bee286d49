// Customer 360: one customer across channels, from GET /v1/customers/:id and /messages: the
// timeline, the cart with the devices its lines came from, orders, consent per channel, messages
// with their status, and the privacy actions (export, delete) behind a confirmation.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso/router";
import { api, ApiError, download } from "../api/client.ts";
import { MESSAGE_CHANNELS, type CustomerState, type MessagingState } from "../api/types.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { PageHeader } from "../components/Shell.tsx";
import { Badge, Card, describeError, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, formatDateTime, formatMoney, formatNumber, formatRelative, humanize } from "../lib/format.ts";
import { MODEL_NAMES } from "../lib/report-query.ts";
import { buildTimeline, touchWords } from "../lib/timeline.ts";
import { ATTRIBUTION_MODELS, fetchSegments, type AttributionModel } from "../api/reports.ts";
import { useApi } from "../lib/use-api.ts";
import { CustomerSearch } from "./Customers.tsx";

/** Timeline items drawn at first; the rest behind "Show more" (a busy customer has hundreds). */
const TIMELINE_PAGE = 25;

interface Customer360 {
  customer: CustomerState;
  messaging: MessagingState | null;
}

async function loadCustomer(id: string, signal: AbortSignal): Promise<Customer360 | null> {
  const path = `/v1/customers/${encodeURIComponent(id)}`;
  try {
    const [customer, messaging] = await Promise.all([
      api<CustomerState>(path, { signal }),
      api<MessagingState>(`${path}/messages`, { signal }).catch((e: Error) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
    ]);
    return { customer, messaging };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function displayName(customer: CustomerState, id: string): string {
  const t = customer.traits;
  return (typeof t.name === "string" && t.name) || [t.first_name, t.last_name].filter((v) => typeof v === "string").join(" ") || (typeof t.email === "string" ? t.email : id);
}

export function CustomerPage() {
  const { params } = useRoute();
  const id = params.id ?? "";
  const { route } = useLocation();
  const resource = useApi(`customer:${id}`, (signal) => loadCustomer(id, signal));
  const [shown, setShown] = useState(TIMELINE_PAGE);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionProblem, setActionProblem] = useState<string | null>(null);
  const [model, setModel] = useState<AttributionModel>("last_touch");
  const segments = useApi("segments", (signal) => fetchSegments(signal));

  if (resource.state === "loading") return <><PageHeader title="Customer" subtitle={id} /><Loading rows={6} /></>;
  if (resource.state === "error") return <><PageHeader title="Customer" subtitle={id} /><ErrorState error={resource.error} retry={resource.reload} /></>;
  if (resource.data === null)
    return (
      <>
        <PageHeader title="Customer not found" />
        <Card>
          <Empty title={`No customer ${id} in this workspace`}>Check the id: it is the store's userId, or a visitor's anonymousId, exactly as sent.</Empty>
          <CustomerSearch initial={id} />
        </Card>
      </>
    );

  const { customer, messaging } = resource.data;
  const name = displayName(customer, id);
  const timeline = buildTimeline(customer, messaging);
  const contacts = customer.identities.filter((i) => i.kind === "email" || i.kind === "phone" || i.kind === "user_id");
  const pending = (messaging?.schedule ?? []).filter((s) => s.status === "pending");
  const exportCustomer = async () => {
    setActionProblem(null);
    try {
      await download(`/v1/customers/${encodeURIComponent(id)}/export`, `seam-customer-${id}.json`);
    } catch (error) {
      setActionProblem(describeError(error as Error));
    }
  };
  const deleteCustomer = async () => {
    setBusy(true);
    try {
      await api(`/v1/customers/${encodeURIComponent(id)}`, { method: "DELETE" });
      route("/dashboard/customers");
    } catch (error) {
      setActionProblem(describeError(error as Error));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title={name}
        subtitle={
          <>
            First seen {formatDateTime(customer.first_seen)} · last seen {formatRelative(customer.last_seen)} · {formatNumber(customer.event_count)} events
          </>
        }
        actions={
          <>
            <button type="button" class="button" onClick={exportCustomer}>
              Export
            </button>
            <button type="button" class="button button-danger-quiet" onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        }
      />
      {actionProblem && (
        <p class="notice notice-bad" role="alert">
          {actionProblem}
        </p>
      )}
      <ul class="chips" aria-label="Identities">
        {contacts.map((i) => (
          <li key={`${i.kind}:${i.value}`} class="chip">
            <span class="muted">{humanize(i.kind)}</span> {i.value}
            {i.verified && <span class="visually-hidden"> (verified)</span>}
          </li>
        ))}
        {customer.linked_profiles.length > 0 && <li class="chip muted">{customer.linked_profiles.length} linked profiles</li>}
        {customer.lead_source && (
          <li class="chip">
            <span class="muted">Lead from</span> {touchWords({ kind: customer.lead_source.source === "direct" ? "direct" : "utm", ...customer.lead_source })} · {formatDateTime(customer.lead_source.became_lead_at)}
          </li>
        )}
      </ul>
      <div class="grid-360">
        <Card title="Timeline" class="span-rows">
          {timeline.length === 0 ? (
            <Empty title="Nothing yet" />
          ) : (
            <ol class="timeline">
              {timeline.slice(0, shown).map((item) => (
                <li key={item.key} class={`timeline-item timeline-${item.kind}`}>
                  <span class={`dot channel-${item.channel}`} aria-hidden="true" />
                  <div class="timeline-main">
                    <p class="timeline-title">
                      {item.title} {item.status && <Badge status={item.status} />}
                    </p>
                    {item.detail && <p class="muted small">{item.detail}</p>}
                  </div>
                  <div class="timeline-meta">
                    <span class={`channel-tag channel-${item.channel}`}>{item.kind === "received" ? `${channelName(item.channel)} ↘` : channelName(item.channel)}</span>
                    <time class="muted small" dateTime={new Date(item.at).toISOString()}>
                      {formatDateTime(item.at)}
                    </time>
                  </div>
                </li>
              ))}
            </ol>
          )}
          {timeline.length > shown && (
            <button type="button" class="button button-quiet" onClick={() => setShown(shown + TIMELINE_PAGE)}>
              Show {Math.min(TIMELINE_PAGE, timeline.length - shown)} more
            </button>
          )}
        </Card>

        <div class="side">
        <Card title="Consent">
          <dl class="consent">
            {MESSAGE_CHANNELS.map((channel) => {
              const value = customer.consent[channel];
              return (
                <div key={channel}>
                  <dt>{channelName(channel)}</dt>
                  <dd>{value === undefined ? <Badge status="neutral">not asked</Badge> : <Badge status={value ? "granted" : "denied"}>{value ? "granted" : "opted out"}</Badge>}</dd>
                </div>
              );
            })}
          </dl>
        </Card>

        <Card title={`Cart${customer.cart.item_count ? ` · ${formatNumber(customer.cart.item_count)} items` : ""}`}>
          {customer.cart.lines.length === 0 ? (
            <Empty title="The cart is empty" />
          ) : (
            <>
              <ul class="lines">
                {customer.cart.lines.map((line) => (
                  <li key={`${line.product_id}:${line.variant ?? ""}`}>
                    <span class="line-name">
                      {line.name ?? line.product_id} {line.quantity > 1 && <span class="muted">× {line.quantity}</span>}
                    </span>
                    <span class="muted small">
                      added on {channelName(line.source.channel)}
                      {line.source.device ? ` (${line.source.device})` : ""} · {formatRelative(line.updated_at)}
                    </span>
                    <span class="line-price">{formatMoney(line.price === null ? null : line.price * line.quantity, line.currency)}</span>
                  </li>
                ))}
              </ul>
              <p class="total">
                Subtotal <b>{formatMoney(customer.cart.subtotal, customer.cart.currency)}</b>
              </p>
            </>
          )}
        </Card>

        <Card title="Segments">
          {(customer.segments ?? []).length === 0 ? (
            <Empty title="In no segment right now" />
          ) : (
            <ul class="chips flat">
              {customer.segments!.map((sid) => (
                <li key={sid}>
                  <a class="chip" href={`/dashboard/segments/${sid}`}>
                    {segments.data?.segments.find((sg) => sg.id === sid)?.name ?? sid}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card
          title={`Orders${customer.orders.length ? ` · ${customer.orders.length}` : ""}`}
          actions={
            customer.orders.length > 0 && (
              <label class="inline-select">
                <span class="visually-hidden">Attribution model</span>
                <select value={model} onChange={(e) => setModel(e.currentTarget.value as AttributionModel)}>
                  {ATTRIBUTION_MODELS.map((m) => (
                    <option key={m} value={m}>
                      {MODEL_NAMES[m]}
                    </option>
                  ))}
                </select>
              </label>
            )
          }
        >
          {customer.orders.length === 0 ? (
            <Empty title="No orders yet" />
          ) : (
            <ul class="lines">
              {customer.orders.map((order) => (
                <li key={order.order_id}>
                  <span class="line-name">Order {order.order_id}</span>
                  <span class="muted small">
                    {formatDateTime(order.timestamp)} · {channelName(order.channel)} · {order.products.length} products
                  </span>
                  <span class="line-price">{formatMoney(order.total ?? order.revenue, order.currency)}</span>
                  <span class="credits small">
                    {!order.attribution || order.attribution.models[model].length === 0
                      ? "No marketing touch within the window"
                      : order.attribution.models[model].map((c) => `${channelName(c.channel)} · ${touchWords({ kind: c.source === "direct" ? "direct" : "utm", ...c })} ${Math.round(c.weight * 100)}%`).join(", ")}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Messages">
          {!messaging || messaging.messages.length === 0 ? (
            <Empty title="Seam has sent this customer nothing yet" />
          ) : (
            <ul class="lines">
              {messaging.messages.map((m) => (
                <li key={m.message_id}>
                  <span class="line-name">
                    {humanize(m.template)} · step {m.step + 1}
                  </span>
                  <span class="muted small">
                    {channelName(m.channel)} · {formatDateTime(m.sent_at ?? m.queued_at)}
                    {m.error ? ` · ${m.error}` : ""}
                  </span>
                  <Badge status={m.status} />
                </li>
              ))}
            </ul>
          )}
          {pending.length > 0 && (
            <>
              <h3 class="subheading">Planned</h3>
              <ul class="lines">
                {pending.map((s) => (
                  <li key={s.id}>
                    <span class="line-name">
                      {s.trigger_id} · step {s.step + 1}
                    </span>
                    <span class="muted small">
                      {s.channels ? s.channels.map(channelName).join(" → ") : "channel chosen when due"} · due {formatRelative(s.due_at)}
                    </span>
                    <Badge status="pending" />
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
        </div>
      </div>
      <ConfirmDialog open={confirming} title={`Delete ${name}?`} confirmLabel="Delete customer" busy={busy} onConfirm={deleteCustomer} onCancel={() => setConfirming(false)}>
        <p>
          Everything Seam keeps about this customer goes: their profile, the devices merged into it, their messages and their entries in the identity directory. This cannot be undone. Export first if you need a copy.
        </p>
      </ConfirmDialog>
    </>
  );
}
