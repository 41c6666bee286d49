// A time-series chart drawn by uPlot (canvas; see README "Dashboard" for why uPlot), with its own
// legend, a tooltip that follows the cursor, and the same numbers as a table for keyboards and
// screen readers. Used by the Messages page today and by the report pages when issue 12 lands.
import { useEffect, useMemo, useRef } from "preact/hooks";
import uPlot from "uplot";
import { formatDay, formatNumber } from "../lib/format.ts";

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per point of `x`; null where there is no value. */
  values: (number | null)[];
}

export interface ChartProps {
  /** The chart's accessible name and caption. */
  title: string;
  /** Unix times in seconds, ascending (a day's start for daily data). */
  x: number[];
  series: ChartSeries[];
  /** Bars stacked per point (counts per day), or one line per series (rates, money). */
  kind?: "stacked-bars" | "lines";
  height?: number;
  formatValue?: (value: number) => string;
  formatX?: (seconds: number) => string;
}

const AXIS = { stroke: "#667085", grid: { stroke: "#eef0f3", width: 1 }, ticks: { show: false }, font: "12px system-ui, sans-serif" };

/** Running sums per point, so each series' bar reaches the top of its share of the stack. */
export function stack(series: ChartSeries[]): (number | null)[][] {
  const sums: (number | null)[][] = [];
  series.forEach((s, k) => sums.push(s.values.map((v, i) => (k === 0 ? (v ?? 0) : (sums[k - 1]![i] ?? 0) + (v ?? 0)))));
  return sums;
}

/** Axis and table labels of a daily series: the day, in the browser's locale (x is in seconds). */
const formatDaySeconds = (seconds: number) => formatDay(seconds * 1000);

export function Chart({ title, x, series, kind = "lines", height = 240, formatValue = formatNumber, formatX = formatDaySeconds }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const tooltip = useRef<HTMLDivElement>(null);
  const totals = useMemo(() => series.map((s) => s.values.reduce<number>((sum, v) => sum + (v ?? 0), 0)), [series]);

  useEffect(() => {
    const target = container.current;
    if (!target) return;
    const stacked = kind === "stacked-bars";
    // Stacked bars: the tallest (running total) is drawn first, each share over it, so the bars stack.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const columns = stacked ? stack(series) : series.map((s) => s.values);
    const bars = uPlot.paths.bars!({ size: [0.7, 48], gap: 2 });
    const options: uPlot.Options = {
      width: target.clientWidth || 600,
      height,
      legend: { show: false },
      cursor: { points: { show: !stacked }, drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...AXIS, values: (_u, splits) => splits.map((s) => formatX(s)) },
        { ...AXIS, size: 56, values: (_u, splits) => splits.map((s) => formatValue(s)) },
      ],
      series: [
        {},
        ...order.map((i) => ({
          label: series[i]!.label,
          stroke: series[i]!.color,
          width: stacked ? 0 : 2,
          fill: stacked ? series[i]!.color : `${series[i]!.color}1a`,
          ...(stacked ? { paths: bars, points: { show: false } } : { points: { size: 5 } }),
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const tip = tooltip.current;
            const idx = u.cursor.idx;
            if (!tip) return;
            if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              tip.hidden = true;
              return;
            }
            const rows = series.map((s) => `<span class="tip-row"><i style="background:${s.color}"></i>${escapeText(s.label)}<b>${escapeText(formatValue(s.values[idx] ?? 0))}</b></span>`);
            tip.innerHTML = `<span class="tip-title">${escapeText(formatX(x[idx]!))}</span>${rows.join("")}`;
            tip.hidden = false;
            const left = Math.min(Math.max(u.cursor.left + u.bbox.left / devicePixelRatio + 12, 0), target.clientWidth - tip.offsetWidth);
            tip.style.transform = `translate(${left}px, 8px)`;
          },
        ],
      },
    };
    const plot = new uPlot(options, [x, ...order.map((i) => columns[i]!)] as uPlot.AlignedData, target);
    const resize = new ResizeObserver(() => plot.setSize({ width: target.clientWidth, height }));
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, kind, height, formatValue, formatX]);

  const summary = `${title}: ${series.map((s, i) => `${s.label} ${formatValue(totals[i]!)}`).join(", ")}`;
  return (
    <figure class="chart">
      <figcaption class="visually-hidden">{title}</figcaption>
      <ul class="chart-legend" aria-label="Totals">
        {series.map((s, i) => (
          <li key={s.label}>
            <i style={{ background: s.color }} aria-hidden="true" />
            {s.label} <b>{formatValue(totals[i]!)}</b>
          </li>
        ))}
      </ul>
      <div class="chart-plot" role="img" aria-label={summary} style={{ minHeight: `${height}px` }}>
        <div ref={container} />
        <div ref={tooltip} class="chart-tooltip" hidden aria-hidden="true" />
      </div>
      <details class="chart-table">
        <summary>Show the numbers</summary>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Date</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {x.map((t, i) => (
                <tr key={t}>
                  <th scope="row">{formatX(t)}</th>
                  {series.map((s) => (
                    <td key={s.label}>{formatValue(s.values[i] ?? 0)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
