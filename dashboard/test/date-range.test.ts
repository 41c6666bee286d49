// The date-range picker's ranges: local calendar days, presets counted with today, problems in words.
import { describe, expect, it } from "vitest";
import { daysOf, lastDays, rangeBounds, rangeDays, rangeFromQuery, rangeProblem } from "../src/lib/date-range.ts";

const today = new Date(2026, 2, 31, 15, 30); // 31 March 2026, afternoon, local time

describe("date ranges", () => {
  it("presets end today and count today", () => {
    expect(lastDays(7, today)).toEqual({ from: "2026-03-25", to: "2026-03-31" });
    expect(rangeDays(lastDays(30, today))).toBe(30);
  });

  it("says what is wrong with a range", () => {
    expect(rangeProblem({ from: "2026-03-10", to: "2026-03-01" }, today)).toBe("The start must not be after the end.");
    expect(rangeProblem({ from: "2026-02-30", to: "2026-03-01" }, today)).toBe("The start is not a date.");
    expect(rangeProblem({ from: "2024-01-01", to: "2026-03-01" }, today)).toBe("A range can span at most 366 days.");
    expect(rangeProblem({ from: "2026-04-02", to: "2026-04-03" }, today)).toBe("The range starts in the future.");
    expect(rangeProblem({ from: "2026-03-01", to: "2026-03-31" }, today)).toBeNull();
  });

  it("takes a valid range from the page's query, else the default 30 days", () => {
    expect(rangeFromQuery({ from: "2026-03-01", to: "2026-03-05" }, today)).toEqual({ from: "2026-03-01", to: "2026-03-05" });
    expect(rangeFromQuery({ from: "nope" }, today)).toEqual(lastDays(30, today));
  });

  it("covers whole local days, across a daylight-saving change", () => {
    const range = { from: "2026-03-28", to: "2026-03-30" };
    const { start, end } = rangeBounds(range);
    expect(new Date(start).getHours()).toBe(0);
    expect(new Date(end)).toEqual(new Date(2026, 2, 31));
    expect(daysOf(range).map((d) => new Date(d).getDate())).toEqual([28, 29, 30]);
  });
});
