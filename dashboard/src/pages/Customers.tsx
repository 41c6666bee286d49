// Customers: find one by the id the store uses (userId or anonymousId), or open one of the
// customers Seam messaged lately. (Search by email or phone comes with issue 12's GET /v1/customers?q=.)
import { useLocation } from "preact-iso/router";
import { api, query } from "../api/client.ts";
import type { OutboxEntry } from "../api/types.ts";
import { PageHeader } from "../components/Shell.tsx";
import { Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, formatRelative } from "../lib/format.ts";
import { useApi } from "../lib/use-api.ts";

/** Messages read for the "messaged lately" list: one outbox page. */
const RECENT_MESSAGES = 200;
const RECENT_CUSTOMERS = 12;

/** The id a store would use for an outbox entry's customer: u:<userId> / a:<anonymousId>; null for email/phone-only profiles. */
export function customerIdOf(profileKey: string): string | null {
  return /^[ua]:/.test(profileKey) ? profileKey.slice(2) : null;
}

export function CustomerSearch({ initial = "" }: { initial?: string }) {
  const { route } = useLocation();
  const submit = (event: Event) => {
    event.preventDefault();
    const id = (new FormData(event.currentTarget as HTMLFormElement).get("id") as string).trim();
    if (id) route(`/dashboard/customers/${encodeURIComponent(id)}`);
  };
  return (
    <form class="search" role="search" onSubmit={submit}>
      <label class="visually-hidden" for="customer-id">
        Customer id
      </label>
      <input id="customer-id" name="id" type="search" placeholder="userId or anonymousId" defaultValue={initial} autocomplete="off" spellcheck={false} />
      <button class="button button-primary" type="submit">
        Open
      </button>
    </form>
  );
}

export function CustomersPage() {
  const recent = useApi("recent", (signal) => api<{ messages: OutboxEntry[] }>(`/v1/outbox${query({ limit: RECENT_MESSAGES })}`, { signal }));
  const customers = new Map<string, OutboxEntry>();
  for (const m of recent.data?.messages ?? []) {
    const id = customerIdOf(m.profile_key);
    if (id && !customers.has(id) && customers.size < RECENT_CUSTOMERS) customers.set(id, m);
  }
  return (
    <>
      <PageHeader title="Customers" subtitle="One customer across every channel: what they did, what they have in their cart, what they bought and what Seam sent them." />
      <Card title="Find a customer">
        <CustomerSearch />
        <p class="muted small">Search by the store's own id for now: a userId, or the anonymousId of a visitor. Email and phone search arrive with customer search in the API.</p>
      </Card>
      <Card title="Messaged lately">
        {recent.state === "loading" && <Loading />}
        {recent.state === "error" && <ErrorState error={recent.error} retry={recent.reload} />}
        {recent.state === "ready" && customers.size === 0 && <Empty title="No messages yet">Customers appear here once a trigger has sent them something.</Empty>}
        {recent.state === "ready" && customers.size > 0 && (
          <ul class="people">
            {[...customers].map(([id, m]) => {
              const person = m.message.payload?.customer;
              const name = (person?.traits?.name as string | undefined) ?? person?.email ?? id;
              return (
                <li key={id}>
                  <a href={`/dashboard/customers/${encodeURIComponent(id)}`}>
                    <span class="avatar" aria-hidden="true">
                      {name.charAt(0).toUpperCase()}
                    </span>
                    <span class="person">
                      <span class="person-name">{name}</span>
                      <span class="muted small">
                        {channelName(m.channel)} · {m.trigger_id} · {formatRelative(m.created_at)}
                      </span>
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </>
  );
}
