// The report pages' pure pieces: a timeseries answer as chart columns, and the model read from the URL.
import { describe, expect, it } from "vitest";
import { modelFromQuery, daySeconds } from "../src/lib/report-query.ts";
import { timeseriesChart } from "../src/pages/Overview.tsx";

describe("report views", () => {
  it("turns a timeseries answer into one x per day and one stacked series per channel, in the answer's order", () => {
    const chart = timeseriesChart({
      metric: "revenue",
      by: "channel",
      model: "linear",
      from: "2026-11-01",
      to: "2026-11-02",
      series: [
        { key: "email", total: 30, points: [{ date: "2026-11-01", value: 10 }, { date: "2026-11-02", value: 20 }] },
        { key: "social", total: 5, points: [{ date: "2026-11-01", value: 0 }, { date: "2026-11-02", value: 5 }] },
      ],
    });
    expect(chart.x).toEqual([daySeconds("2026-11-01"), daySeconds("2026-11-02")]);
    expect(chart.x[1]! - chart.x[0]!).toBe(86_400);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ["Email", [10, 20]],
      ["Social", [0, 5]],
    ]);
    // A channel keeps its own colour; another key gets one no channel uses.
    expect(chart.series[0]!.color).toBe("#4f46e5");
    expect(chart.series[1]!.color).not.toBe("#4f46e5");
  });

  it("reads the attribution model from the URL, last touch when it is missing or unknown", () => {
    expect(modelFromQuery("position_based")).toBe("position_based");
    expect(modelFromQuery(undefined)).toBe("last_touch");
    expect(modelFromQuery("u-shaped")).toBe("last_touch");
  });
});
