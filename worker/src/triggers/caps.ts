// Frequency caps across channels and campaigns: rolling windows and minimum gaps, per channel and global.
import { DAY_MS, HOUR_MS, type MessageChannel } from "./definitions.ts";
import { type CapRule } from "./policy.ts";

/** A message that counts against caps: handed to the queue at `at` on `channel`. */
export interface SentMessage {
  channel: MessageChannel;
  at: number;
}

export type CapDecision = { allowed: true } | { allowed: false; retryAt: number; rule: CapRule };

const applies = (rule: CapRule, channel: MessageChannel) => rule.channel === "*" || rule.channel === channel;

/**
 * Whether one more message on `channel` at `now` keeps every rule, and if not, the first time
 * at which the most restrictive broken rule allows it. A rolling window ("N per 7 days") frees
 * up when the oldest message in it ages out; a gap ("3 days apart") when the latest one is old
 * enough. Messages stamped after `now` (a clock that went back) still count: a gap is measured
 * both ways, so no pair of messages ever lands closer than the gap.
 */
export function frequencyCapAllows(sent: readonly SentMessage[], rules: readonly CapRule[], channel: MessageChannel, now: number): CapDecision {
  let worst: { retryAt: number; rule: CapRule } | undefined;
  for (const rule of rules) {
    if (!applies(rule, channel)) continue;
    const relevant = sent.filter((m) => applies(rule, m.channel)).map((m) => m.at).sort((a, b) => a - b);
    let retryAt = now;
    if (rule.max_messages !== undefined && rule.window_days !== undefined) {
      const window = rule.window_days * DAY_MS;
      const inWindow = relevant.filter((at) => at > now - window);
      if (inWindow.length >= rule.max_messages) {
        // The message that must age out for one slot to free up.
        retryAt = Math.max(retryAt, inWindow[inWindow.length - rule.max_messages]! + window);
      }
    }
    if (rule.min_gap_hours !== undefined && rule.min_gap_hours > 0) {
      const gap = rule.min_gap_hours * HOUR_MS;
      const close = relevant.filter((at) => Math.abs(now - at) < gap);
      if (close.length) retryAt = Math.max(retryAt, Math.max(...close) + gap);
    }
    if (retryAt > now && (!worst || retryAt > worst.retryAt)) worst = { retryAt, rule };
  }
  return worst ? { allowed: false, ...worst } : { allowed: true };
}

/** How far back sent messages matter: the longest window or gap of any rule. */
export function capHorizonMs(rules: readonly CapRule[]): number {
  return Math.max(0, ...rules.map((c) => Math.max((c.window_days ?? 0) * DAY_MS, (c.min_gap_hours ?? 0) * HOUR_MS)));
}
