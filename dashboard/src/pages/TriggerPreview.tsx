// What this trigger has planned for one customer, from the state Seam keeps: the steps scheduled
// for them (when, on which channels) and the last message it sent them. Seam composes a message
// only when it is due, from the customer's state at that moment, so this shows the plan and the
// last real message; the text of a future message is not invented here.
import { useState } from "preact/hooks";
import { api, ApiError, query } from "../api/client.ts";
import type { MessagingState, OutboxEntry, TriggerDefinition } from "../api/types.ts";
import { Badge, Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, formatDateTime, formatMoney, formatRelative } from "../lib/format.ts";
import { useApi } from "../lib/use-api.ts";

interface Preview {
  messaging: MessagingState | null;
  last: OutboxEntry | null;
}

async function loadPreview(customer: string, trigger: string, signal: AbortSignal): Promise<Preview> {
  const [messaging, outbox] = await Promise.all([
    api<MessagingState>(`/v1/customers/${encodeURIComponent(customer)}/messages`, { signal }).catch((e: Error) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
    api<{ messages: OutboxEntry[] }>(`/v1/outbox${query({ customer, trigger, limit: 1 })}`, { signal }),
  ]);
  return { messaging, last: outbox.messages[0] ?? null };
}

export function TriggerPreview({ trigger }: { trigger: TriggerDefinition }) {
  const [customer, setCustomer] = useState("");
  const preview = useApi(customer ? `preview:${trigger.id}:${customer}` : null, (signal) => loadPreview(customer, trigger.id, signal));
  const planned = (preview.data?.messaging?.schedule ?? []).filter((s) => s.trigger_id === trigger.id && s.status === "pending");
  const last = preview.data?.last;
  return (
    <Card title="Next message for a customer">
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          setCustomer(((new FormData(e.currentTarget).get("customer") as string) ?? "").trim());
        }}
      >
        <label class="visually-hidden" for="preview-customer">
          Sample customer id
        </label>
        <input id="preview-customer" name="customer" type="search" placeholder="A customer's userId or anonymousId" spellcheck={false} />
        <button class="button" type="submit">
          Show
        </button>
      </form>
      {!customer && <p class="muted small">Seam writes each message when it is due, from the customer's cart, orders and products at that moment. Here: what is planned for a customer, and the last message this trigger sent them.</p>}
      {customer && preview.state === "loading" && <Loading />}
      {customer && preview.state === "error" && <ErrorState error={preview.error} retry={preview.reload} />}
      {customer && preview.state === "ready" && preview.data.messaging === null && <Empty title={`No customer ${customer}`} />}
      {customer && preview.state === "ready" && preview.data.messaging !== null && (
        <>
          <h3 class="subheading">Planned</h3>
          {planned.length === 0 ? (
            <p class="muted small">Nothing planned: this trigger has not started for {customer}, or has finished.</p>
          ) : (
            <ul class="lines">
              {planned.map((s) => (
                <li key={s.id}>
                  <span class="line-name">
                    Step {s.step + 1}
                    {s.channels ? ` on ${channelName(s.channels[s.channel_index] ?? s.channels[0]!)}` : ", channel chosen when due"}
                  </span>
                  <span class="muted small">
                    due {formatDateTime(s.due_at)} ({formatRelative(s.due_at)}) · {s.kind === "cascade" ? "next channel if unopened" : "step"} · dropped after {formatDateTime(s.expires_at)}
                  </span>
                  <Badge status="pending" />
                </li>
              ))}
            </ul>
          )}
          <h3 class="subheading">Last message sent</h3>
          {!last ? (
            <p class="muted small">This trigger has sent {customer} nothing yet (or it went to a channel webhook, not the outbox).</p>
          ) : (
            <div class="message-preview">
              <p class="small">
                <b>{channelName(last.channel)}</b> · step {last.step + 1} · {formatDateTime(last.created_at)}
                {last.message.payload?.customer?.email && <> · to {last.message.payload.customer.email}</>}
              </p>
              {last.message.payload?.order && (
                <p class="small">
                  Order {last.message.payload.order.order_id} · {formatMoney(last.message.payload.order.total, last.message.payload.order.currency)}
                </p>
              )}
              <ul class="lines">
                {(last.message.payload?.products ?? []).map((p) => (
                  <li key={p.product_id}>
                    <span class="line-name">{p.name ?? p.product_id}</span>
                    <span class="line-price">{formatMoney(p.price, p.currency)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
