// Quiet hours in the customer's own time zone, and which time zone that is.
import { MINUTE_MS } from "./definitions.ts";
import { isTimeZone, type QuietHours } from "./policy.ts";

/** One formatter per time zone: bounded by the IANA list, since only a zone customerTimeZone accepted reaches it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock minute of the day (0–1439) at `at` in `timeZone`, and the seconds past it. */
export function localTimeOfDay(at: number, timeZone: string): { minute: number; secondsMs: number } {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { minute: get("hour") * 60 + get("minute"), secondsMs: get("second") * 1000 + (at % 1000) };
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function inWindow(minute: number, start: number, end: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The first instant at or after `at` outside the quiet hours, in `timeZone`. Outside them, `at`
 * itself. Walks by local wall-clock minutes and checks again, so a daylight-saving jump inside
 * the window cannot land the message an hour early.
 */
export function quietHoursEnd(at: number, quiet: QuietHours | null, timeZone: string): number {
  if (!quiet) return at;
  const start = minuteOf(quiet.start);
  const end = minuteOf(quiet.end);
  let t = at;
  for (let i = 0; i < 3; i++) {
    const { minute, secondsMs } = localTimeOfDay(t, timeZone);
    if (!inWindow(minute, start, end)) return t;
    t = t - secondsMs + (((end - minute + 1440) % 1440) || 1440) * MINUTE_MS;
  }
  return t;
}

/**
 * The customer's time zone: what the SDK reported (Segment's `context.timezone`), else the time
 * zone of the edge that received their request, else the workspace default. Invalid names are
 * skipped, never trusted.
 */
export function customerTimeZone(sdk: string | undefined, edge: string | undefined, fallback: string): string {
  for (const candidate of [sdk, edge]) if (candidate && isTimeZone(candidate)) return candidate;
  return isTimeZone(fallback) ? fallback : "UTC";
}
