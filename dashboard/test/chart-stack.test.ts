// Stacked bars: each series' bar reaches the running total, so drawing the tallest first stacks them.
import { describe, expect, it } from "vitest";
import { stack } from "../src/components/Chart.tsx";

describe("chart stacking", () => {
  it("sums the series point by point, a missing value counting as 0", () => {
    const series = [
      { label: "Email", color: "#000", values: [1, 2, null] },
      { label: "SMS", color: "#111", values: [3, null, 4] },
    ];
    expect(stack(series)).toEqual([
      [1, 2, 0],
      [4, 2, 4],
    ]);
  });
});
