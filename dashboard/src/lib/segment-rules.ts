// The segment editor's pure parts: the rule text read as JSON (its problem in words), the API's
// validation details in words, tests to start from, and a segment's size per day from its entries
// and exits.
import type { FieldIssue } from "../api/client.ts";

/** Tests a marketer adds to a rule, each a working example of its kind (worker/src/segments/rules.ts). */
export const RULE_TESTS: Record<string, unknown> = {
  "Bought": { bought: { category: "Sneakers", min_count: 1, within_days: 90 } },
  "Spent": { spend: { gte: 200, within_days: 365 } },
  "Viewed": { viewed: { category: "Mugs", min_views: 3, within_days: 14 } },
  "Did an event": { event: { name: "Signed Up", min_count: 1, within_days: 30 } },
  "Trait": { trait: { key: "plan", eq: "gold" } },
  "Channel": { channel: { name: "app", min_count: 3, within_days: 30 } },
  "Consent": { consent: { channel: "email", granted: true } },
  "Cart": { cart: { min_items: 1, idle_minutes: 60 } },
  "In segment": { segment: "recent_buyers" },
  "Not": { not: { bought: {} } },
};

/** The rule in the editor, parsed; or why it cannot be read, in words. */
export function parseRule(text: string): { rule: unknown } | { problem: string } {
  if (!text.trim()) return { problem: "The rule is empty: add a test." };
  try {
    return { rule: JSON.parse(text) };
  } catch (error) {
    const where = /position (\d+)/.exec((error as Error).message);
    const line = where ? text.slice(0, Number(where[1])).split("\n").length : null;
    return { problem: `The rule is not valid JSON${line ? ` (line ${line})` : ""}: check for a missing comma, quote or bracket.` };
  }
}

/** `rule.and.1.spend` → "Test 2 (spend)"; `rule` → "The rule". */
function ruleWhere(path: string): string {
  const parts = path.split(".").slice(1);
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (/^\d+$/.test(parts[i]!)) words.push(`test ${Number(parts[i]) + 1}`);
    else if (!["and", "or", "not"].includes(parts[i]!) || i === parts.length - 1) words.push(parts[i]!.replace(/_/g, " "));
  }
  const text = words.join(", ");
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : "The rule";
}

/** The API's details about a rule in words, one line per place (zod's bare "Invalid input" left out where a reason exists). */
export function ruleIssueWords(issues: FieldIssue[]): string[] {
  const lines = new Map<string, string[]>();
  for (const issue of issues) lines.set(issue.path, [...(lines.get(issue.path) ?? []), issue.message]);
  return [...lines].map(([path, messages]) => {
    const reasons = messages.length > 1 ? messages.filter((m) => m !== "Invalid input") : messages;
    const words = reasons.map((m) => m.replace(/^Unrecognized key: "?([^"]+)"?/, "“$1” is not something a rule can test").replace(/^Invalid input$/, "is not a test Seam knows"));
    return `${ruleWhere(path)}: ${words.join("; ")}.`;
  });
}

/**
 * Each of `days` (ascending YYYY-MM-DD) with its entries, exits and the segment's size at its end,
 * worked back from the size now (a day with no change keeps the size of the day after it).
 */
export function sizesByDay(sizeNow: number, changes: { date: string; entered: number; exited: number }[], days: string[]) {
  const byDate = new Map(changes.map((c) => [c.date, c]));
  const out: { date: string; size: number; entered: number; exited: number }[] = [];
  let size = sizeNow;
  for (let i = days.length - 1; i >= 0; i--) {
    const change = byDate.get(days[i]!) ?? { entered: 0, exited: 0 };
    out.unshift({ date: days[i]!, size: Math.max(0, size), entered: change.entered, exited: change.exited });
    size -= change.entered - change.exited;
  }
  return out;
}
