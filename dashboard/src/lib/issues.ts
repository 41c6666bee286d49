// The API's validation details (`{"path": "steps.1.delay_minutes", "message": "Too big: …"}`) in words
// a marketer reads next to the field: which setting, and what it must be.
import type { FieldIssue } from "../api/client.ts";
import { formatNumber } from "./format.ts";

const FIELD_LABELS: Record<string, string> = {
  steps: "Steps",
  delay_minutes: "delay",
  cooldown_hours: "Cool-down",
  expires_after_hours: "Give up after",
  channels: "Channels",
  cascade_wait_hours: "Wait before the next channel",
  min_views: "Views before it counts",
  min_drop_percent: "Smallest price drop",
  interest_days: "Interest window",
  entry_events: "Starting events",
  caps: "Frequency caps",
  max_messages: "messages",
  window_days: "window",
  min_gap_hours: "minimum gap",
  quiet_hours: "Quiet hours",
  start: "start",
  end: "end",
  default_time_zone: "Default time zone",
  cascade: "Channel cascade",
  wait_hours: "wait",
  preference_trait: "Preference trait",
  opt_in_channels: "Opt-in channels",
};

/** Units of the numbers the API checks, so "at most 129600" reads "at most 129,600 minutes". */
const UNITS: Record<string, string> = {
  delay_minutes: "minutes",
  cooldown_hours: "hours",
  expires_after_hours: "hours",
  cascade_wait_hours: "hours",
  wait_hours: "hours",
  min_gap_hours: "hours",
  window_days: "days",
  interest_days: "days",
  min_drop_percent: "%",
};

/** "steps.1.delay_minutes" → "Step 2 delay"; "caps.0.window_days" → "Frequency cap 1 window". */
export function fieldLabel(path: string): string {
  const parts = path.split(".").filter(Boolean);
  if (parts.length === 0) return "This";
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (next !== undefined && /^\d+$/.test(next)) {
      const label = FIELD_LABELS[part] ?? part;
      words.push(`${label.replace(/s$/, "")} ${Number(next) + 1}`);
      i++;
    } else words.push(FIELD_LABELS[part] ?? part.replace(/_/g, " "));
  }
  return words.join(" ");
}

/** zod's wording → plain words, with the number formatted and its unit. */
export function issueMessage(issue: FieldIssue): string {
  const unit = UNITS[issue.path.split(".").pop() ?? ""];
  const withUnit = (n: string) => `${formatNumber(Number(n))}${unit ? (unit === "%" ? "%" : ` ${unit}`) : ""}`;
  const m = issue.message;
  let words: string;
  let match: RegExpExecArray | null;
  if ((match = /Too small: expected number to be >=?(-?[\d.]+)/.exec(m))) words = `must be at least ${withUnit(match[1]!)}`;
  else if ((match = /Too big: expected number to be <=?(-?[\d.]+)/.exec(m))) words = `must be at most ${withUnit(match[1]!)}`;
  else if ((match = /Too small: expected array to have >=?(\d+)/.exec(m))) words = `needs at least ${match[1]}`;
  else if ((match = /Too big: expected array to have <=?(\d+)/.exec(m))) words = `can have at most ${match[1]}`;
  else if (/expected int/.test(m)) words = "must be a whole number";
  else if (/expected number/.test(m)) words = "must be a number";
  else if (/Unrecognized key/.test(m)) words = "is not a setting Seam knows";
  // The API's own sentences ("step delays must not decrease") stand after the setting's name.
  else return `${fieldLabel(issue.path)}: ${m.charAt(0).toLowerCase() + m.slice(1)}.`;
  return `${fieldLabel(issue.path)} ${words}.`;
}

/** Issues by the top-level field they belong to, for messages next to each input. */
export function issuesByField(issues: FieldIssue[]): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const issue of issues) {
    const field = issue.path.split(".").slice(0, 2).join(".") || "";
    byField.set(field, [...(byField.get(field) ?? []), issueMessage(issue)]);
  }
  return byField;
}
