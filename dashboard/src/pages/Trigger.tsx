// One trigger: tune its steps, delays, channels and template settings (saved as a new version by
// PUT /v1/admin/triggers/:id, problems shown in words next to the fields), its version history with
// a diff, and what it has planned for a sample customer.
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso/router";
import { api, ApiError } from "../api/client.ts";
import { MESSAGE_CHANNELS, type TriggerDefinition, type TriggerTemplate } from "../api/types.ts";
import { PageHeader } from "../components/Shell.tsx";
import { Badge, Card, describeError, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, humanize } from "../lib/format.ts";
import { issuesByField } from "../lib/issues.ts";
import { DELAY_UNITS, delayInUnit, TEMPLATE_SETTINGS, triggerInput, type DelayUnit } from "../lib/triggers.ts";
import { useApi } from "../lib/use-api.ts";
import { TriggerFunnel } from "./TriggerFunnel.tsx";
import { Problems } from "./PolicyEditor.tsx";
import { TriggerHistory } from "./TriggerHistory.tsx";
import { TriggerPreview } from "./TriggerPreview.tsx";
import { Switch } from "./Triggers.tsx";

interface TriggerData {
  trigger: TriggerDefinition | null;
  template: TriggerTemplate | null;
}

async function loadTrigger(id: string, signal: AbortSignal): Promise<TriggerData> {
  const [trigger, { templates }] = await Promise.all([
    api<{ trigger: TriggerDefinition }>(`/v1/admin/triggers/${encodeURIComponent(id)}`, { signal }).then(
      (r) => r.trigger,
      (e: Error) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e)),
    ),
    api<{ templates: TriggerTemplate[] }>("/v1/admin/triggers/templates", { signal }),
  ]);
  return { trigger, template: templates.find((t) => t.template === trigger?.template) ?? null };
}

function NumberField({ label, value, onInput, issues, step = "any", hint }: { label: string; value: number | null; onInput: (v: number | null) => void; issues?: string[] | undefined; step?: string; hint?: string }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <input type="number" step={step} inputMode="decimal" value={value ?? ""} aria-invalid={Boolean(issues?.length)} onInput={(e) => onInput(e.currentTarget.value === "" ? null : Number(e.currentTarget.value))} />
      {hint && <span class="muted small">{hint}</span>}
      <Problems messages={issues} />
    </label>
  );
}

function StepsEditor({ draft, setDraft, issues }: { draft: TriggerDefinition; setDraft: (d: TriggerDefinition) => void; issues: Map<string, string[]> }) {
  const [units, setUnits] = useState<DelayUnit[]>(() => draft.steps.map((s) => delayInUnit(s.delay_minutes).unit));
  const setStep = (i: number, minutes: number, unit: DelayUnit) => {
    setUnits(units.map((u, j) => (j === i ? unit : u)));
    setDraft({ ...draft, steps: draft.steps.map((s, j) => (j === i ? { ...s, delay_minutes: minutes } : s)) });
  };
  return (
    <fieldset>
      <legend>Steps</legend>
      <p class="muted small">Each step waits this long after the moment that started the trigger (the last cart change, the sign-up, the order…).</p>
      <ol class="steps">
        {draft.steps.map((s, i) => {
          const unit = units[i] ?? "minutes";
          return (
            <li key={i}>
              <span class="step-number" aria-hidden="true">
                {i + 1}
              </span>
              <div class="field">
                <label class="field-label" for={`step-${i}-delay`}>
                  Step {i + 1} delay
                </label>
                <span class="input-group">
                  <input id={`step-${i}-delay`} type="number" min="0" step="any" value={s.delay_minutes / DELAY_UNITS[unit]} aria-invalid={Boolean(issues.get(`steps.${i}`))} onInput={(e) => setStep(i, Math.round(Number(e.currentTarget.value) * DELAY_UNITS[unit]), unit)} />
                  <select aria-label={`Step ${i + 1} delay unit`} value={unit} onChange={(e) => setUnits(units.map((u, j) => (j === i ? (e.currentTarget.value as DelayUnit) : u)))}>
                    <option value="minutes">minutes</option>
                    <option value="hours">hours</option>
                    <option value="days">days</option>
                  </select>
                </span>
              </div>
              {draft.steps.length > 1 && (
                <button type="button" class="button button-quiet" aria-label={`Remove step ${i + 1}`} onClick={() => (setUnits(units.filter((_, j) => j !== i)), setDraft({ ...draft, steps: draft.steps.filter((_, j) => j !== i) }))}>
                  Remove
                </button>
              )}
              <Problems messages={issues.get(`steps.${i}`)} />
            </li>
          );
        })}
      </ol>
      <Problems messages={issues.get("steps")} />
      <button
        type="button"
        class="button button-quiet"
        onClick={() => (setUnits([...units, "days"]), setDraft({ ...draft, steps: [...draft.steps, { delay_minutes: (draft.steps.at(-1)?.delay_minutes ?? 0) + DELAY_UNITS.days }] }))}
      >
        Add a step
      </button>
    </fieldset>
  );
}

function ChannelsEditor({ draft, setDraft, issues }: { draft: TriggerDefinition; setDraft: (d: TriggerDefinition) => void; issues: Map<string, string[]> }) {
  const own = draft.channels !== null;
  const list = draft.channels ?? [];
  return (
    <fieldset>
      <legend>Channels</legend>
      <label class="check">
        <input type="checkbox" checked={!own} onChange={(e) => setDraft({ ...draft, channels: e.currentTarget.checked ? null : ["email"] })} />
        Use the workspace's cascade (the messaging rules)
      </label>
      {own && (
        <div class="row">
          {MESSAGE_CHANNELS.map((c) => (
            <label class="check" key={c}>
              <input type="checkbox" checked={list.includes(c)} onChange={(e) => setDraft({ ...draft, channels: e.currentTarget.checked ? [...list, c] : list.filter((x) => x !== c) })} />
              {channelName(c)}
            </label>
          ))}
        </div>
      )}
      {own && <p class="small">Tried in this order: {list.map(channelName).join(" → ") || "none"}</p>}
      <Problems messages={issues.get("channels")} />
      <NumberField label="Wait before the next channel (hours; empty: the workspace's)" value={draft.cascade_wait_hours} onInput={(v) => setDraft({ ...draft, cascade_wait_hours: v })} issues={issues.get("cascade_wait_hours")} />
    </fieldset>
  );
}

export function TriggerPage() {
  const id = useRoute().params.id ?? "";
  const loaded = useApi(`trigger:${id}`, (signal) => loadTrigger(id, signal));
  const [draft, setDraft] = useState<TriggerDefinition | null>(null);
  const [issues, setIssues] = useState<Map<string, string[]>>(new Map());
  const [status, setStatus] = useState<{ tone: "good" | "bad"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [historyKey, setHistoryKey] = useState(0);
  // The version last loaded or saved: what "Discard changes" goes back to.
  const [saved, setSaved] = useState<TriggerDefinition | null>(null);
  useEffect(() => {
    setDraft(loaded.data?.trigger ?? null);
    setSaved(loaded.data?.trigger ?? null);
  }, [loaded.data]);

  if (loaded.state === "loading") return <><PageHeader title={id} /><Loading rows={6} /></>;
  if (loaded.state === "error") return <><PageHeader title={id} /><ErrorState error={loaded.error} retry={loaded.reload} /></>;
  if (!loaded.data.trigger) return <><PageHeader title="Trigger not found" /><Empty title={`There is no trigger ${id} in this workspace`}><a href="/dashboard/triggers">Back to Triggers</a></Empty></>;
  if (!draft) return <Loading />;

  const save = async (next: TriggerDefinition) => {
    setBusy(true);
    setStatus(null);
    setIssues(new Map());
    try {
      const { trigger } = await api<{ trigger: TriggerDefinition }>(`/v1/admin/triggers/${encodeURIComponent(id)}`, { method: "PUT", body: triggerInput(next) });
      setDraft(trigger);
      setSaved(trigger);
      setHistoryKey((k) => k + 1);
      setStatus({ tone: "good", text: `Saved as version ${trigger.version}.` });
    } catch (error) {
      const details = error instanceof ApiError ? error.details : [];
      setIssues(issuesByField(details));
      setStatus({ tone: "bad", text: details.length ? `Not saved: ${details.length === 1 ? "one problem" : `${details.length} problems`}, marked below.` : `Not saved: ${describeError(error as Error)}` });
    } finally {
      setBusy(false);
    }
  };
  const settings = TEMPLATE_SETTINGS[draft.template] ?? [];
  return (
    <>
      <PageHeader
        title={draft.id}
        subtitle={<>{humanize(draft.template)} · version {draft.version} · {loaded.data.template?.description}</>}
        actions={
          <span class="switch-row">
            <Switch on={draft.enabled} busy={busy} label={`${draft.id} ${draft.enabled ? "on" : "off"}`} onToggle={() => save({ ...draft, enabled: !draft.enabled })} />
            <Badge status={draft.enabled ? "on" : "off"}>{draft.enabled ? "On" : "Off"}</Badge>
          </span>
        }
      />
      <TriggerFunnel id={draft.id} />
      <div class="grid-trigger">
        <Card title="Settings">
          <form class="form" onSubmit={(e) => (e.preventDefault(), save(draft))} noValidate>
            <StepsEditor key={`${draft.id}:${draft.version}`} draft={draft} setDraft={setDraft} issues={issues} />
            <ChannelsEditor draft={draft} setDraft={setDraft} issues={issues} />
            <fieldset>
              <legend>Timing</legend>
              <div class="row">
                <NumberField label="Cool-down after a message (hours)" value={draft.cooldown_hours} onInput={(v) => setDraft({ ...draft, cooldown_hours: v ?? 0 })} issues={issues.get("cooldown_hours")} />
                <NumberField label="Give up after (hours)" hint={draft.wait_for_caps ? "when quiet hours hold a step this long" : "when caps or quiet hours hold a step this long"} value={draft.expires_after_hours} onInput={(v) => setDraft({ ...draft, expires_after_hours: v ?? 0 })} issues={issues.get("expires_after_hours")} />
              </div>
              <label class="check">
                <input type="checkbox" checked={draft.wait_for_caps} onChange={(e) => setDraft({ ...draft, wait_for_caps: e.currentTarget.checked })} />
                Wait for frequency caps: a step a cap holds back goes when the cap allows, however late (off: dropped after the hours above)
              </label>
            </fieldset>
            {settings.length > 0 && (
              <fieldset>
                <legend>{humanize(draft.template)} settings</legend>
                <div class="row">
                  {settings.includes("min_views") && <NumberField label={draft.template === "new_in_favourite_category" ? "Views of a category (an order counts 5) before it is a favourite" : "Views of a product before it counts"} step="1" value={draft.min_views} onInput={(v) => setDraft({ ...draft, min_views: v ?? 0 })} issues={issues.get("min_views")} />}
                  {settings.includes("min_drop_percent") && <NumberField label="Smallest price drop (%)" value={draft.min_drop_percent} onInput={(v) => setDraft({ ...draft, min_drop_percent: v ?? 0 })} issues={issues.get("min_drop_percent")} />}
                  {settings.includes("interest_days") && <NumberField label="Views count for (days)" value={draft.interest_days} onInput={(v) => setDraft({ ...draft, interest_days: v ?? 0 })} issues={issues.get("interest_days")} />}
                </div>
                {settings.includes("entry_events") && (
                  <label class="field">
                    <span class="field-label">Events that start it (comma-separated)</span>
                    <input value={draft.entry_events.join(", ")} onInput={(e) => setDraft({ ...draft, entry_events: e.currentTarget.value.split(",").map((s) => s.trim()).filter(Boolean) })} />
                    <Problems messages={issues.get("entry_events")} />
                  </label>
                )}
              </fieldset>
            )}
            <div class="form-actions">
              <button type="submit" class="button button-primary" disabled={busy}>
                {busy ? "Saving…" : "Save as a new version"}
              </button>
              <button type="button" class="button button-quiet" onClick={() => (setDraft(saved), setIssues(new Map()), setStatus(null))}>
                Discard changes
              </button>
              {status && (
                <p class={`small notice-inline notice-${status.tone}`} role={status.tone === "bad" ? "alert" : "status"}>
                  {status.text}
                </p>
              )}
            </div>
          </form>
        </Card>
        <div class="stack">
          <TriggerPreview trigger={draft} />
          <TriggerHistory id={draft.id} refresh={historyKey} />
        </div>
      </div>
    </>
  );
}
