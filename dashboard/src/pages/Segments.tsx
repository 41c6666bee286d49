// Segments: every segment with its size; one segment's size and entries and exits over the last 30
// days, its back-fill, its members page by page with a CSV export; a built-in's settings, and the
// rule editor of a custom segment with problems in words and a live size preview (POST /v1/segments/preview).
import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso/router";
import { ApiError, download } from "../api/client.ts";
import { fetchSegment, fetchSegmentMembers, fetchSegments, previewSegment, saveSegment, type SegmentDetail, type SegmentPreview } from "../api/reports.ts";
import { Chart } from "../components/Chart.tsx";
import { SortableTable } from "../components/reports.tsx";
import { PageHeader } from "../components/Shell.tsx";
import { Badge, Card, describeError, Empty, ErrorState, Loading } from "../components/states.tsx";
import { formatDateTime, formatNumber, formatPercent, humanize } from "../lib/format.ts";
import { daySeconds } from "../lib/report-query.ts";
import { parseRule, ruleIssueWords, RULE_TESTS, sizesByDay } from "../lib/segment-rules.ts";
import { useApi } from "../lib/use-api.ts";
import { Loaded } from "./Overview.tsx";

const MEMBERS_PAGE = 25;
const CHANGE_DAYS = 30;
/** The preview waits for a pause in typing this long, so it asks once per edit, not per key. */
const PREVIEW_DEBOUNCE_MS = 500;
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function SegmentsPage() {
  const list = useApi("segments", (signal) => fetchSegments(signal));
  return (
    <>
      <PageHeader
        title="Segments"
        subtitle="Groups of customers Seam keeps up to date as they shop: the built-ins, tuned to the store, and your own rules."
        actions={
          <a class="button button-primary" href="/dashboard/segments/new">
            New segment
          </a>
        }
      />
      <Card title="All segments">
        <Loaded resource={list}>
          {(d) => (
            <SortableTable
              caption="Segments"
              rows={d.segments}
              rowKey={(s) => s.id}
              initialSort="size"
              columns={[
                { key: "name", label: "Segment", value: (s) => s.name, render: (s) => <a href={`/dashboard/segments/${s.id}`}>{s.name}</a> },
                { key: "kind", label: "Kind", value: (s) => s.kind, render: (s) => <Badge status={s.kind === "custom" ? "sent" : "neutral"}>{s.kind === "custom" ? "Custom rule" : "Built-in"}</Badge> },
                { key: "size", label: "Customers", numeric: true, value: (s) => s.size },
              ]}
            />
          )}
        </Loaded>
      </Card>
    </>
  );
}

function Members({ id }: { id: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1)!;
  const page = useApi(`members:${id}:${cursor}`, (signal) => fetchSegmentMembers(id, cursor, MEMBERS_PAGE, signal));
  const [problem, setProblem] = useState<string | null>(null);
  const exportCsv = () => download(`/v1/segments/${encodeURIComponent(id)}/members.csv`, `seam-segment-${id}.csv`).catch((e: Error) => setProblem(describeError(e)));
  return (
    <Card
      title="Members"
      actions={
        <button type="button" class="button button-small" onClick={exportCsv}>
          Export CSV
        </button>
      }
    >
      {problem && <p class="notice notice-bad">{problem}</p>}
      <Loaded resource={page}>
        {(p) =>
          p.members.length === 0 ? (
            <Empty title="No members right now" />
          ) : (
            <>
              <ul class="lines two-columns">
                {p.members.map((m) => (
                  <li key={m.customer_id}>
                    <a class="line-name" href={`/dashboard/customers/${encodeURIComponent(m.customer_id)}`}>
                      {m.customer_id}
                    </a>
                    <span class="muted small">member since {formatDateTime(m.since)}</span>
                  </li>
                ))}
              </ul>
              <div class="pager">
                <button type="button" class="button button-small" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                  Previous
                </button>
                <span class="muted small">Page {cursors.length}</span>
                <button type="button" class="button button-small" disabled={!p.next_cursor} onClick={() => setCursors([...cursors, p.next_cursor])}>
                  Next
                </button>
              </div>
            </>
          )
        }
      </Loaded>
    </Card>
  );
}

function utcDays(count: number): string[] {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function History({ segment }: { segment: SegmentDetail }) {
  const chart = useMemo(() => {
    const days = sizesByDay(segment.size, segment.changes, utcDays(CHANGE_DAYS));
    const x = days.map((d) => daySeconds(d.date));
    return {
      x,
      size: [{ label: "Customers", color: "#4f46e5", values: days.map((d) => d.size) }],
      moves: [
        { label: "Entered", color: "#0e9f6e", values: days.map((d) => d.entered) },
        { label: "Left", color: "#f04438", values: days.map((d) => d.exited) },
      ],
    };
  }, [segment]);
  return (
    <div class="grid-2">
      <Card title="Size over 30 days">
        <Chart title={`${segment.name}: customers at the end of each day`} x={chart.x} series={chart.size} height={200} />
      </Card>
      <Card title="Entries and exits per day">
        <Chart title={`${segment.name}: customers who entered and left each day`} x={chart.x} series={chart.moves} height={200} />
      </Card>
    </div>
  );
}

function previewWords(p: SegmentPreview): string {
  if (!p.estimated) return `${formatNumber(p.members)} of ${formatNumber(p.customers)} customers match, counted.`;
  return `About ${formatNumber(p.members)} of ${formatNumber(p.customers)} customers (estimate: ${formatPercent(p.share)} of a sample of ${formatNumber(p.sample.size)}).`;
}

/** The rule editor: JSON with tests to insert, its problems in words, the size it would have now, and save. */
function RuleEditor({ id, segment, onSaved }: { id: string | null; segment: SegmentDetail | null; onSaved: (s: SegmentDetail) => void }) {
  const [newId, setNewId] = useState("");
  const [name, setName] = useState(segment?.name ?? "");
  const [text, setText] = useState(JSON.stringify(segment?.rule ?? { and: [RULE_TESTS["Bought"], RULE_TESTS["Consent"]] }, null, 2));
  const [preview, setPreview] = useState<{ result?: SegmentPreview; problems?: string[]; busy?: boolean }>({});
  const [saved, setSaved] = useState<string | null>(null);
  const parsed = parseRule(text);
  useEffect(() => {
    if ("problem" in parsed) return setPreview({ problems: [parsed.problem] });
    const controller = new AbortController();
    setPreview((p) => ({ ...p, busy: true }));
    const timer = setTimeout(
      () =>
        previewSegment(parsed.rule, controller.signal).then(
          (result) => setPreview({ result }),
          (e: Error) => !controller.signal.aborted && setPreview({ problems: e instanceof ApiError && e.details.length ? ruleIssueWords(e.details) : [describeError(e)] }),
        ),
      PREVIEW_DEBOUNCE_MS,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);
  const add = (label: string) => {
    const test = RULE_TESTS[label];
    const current = "rule" in parsed ? (parsed.rule as { and?: unknown[] }) : null;
    const next = current?.and ? { and: [...current.and, test] } : current ? { and: [current, test] } : test;
    setText(JSON.stringify(next, null, 2));
  };
  const targetId = id ?? newId;
  const idProblem = id || ID_PATTERN.test(newId) ? null : "An id is lower-case letters, digits, - and _, starting with a letter or digit (it names the segment in the API).";
  const save = async () => {
    setSaved(null);
    if (idProblem || "problem" in parsed) return;
    try {
      const { segment: s } = await saveSegment(targetId, { name: name || targetId, rule: parsed.rule });
      setSaved(`Saved as version ${s.version}. Seam is now sorting existing customers into it.`);
      onSaved(s);
    } catch (e) {
      setPreview({ problems: e instanceof ApiError && e.details.length ? ruleIssueWords(e.details) : [describeError(e as Error)] });
    }
  };
  return (
    <Card title={id ? "Rule" : "New custom segment"}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div class="row">
          {!id && (
            <label class="field">
              <span class="field-label">Id</span>
              <input value={newId} onInput={(e) => setNewId(e.currentTarget.value.trim())} placeholder="vip-sneaker-fans" aria-invalid={newId !== "" && idProblem !== null} spellcheck={false} />
              {newId && idProblem && <span class="field-error">{idProblem}</span>}
            </label>
          )}
          <label class="field">
            <span class="field-label">Name</span>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="VIP sneaker fans" />
          </label>
        </div>
        <div class="field">
          <span class="field-label" id="add-test">
            Add a test
          </span>
          <div class="chips flat" role="group" aria-labelledby="add-test">
            {Object.keys(RULE_TESTS).map((label) => (
              <button type="button" class="chip chip-button" key={label} onClick={() => add(label)}>
                + {label}
              </button>
            ))}
          </div>
        </div>
        <label class="field">
          <span class="field-label">Rule (JSON: tests joined by and, or, not)</span>
          <textarea class="code" rows={12} value={text} spellcheck={false} onInput={(e) => setText(e.currentTarget.value)} aria-describedby="rule-preview" />
        </label>
        <div id="rule-preview" class="preview" aria-live="polite">
          {preview.problems ? (
            <ul class="field-error">
              {preview.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : preview.result ? (
            <p>
              <b>{previewWords(preview.result)}</b> {preview.busy && <span class="muted small">Updating…</span>}
            </p>
          ) : (
            <p class="muted">Working out the size…</p>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={"problem" in parsed || (!id && !newId)}>
            {id ? "Save as a new version" : "Create segment"}
          </button>
          {saved && <span class="notice-inline notice-good">{saved}</span>}
        </div>
      </form>
    </Card>
  );
}

function BuiltinSettings({ segment, onSaved }: { segment: SegmentDetail; onSaved: (s: SegmentDetail) => void }) {
  const [params, setParams] = useState(segment.params ?? {});
  const [note, setNote] = useState<{ good: boolean; text: string } | null>(null);
  if (!Object.keys(params).length) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const { segment: s } = await saveSegment(segment.id, { params });
      setNote({ good: true, text: `Saved as version ${s.version}.` });
      onSaved(s);
    } catch (error) {
      setNote({ good: false, text: error instanceof ApiError && error.details.length ? ruleIssueWords(error.details.map((d) => ({ ...d, path: `rule.${d.path}` }))).join(" ") : describeError(error as Error) });
    }
  };
  return (
    <Card title="Settings">
      <form class="row settings" onSubmit={save}>
        {Object.entries(params).map(([key, value]) => (
          <label class="field" key={key}>
            <span class="field-label">{humanize(key)}</span>
            <input type="number" step="any" value={value} onInput={(e) => setParams({ ...params, [key]: e.currentTarget.valueAsNumber })} />
          </label>
        ))}
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            Save
          </button>
          {note && <span class={`notice-inline ${note.good ? "notice-good" : "notice-bad"}`}>{note.text}</span>}
        </div>
      </form>
    </Card>
  );
}

export function SegmentPage() {
  const id = useRoute().params.id ?? "";
  const { route } = useLocation();
  const detail = useApi(id === "new" ? null : `segment:${id}`, (signal) => fetchSegment(id, signal).then((d) => d.segment));
  if (id === "new")
    return (
      <>
        <PageHeader title="New segment" subtitle="Describe who belongs in it; the preview says how many customers match now." />
        <RuleEditor id={null} segment={null} onSaved={(s) => route(`/dashboard/segments/${s.id}`)} />
      </>
    );
  if (detail.state !== "ready") return <><PageHeader title="Segment" subtitle={id} /><Loaded resource={detail} rows={6}>{() => null}</Loaded></>;
  const s = detail.data;
  const backfill = s.backfill;
  return (
    <>
      <PageHeader title={s.name} subtitle={s.description?.replace(/`(\w+)`/g, (_, key: string) => formatNumber(s.params?.[key] ?? 0)) ?? `Custom segment ${s.id} · version ${s.version}`} />
      <dl class="stats">
        <div class="stat">
          <dt>Customers</dt>
          <dd>{formatNumber(s.size)}</dd>
        </div>
        {backfill && (
          <div class="stat">
            <dt>Sorting existing customers</dt>
            <dd>{backfill.status === "done" ? "Done" : `${formatPercent(backfill.total ? backfill.processed / backfill.total : 0)}`}</dd>
            <dd class="muted small">
              {formatNumber(backfill.processed)} of {formatNumber(backfill.total)} for version {backfill.version}
            </dd>
          </div>
        )}
      </dl>
      <History segment={s} />
      {s.kind === "custom" ? <RuleEditor id={s.id} segment={s} onSaved={() => detail.reload()} /> : <BuiltinSettings segment={s} onSaved={() => detail.reload()} />}
      <Members id={s.id} />
    </>
  );
}
