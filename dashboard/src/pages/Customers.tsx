// Customers: find one by email, phone, userId or anonymousId (GET /v1/customers?q=), or open one of
// the first customers by id or of those Seam messaged lately.
import { useLocation } from "preact-iso/router";
import { api, query } from "../api/client.ts";
import type { OutboxEntry } from "../api/types.ts";
import { PageHeader } from "../components/Shell.tsx";
import { Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, formatRelative } from "../lib/format.ts";
import { useApi } from "../lib/use-api.ts";
import { searchCustomers } from "../api/reports.ts";

/** Messages read for the "messaged lately" list: one outbox page. */
const RECENT_MESSAGES = 200;
const RECENT_CUSTOMERS = 12;
const NEWEST = 10;

/** The id a store would use for an outbox entry's customer: u:<userId> / a:<anonymousId>; null for email/phone-only profiles. */
export function customerIdOf(profileKey: string): string | null {
  return /^[ua]:/.test(profileKey) ? profileKey.slice(2) : null;
}

export function CustomerSearch({ initial = "" }: { initial?: string }) {
  const { route } = useLocation();
  const submit = (event: Event) => {
    event.preventDefault();
    const q = (new FormData(event.currentTarget as HTMLFormElement).get("q") as string).trim();
    if (q) route(`/dashboard/customers${query({ q })}`);
  };
  return (
    <form class="search" role="search" onSubmit={submit}>
      <label class="visually-hidden" for="customer-q">
        Email, phone or customer id
      </label>
      <input id="customer-q" name="q" type="search" placeholder="Email, phone, userId or anonymousId" defaultValue={initial} autocomplete="off" spellcheck={false} />
      <button class="button button-primary" type="submit">
        Search
      </button>
    </form>
  );
}

const MATCH_WORDS: Record<string, string> = { user_id: "userId", anonymous_id: "anonymousId", email: "email", phone: "phone" };

/** The answer to a search: one match opens the customer, several are listed, none says so. */
function SearchResults({ q }: { q: string }) {
  const { route } = useLocation();
  const found = useApi(`q:${q}`, (signal) => searchCustomers({ q }, signal));
  if (found.state === "loading") return <Loading rows={2} />;
  if (found.state === "error") return <ErrorState error={found.error} retry={found.reload} />;
  const { customers } = found.data;
  if (customers.length === 1) {
    queueMicrotask(() => route(`/dashboard/customers/${encodeURIComponent(customers[0]!.customer_id)}`, true));
    return <Loading rows={2} label="Opening the customer…" />;
  }
  if (customers.length === 0) return <Empty title={`No customer matches “${q}”`}>Search by the whole email address or phone number, or by the store's userId or a visitor's anonymousId, exactly as sent.</Empty>;
  return (
    <ul class="results">
      {customers.map((c) => (
        <li key={c.customer_id}>
          <a href={`/dashboard/customers/${encodeURIComponent(c.customer_id)}`}>{c.customer_id}</a> <span class="muted small">matched by {(c.matched ?? []).map((m) => MATCH_WORDS[m] ?? m).join(", ")}</span>
        </li>
      ))}
    </ul>
  );
}

/** The first customers of the customer index (by id), with when each was first seen. */
function SomeCustomers() {
  const newest = useApi("newest", (signal) => searchCustomers({ limit: String(NEWEST) }, signal));
  if (newest.state === "loading") return <Loading />;
  if (newest.state === "error") return <ErrorState error={newest.error} retry={newest.reload} />;
  if (newest.data.customers.length === 0) return <Empty title="No customers yet">Customers appear once the store sends its first events.</Empty>;
  return (
    <ul class="results grid">
      {newest.data.customers.map((c) => (
        <li key={c.customer_id}>
          <a href={`/dashboard/customers/${encodeURIComponent(c.customer_id)}`}>{c.customer_id}</a>
          {c.first_seen && <span class="muted small"> · first seen {formatRelative(c.first_seen)}</span>}
        </li>
      ))}
    </ul>
  );
}

export function CustomersPage() {
  const q = useLocation().query.q?.trim() ?? "";
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
        <CustomerSearch initial={q} key={q} />
        {q ? <SearchResults q={q} /> : <p class="muted small">By the whole email address or phone number, or by the store's userId or a visitor's anonymousId.</p>}
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
      <Card title="Customers by id">
        <SomeCustomers />
      </Card>
    </>
  );
}
