// When a message may go: the first time that keeps every frequency cap and falls outside quiet hours.
import { frequencyCapAllows, type SentMessage } from "./caps.ts";
import type { MessageChannel } from "./definitions.ts";
import type { MessagingPolicy } from "./policy.ts";
import { quietHoursEnd } from "./quiet-hours.ts";

/** Caps and quiet hours push each other forward; a few rounds always settle (each only moves later). */
const MAX_ROUNDS = 8;

export interface SendWindow {
  /** The first allowed time (`now` when the message may go at once). */
  at: number;
  /** What pushed it later, for the schedule row's reason: `cap:*`, `cap:email`, `quiet_hours`. */
  reasons: string[];
}

export function nextSendTime(
  now: number,
  channel: MessageChannel,
  sent: readonly SentMessage[],
  policy: Pick<MessagingPolicy, "caps" | "quiet_hours">,
  timeZone: string,
): SendWindow {
  let at = now;
  const reasons = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const cap = frequencyCapAllows(sent, policy.caps, channel, at);
    if (!cap.allowed) {
      reasons.add(`cap:${cap.rule.channel}`);
      at = cap.retryAt;
    }
    const quiet = quietHoursEnd(at, policy.quiet_hours, timeZone);
    if (quiet !== at) {
      reasons.add("quiet_hours");
      at = quiet;
      continue;
    }
    if (cap.allowed) break;
  }
  return { at, reasons: [...reasons] };
}
