// The rules every trigger obeys (GET/PUT /v1/admin/messaging): frequency caps, quiet hours in the
// customer's time zone, and the channel cascade. The API checks them; its answer is shown in words.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api/client.ts";
import { MESSAGE_CHANNELS, type CapRule, type MessagingPolicy } from "../api/types.ts";
import { Card, describeError, ErrorState, Loading } from "../components/states.tsx";
import { channelName } from "../lib/format.ts";
import { issuesByField } from "../lib/issues.ts";
import { useApi } from "../lib/use-api.ts";

function numberOrUndefined(value: string): number | undefined {
  return value.trim() === "" ? undefined : Number(value);
}

export function Problems({ messages, id }: { messages: string[] | undefined; id?: string }) {
  if (!messages?.length) return null;
  return (
    <ul class="field-error" id={id} role="alert">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

export function PolicyEditor() {
  const loaded = useApi("policy", (signal) => api<{ policy: MessagingPolicy }>("/v1/admin/messaging", { signal }));
  const [policy, setPolicy] = useState<MessagingPolicy | null>(null);
  const [issues, setIssues] = useState<Map<string, string[]>>(new Map());
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setPolicy(loaded.data?.policy ?? null), [loaded.data]);

  if (loaded.state === "loading" || (loaded.state === "ready" && !policy)) return <Card title="Messaging rules"><Loading /></Card>;
  if (loaded.state === "error") return <Card title="Messaging rules"><ErrorState error={loaded.error} retry={loaded.reload} /></Card>;
  const p = policy!;
  const setCap = (i: number, patch: Partial<CapRule>) => setPolicy({ ...p, caps: p.caps.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    setIssues(new Map());
    const { version: _version, ...body } = p;
    try {
      const saved = await api<{ policy: MessagingPolicy }>("/v1/admin/messaging", { method: "PUT", body });
      setPolicy(saved.policy);
      setStatus(`Saved. Every trigger follows these rules from the next message on.`);
    } catch (error) {
      if (error instanceof ApiError && error.details.length) setIssues(issuesByField(error.details));
      setStatus(error instanceof ApiError && error.details.length ? "Not saved: see the problems marked below." : `Not saved: ${describeError(error as Error)}`);
    } finally {
      setBusy(false);
    }
  };
  const capIssues = (i: number) => issues.get(`caps.${i}`);
  return (
    <Card title="Messaging rules">
      <form class="form" onSubmit={save} noValidate>
        <fieldset>
          <legend>Frequency caps</legend>
          <p class="muted small">At most so many messages in a rolling window, and a minimum gap between two. “All channels” counts every channel together.</p>
          {p.caps.map((cap, i) => (
            <div class="cap-row" key={i}>
              <label class="field">
                <span class="field-label">Channel</span>
                <select value={cap.channel} onChange={(e) => setCap(i, { channel: e.currentTarget.value })}>
                  <option value="*">All channels</option>
                  {MESSAGE_CHANNELS.map((c) => (
                    <option key={c} value={c}>
                      {channelName(c)}
                    </option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span class="field-label">Messages</span>
                <input type="number" inputMode="numeric" value={cap.max_messages ?? ""} onInput={(e) => setCap(i, { max_messages: numberOrUndefined(e.currentTarget.value) })} />
              </label>
              <label class="field">
                <span class="field-label">Per days</span>
                <input type="number" inputMode="decimal" value={cap.window_days ?? ""} onInput={(e) => setCap(i, { window_days: numberOrUndefined(e.currentTarget.value) })} />
              </label>
              <label class="field">
                <span class="field-label">Gap (hours)</span>
                <input type="number" inputMode="decimal" value={cap.min_gap_hours ?? ""} onInput={(e) => setCap(i, { min_gap_hours: numberOrUndefined(e.currentTarget.value) })} />
              </label>
              <button type="button" class="button button-quiet" aria-label={`Remove cap ${i + 1}`} onClick={() => setPolicy({ ...p, caps: p.caps.filter((_, j) => j !== i) })}>
                Remove
              </button>
              <Problems messages={capIssues(i)} />
            </div>
          ))}
          <Problems messages={issues.get("caps")} />
          <button type="button" class="button button-quiet" onClick={() => setPolicy({ ...p, caps: [...p.caps, { channel: "*", max_messages: 3, window_days: 7 }] })}>
            Add a cap
          </button>
        </fieldset>

        <fieldset>
          <legend>Double opt-in</legend>
          <label class="check">
            <input type="checkbox" checked={p.double_opt_in} onChange={(e) => setPolicy({ ...p, double_opt_in: e.currentTarget.checked })} />
            Ask an email or phone a shopper typed in to confirm itself before any marketing goes to it
          </label>
          <p class="muted small">Contacts your backend sends with the secret key count as confirmed.</p>
        </fieldset>

        <fieldset>
          <legend>Quiet hours</legend>
          <label class="check">
            <input type="checkbox" checked={p.quiet_hours !== null} onChange={(e) => setPolicy({ ...p, quiet_hours: e.currentTarget.checked ? { start: "21:00", end: "08:00" } : null })} />
            Hold messages during the night, in each customer's own time zone
          </label>
          {p.quiet_hours && (
            <div class="row">
              <label class="field">
                <span class="field-label">From</span>
                <input type="time" value={p.quiet_hours.start} onInput={(e) => setPolicy({ ...p, quiet_hours: { ...p.quiet_hours!, start: e.currentTarget.value } })} />
              </label>
              <label class="field">
                <span class="field-label">Until</span>
                <input type="time" value={p.quiet_hours.end} onInput={(e) => setPolicy({ ...p, quiet_hours: { ...p.quiet_hours!, end: e.currentTarget.value } })} />
              </label>
            </div>
          )}
          <Problems messages={[...(issues.get("quiet_hours") ?? []), ...(issues.get("quiet_hours.start") ?? []), ...(issues.get("quiet_hours.end") ?? [])]} />
          <label class="field">
            <span class="field-label">Time zone when the customer's is unknown</span>
            <input value={p.default_time_zone} onInput={(e) => setPolicy({ ...p, default_time_zone: e.currentTarget.value })} spellcheck={false} />
          </label>
          <Problems messages={issues.get("default_time_zone")} />
        </fieldset>

        <fieldset>
          <legend>Channel cascade</legend>
          <p class="muted small">The order channels are tried in when a customer has no preference; the next one only if the last message was not opened in time.</p>
          <div class="row">
            {MESSAGE_CHANNELS.map((c) => (
              <label class="check" key={c}>
                <input
                  type="checkbox"
                  checked={p.cascade.channels.includes(c)}
                  onChange={(e) => setPolicy({ ...p, cascade: { ...p.cascade, channels: e.currentTarget.checked ? [...p.cascade.channels, c] : p.cascade.channels.filter((x) => x !== c) } })}
                />
                {channelName(c)}
              </label>
            ))}
          </div>
          <p class="small">Order: {p.cascade.channels.map(channelName).join(" → ") || "none"}</p>
          <label class="field field-narrow">
            <span class="field-label">Wait before the next channel (hours)</span>
            <input type="number" inputMode="decimal" value={p.cascade.wait_hours} onInput={(e) => setPolicy({ ...p, cascade: { ...p.cascade, wait_hours: Number(e.currentTarget.value) } })} />
          </label>
          <Problems messages={[...(issues.get("cascade") ?? []), ...(issues.get("cascade.channels") ?? []), ...(issues.get("cascade.wait_hours") ?? [])]} />
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? "Saving…" : "Save rules"}
          </button>
          {status && (
            <p class="small" role="status">
              {status}
            </p>
          )}
        </div>
      </form>
    </Card>
  );
}
