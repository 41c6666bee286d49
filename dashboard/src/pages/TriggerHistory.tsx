// A trigger's versions (GET /v1/admin/triggers/:id/versions), newest first, and what changed from
// one to another: every setting that differs, before and after.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { TriggerVersion } from "../api/types.ts";
import { Card, ErrorState, Loading } from "../components/states.tsx";
import { diffValues } from "../lib/diff.ts";
import { formatDateTime } from "../lib/format.ts";
import { fieldLabel } from "../lib/issues.ts";
import { useApi } from "../lib/use-api.ts";

function show(value: unknown): string {
  if (value === undefined) return "—";
  if (value === null) return "none";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function TriggerHistory({ id, refresh }: { id: string; refresh: number }) {
  const versions = useApi(`versions:${id}:${refresh}`, (signal) => api<{ versions: TriggerVersion[] }>(`/v1/admin/triggers/${encodeURIComponent(id)}/versions`, { signal }));
  const list = versions.data?.versions ?? [];
  const [after, setAfter] = useState<number | null>(null);
  const [before, setBefore] = useState<number | null>(null);
  useEffect(() => {
    setAfter(list[0]?.version ?? null);
    setBefore(list[1]?.version ?? null);
  }, [versions.data]);

  if (versions.state === "loading") return <Card title="Version history"><Loading /></Card>;
  if (versions.state === "error") return <Card title="Version history"><ErrorState error={versions.error} retry={versions.reload} /></Card>;
  const a = list.find((v) => v.version === after);
  const b = list.find((v) => v.version === before);
  const changes = a && b ? diffValues(b.definition ?? {}, a.definition ?? {}).filter((c) => c.path !== "version") : [];
  const label = (v: TriggerVersion) => `v${v.version}${v.definition === null ? " (deleted)" : ""}`;
  return (
    <Card title="Version history">
      <ol class="versions">
        {list.map((v) => (
          <li key={v.version}>
            <b>v{v.version}</b> <span class="muted small">{formatDateTime(v.created_at)}</span>
            {v.definition === null ? <span class="muted small"> · deleted</span> : <span class="muted small"> · {v.definition.enabled ? "on" : "off"}</span>}
          </li>
        ))}
      </ol>
      {list.length > 1 && (
        <>
          <div class="row">
            <label class="field">
              <span class="field-label">Compare</span>
              <select value={before ?? ""} onChange={(e) => setBefore(Number(e.currentTarget.value))}>
                {list.map((v) => (
                  <option key={v.version} value={v.version}>
                    {label(v)}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span class="field-label">with</span>
              <select value={after ?? ""} onChange={(e) => setAfter(Number(e.currentTarget.value))}>
                {list.map((v) => (
                  <option key={v.version} value={v.version}>
                    {label(v)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {changes.length === 0 ? (
            <p class="muted small">No setting differs between these versions.</p>
          ) : (
            <table class="table diff" aria-label={`Changes from v${before} to v${after}`}>
              <thead>
                <tr>
                  <th scope="col">Setting</th>
                  <th scope="col">v{before}</th>
                  <th scope="col">v{after}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.path}>
                    <th scope="row">{fieldLabel(c.path)}</th>
                    <td>
                      <del>{show(c.before)}</del>
                    </td>
                    <td>
                      <ins>{show(c.after)}</ins>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Card>
  );
}
