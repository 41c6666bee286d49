// Triggers: the workspace's triggers with an on/off switch each, the templates to switch on, and
// the messaging rules every trigger obeys (caps, quiet hours, cascade).
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { api } from "../api/client.ts";
import type { TriggerDefinition, TriggerTemplate } from "../api/types.ts";
import { PageHeader } from "../components/Shell.tsx";
import { Card, describeError, Empty, ErrorState, Loading } from "../components/states.tsx";
import { channelName, formatDelay, humanize } from "../lib/format.ts";
import { TRIGGER_ID_PATTERN, triggerInput } from "../lib/triggers.ts";
import { useApi } from "../lib/use-api.ts";
import { PolicyEditor } from "./PolicyEditor.tsx";

interface TriggersData {
  triggers: TriggerDefinition[];
  templates: TriggerTemplate[];
}

const loadTriggers = async (signal: AbortSignal): Promise<TriggersData> => {
  const [{ triggers }, { templates }] = await Promise.all([
    api<{ triggers: TriggerDefinition[] }>("/v1/admin/triggers", { signal }),
    api<{ templates: TriggerTemplate[] }>("/v1/admin/triggers/templates", { signal }),
  ]);
  return { triggers, templates };
};

/** An on/off switch (a button with role=switch: Space and Enter toggle it). */
export function Switch({ on, label, busy, onToggle }: { on: boolean; label: string; busy?: boolean; onToggle: () => void }) {
  return (
    <button type="button" role="switch" class="switch" aria-checked={on} aria-label={label} disabled={busy} onClick={onToggle}>
      <span class="switch-knob" aria-hidden="true" />
    </button>
  );
}

export function stepsSummary(d: Pick<TriggerDefinition, "steps">): string {
  return d.steps.map((s) => formatDelay(s.delay_minutes)).join(", then ");
}

function TriggerRow({ trigger, onChanged }: { trigger: TriggerDefinition; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const toggle = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api(`/v1/admin/triggers/${trigger.id}`, { method: "PUT", body: { ...triggerInput(trigger), enabled: !trigger.enabled } });
      onChanged();
    } catch (error) {
      setProblem(describeError(error as Error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <th scope="row">
        <a href={`/dashboard/triggers/${trigger.id}`}>{trigger.id}</a>
        <span class="muted small block">{humanize(trigger.template)}</span>
      </th>
      <td>{stepsSummary(trigger)}</td>
      <td>{trigger.channels ? trigger.channels.map(channelName).join(" → ") : <span class="muted">workspace cascade</span>}</td>
      <td class="num">v{trigger.version}</td>
      <td>
        <span class="switch-row">
          <Switch on={trigger.enabled} busy={busy} label={`${trigger.id} ${trigger.enabled ? "on" : "off"}`} onToggle={toggle} />
          <span class="muted small">{trigger.enabled ? "On" : "Off"}</span>
        </span>
        {problem && (
          <span class="field-error" role="alert">
            {problem}
          </span>
        )}
      </td>
    </tr>
  );
}

function AddTrigger({ template, taken }: { template: TriggerTemplate; taken: Set<string> }) {
  const { route } = useLocation();
  const [id, setId] = useState(template.template.replace(/_/g, "-"));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    if (!TRIGGER_ID_PATTERN.test(id)) return setProblem("Use 1 to 63 lower-case letters, digits, - and _, starting with a letter or digit.");
    if (taken.has(id)) return setProblem(`There is already a trigger ${id}.`);
    setBusy(true);
    try {
      await api(`/v1/admin/triggers/${id}`, { method: "PUT", body: { template: template.template } });
      route(`/dashboard/triggers/${id}`);
    } catch (error) {
      setProblem(describeError(error as Error));
      setBusy(false);
    }
  };
  const field = `new-${template.template}`;
  return (
    <li class="template">
      <div>
        <h3>{humanize(template.template)}</h3>
        <p class="muted small">{template.description}</p>
        <p class="small">
          Steps: {stepsSummary(template.defaults)} · give up after {formatDelay(template.defaults.expires_after_hours * 60)}
        </p>
      </div>
      <form class="inline-form" onSubmit={save}>
        <label for={field} class="small">
          Trigger id
        </label>
        <input id={field} value={id} onInput={(e) => setId(e.currentTarget.value)} aria-invalid={problem !== null} aria-describedby={problem ? `${field}-problem` : undefined} spellcheck={false} />
        <button type="submit" class="button" disabled={busy}>
          Switch on
        </button>
        {problem && (
          <p class="field-error" id={`${field}-problem`} role="alert">
            {problem}
          </p>
        )}
      </form>
    </li>
  );
}

export function TriggersPage() {
  const data = useApi("triggers", loadTriggers);
  return (
    <>
      <PageHeader title="Triggers" subtitle="Automated messages: when each one starts, how long it waits, on which channels, and the rules every message obeys." />
      <Card title="Your triggers">
        {data.state === "loading" && <Loading />}
        {data.state === "error" && <ErrorState error={data.error} retry={data.reload} />}
        {data.state === "ready" && data.data.triggers.length === 0 && <Empty title="No triggers are on yet">Switch one on from the templates below.</Empty>}
        {data.state === "ready" && data.data.triggers.length > 0 && (
          <div class="table-scroll">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Trigger</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Channels</th>
                  <th scope="col" class="num">Version</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {data.data.triggers.map((t) => (
                  <TriggerRow key={t.id} trigger={t} onChanged={data.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {data.state === "ready" && (
        <Card title="Templates">
          <ul class="templates">
            {data.data.templates.map((t) => (
              <AddTrigger key={t.template} template={t} taken={new Set(data.data.triggers.map((d) => d.id))} />
            ))}
          </ul>
        </Card>
      )}
      <PolicyEditor />
    </>
  );
}
