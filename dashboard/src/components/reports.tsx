// Pieces the report pages share: the attribution model switch, headline figures, a sortable table,
// and proportional bars (funnel steps, leads by source).
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ATTRIBUTION_MODELS, type AttributionModel } from "../api/reports.ts";
import { formatNumber, formatPercent } from "../lib/format.ts";
import { MODEL_NAMES } from "../lib/report-query.ts";

/** A set of pressed-state buttons, one pressed: the attribution model, a metric. */
export function Toggle<T extends string>({ label, options, value, names, onChange }: { label: string; options: readonly T[]; value: T; names: Record<T, string>; onChange: (v: T) => void }) {
  return (
    <div class="segmented" role="group" aria-label={label}>
      {options.map((o) => (
        <button type="button" key={o} aria-pressed={o === value} onClick={() => onChange(o)}>
          {names[o]}
        </button>
      ))}
    </div>
  );
}

export function ModelSwitch({ value, onChange }: { value: AttributionModel; onChange: (m: AttributionModel) => void }) {
  return <Toggle label="Attribution model" options={ATTRIBUTION_MODELS} value={value} names={MODEL_NAMES} onChange={onChange} />;
}

export interface Stat {
  label: string;
  value: string;
  note?: string;
}

/** The headline figures of a page, in a row of tiles. */
export function Stats({ stats }: { stats: Stat[] }) {
  return (
    <dl class="stats">
      {stats.map((s) => (
        <div class="stat" key={s.label}>
          <dt>{s.label}</dt>
          <dd>{s.value}</dd>
          {s.note && <dd class="muted small">{s.note}</dd>}
        </div>
      ))}
    </dl>
  );
}

export interface Column<Row> {
  key: string;
  label: string;
  /** The value sorted by (numbers sort largest first on the first click). */
  value: (row: Row) => number | string | null;
  render?: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

const rate = (n: number | null) => (n === null ? "—" : formatPercent(n));

/** A table whose column headers sort it (a button in each header; aria-sort says the order). */
export function SortableTable<Row>({ caption, columns, rows, rowKey, initialSort }: { caption: string; columns: Column<Row>[]; rows: Row[]; rowKey: (row: Row) => string; initialSort?: string }) {
  const [sort, setSort] = useState<{ key: string; descending: boolean }>({ key: initialSort ?? columns[0]!.key, descending: true });
  const column = columns.find((c) => c.key === sort.key) ?? columns[0]!;
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [column.value(a), column.value(b)];
    const order = x === null ? (y === null ? 0 : -1) : y === null ? 1 : typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sort.descending ? -order : order;
  });
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table class="table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = c.key === sort.key;
              return (
                <th scope="col" key={c.key} class={c.numeric ? "num" : undefined} aria-sort={active ? (sort.descending ? "descending" : "ascending") : undefined}>
                  <button type="button" class="sort" onClick={() => setSort({ key: c.key, descending: active ? !sort.descending : true })}>
                    {c.label}
                    <span aria-hidden="true">{active ? (sort.descending ? " ↓" : " ↑") : ""}</span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c, i) => {
                const content = c.render ? c.render(row) : c.numeric ? formatNumber(Number(c.value(row) ?? 0)) : c.value(row);
                return i === 0 ? (
                  <th scope="row" key={c.key}>
                    {content}
                  </th>
                ) : (
                  <td key={c.key} class={c.numeric ? "num" : undefined}>
                    {content}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const rateColumn = <Row,>(key: string, label: string, of: (row: Row) => number | null): Column<Row> => ({ key, label, numeric: true, value: of, render: (row) => rate(of(row)) });

/** Horizontal bars, each as long as its share of the largest; the value and an optional note beside it. */
export function Bars({ label, items, format = formatNumber }: { label: string; items: { key: string; label: string; value: number; note?: string }[]; format?: (n: number) => string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ol class="bars" aria-label={label}>
      {items.map((item) => (
        <li key={item.key}>
          <span class="bar-label">{item.label}</span>
          <span class="bar-track" aria-hidden="true">
            <span class="bar-fill" style={{ width: `${(item.value / max) * 100}%` }} />
          </span>
          <span class="bar-value">
            {format(item.value)}
            {item.note && <span class="muted small"> {item.note}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
