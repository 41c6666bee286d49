// Numbers, money and dates in the browser's own locale and time zone (Intl), one formatter each, made once.

const numberFormat = new Intl.NumberFormat(undefined);
const amountFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percentFormat = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const moneyFormats = new Map<string, Intl.NumberFormat>();

export const formatNumber = (n: number): string => numberFormat.format(n);
/** Revenue summed across orders (the reports keep no currency): whole units. */
export const formatAmount = (n: number): string => amountFormat.format(n);
export const formatPercent = (ratio: number): string => percentFormat.format(ratio);

/** An amount in its currency; without one, a plain number (Seam keeps what the store sent). */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  if (!currency) return numberFormat.format(amount);
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      // A currency code Intl does not know: the number and the code as sent.
      return `${numberFormat.format(amount)} ${currency}`;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(amount);
}

const toDate = (value: string | number | Date) => (value instanceof Date ? value : new Date(value));

export const formatDateTime = (value: string | number | Date): string => dateTimeFormat.format(toDate(value));
export const formatDate = (value: string | number | Date): string => dateFormat.format(toDate(value));
export const formatDay = (value: string | number | Date): string => dayFormat.format(toDate(value));
export const formatTime = (value: string | number | Date): string => timeFormat.format(toDate(value));

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];

/** "3 hours ago", "in 2 days": the largest unit that fits. */
export function formatRelative(value: string | number | Date, now = Date.now()): string {
  const diff = toDate(value).getTime() - now;
  for (const [unit, ms] of RELATIVE_UNITS) if (Math.abs(diff) >= ms) return relativeFormat.format(Math.round(diff / ms), unit);
  return relativeFormat.format(Math.round(diff / 1000), "second");
}

/** A delay in minutes in the largest whole unit: "45 min", "2 h", "3 days". */
export function formatDelay(minutes: number): string {
  if (minutes === 0) return "at once";
  if (minutes % (24 * 60) === 0) return new Intl.NumberFormat(undefined, { style: "unit", unit: "day", unitDisplay: "long" }).format(minutes / (24 * 60));
  if (minutes % 60 === 0) return new Intl.NumberFormat(undefined, { style: "unit", unit: "hour", unitDisplay: "long" }).format(minutes / 60);
  return new Intl.NumberFormat(undefined, { style: "unit", unit: "minute", unitDisplay: "long" }).format(minutes);
}

/** Channel and template ids as words: `call_centre` → "Call centre", `abandoned_cart` → "Abandoned cart". */
export function humanize(id: string): string {
  const words = id.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const CHANNEL_NAMES: Record<string, string> = { sms: "SMS", pos: "Shop (POS)", app: "App", web: "Web", call_centre: "Call centre", server: "Backend" };
export const channelName = (channel: string): string => CHANNEL_NAMES[channel] ?? humanize(channel);
