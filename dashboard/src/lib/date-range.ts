// Date ranges as the report API takes them (issue 12: `from`/`to` as YYYY-MM-DD, both days included),
// chosen in the browser's own calendar; presets, parsing from the URL, and the instants they span.

export interface DateRange {
  from: string;
  to: string;
}

/** The longest range a picker accepts: a year and a day (a leap year's Jan 1 → Jan 1). */
export const MAX_RANGE_DAYS = 366;
export const PRESET_DAYS = [7, 30, 90] as const;
export const DEFAULT_PRESET_DAYS = 30;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local calendar day as YYYY-MM-DD (not toISOString: that is the UTC day). */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Midnight at the start of a YYYY-MM-DD in the browser's time zone; null if it is no real day. */
export function parseDay(day: string): Date | null {
  const match = DAY_PATTERN.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return isoDay(date) === day ? date : null;
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** The last `days` days, today included. */
export function lastDays(days: number, today: Date): DateRange {
  return { from: isoDay(addDays(today, -(days - 1))), to: isoDay(today) };
}

/** Days in a range, both ends included. */
export function rangeDays(range: DateRange): number {
  const from = parseDay(range.from);
  const to = parseDay(range.to);
  if (!from || !to) return 0;
  // Rounded: a day across a daylight-saving change is 23 or 25 hours.
  return Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
}

/** Why a range cannot be used, in words; null when it can. */
export function rangeProblem(range: DateRange, today: Date): string | null {
  if (!parseDay(range.from)) return "The start is not a date.";
  if (!parseDay(range.to)) return "The end is not a date.";
  const days = rangeDays(range);
  if (days < 1) return "The start must not be after the end.";
  if (days > MAX_RANGE_DAYS) return `A range can span at most ${MAX_RANGE_DAYS} days.`;
  if (range.from > isoDay(today)) return "The range starts in the future.";
  return null;
}

/** The range in a page's query (`?from=&to=`), else the default preset. */
export function rangeFromQuery(query: Record<string, string | undefined>, today: Date): DateRange {
  const range = { from: query.from ?? "", to: query.to ?? "" };
  return rangeProblem(range, today) === null ? range : lastDays(DEFAULT_PRESET_DAYS, today);
}

/** The instants a range covers in this browser's time zone: [start of `from`, start of the day after `to`). */
export function rangeBounds(range: DateRange): { start: number; end: number } {
  return { start: parseDay(range.from)!.getTime(), end: addDays(parseDay(range.to)!, 1).getTime() };
}

/** Each day's start (ms) from `from` to `to`. */
export function daysOf(range: DateRange): number[] {
  const from = parseDay(range.from)!;
  return Array.from({ length: rangeDays(range) }, (_, i) => addDays(from, i).getTime());
}
