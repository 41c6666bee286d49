// The merge rule for two profiles' messaging history: trigger runs, planned steps and sent
// messages go with the person, so "once per customer", cool-downs and caps hold across a sign-in.
import type { MessageLogRow, ScheduleRowRecord, TriggerRunRow } from "../customer/rows.ts";
import { CAPS } from "../customer/schema.ts";

/** A customer object's messaging tables, as stored. */
export interface MessagingSnapshot {
  runs: TriggerRunRow[];
  schedule: ScheduleRowRecord[];
  messages: MessageLogRow[];
}

export const EMPTY_MESSAGING: MessagingSnapshot = { runs: [], schedule: [], messages: [] };

/**
 * What `from` (a visitor merged into a customer) adds to `into`:
 * - runs: every run `into` does not have (by run id, so a welcome series the visitor started is
 *   the customer's, and the customer's sign-up does not start it again); on a clash `into`'s wins.
 *   A run with a message being sent right now stays with `from`, which finishes that send (taking
 *   the run without its next step would leave it active with nothing planned);
 * - schedule: the pending steps and hops of the runs taken over, so a series carries on;
 * - messages: every message `into` does not have (caps and channel learning count them).
 * Bounded like every list: the newest rows are kept.
 */
export function messagingAdditions(into: MessagingSnapshot, from: MessagingSnapshot): MessagingSnapshot {
  const intoRuns = new Set(into.runs.map((r) => r.run_id));
  const sending = new Set(from.schedule.filter((r) => r.status === "sending").map((r) => r.run_id));
  const runs = from.runs.filter((r) => !intoRuns.has(r.run_id) && !sending.has(r.run_id));
  const taken = new Set(runs.map((r) => r.run_id));
  const intoRows = new Set(into.schedule.map((r) => r.id));
  const schedule = from.schedule.filter((r) => taken.has(r.run_id) && r.status === "pending" && !intoRows.has(r.id));
  const intoMessages = new Set(into.messages.map((m) => m.message_id));
  const messages = from.messages
    .filter((m) => !intoMessages.has(m.message_id))
    .sort((a, b) => b.queued_at - a.queued_at)
    .slice(0, CAPS.messageLog);
  const pending = new Set(schedule.map((r) => r.run_id));
  const kept = runs
    .sort((a, b) => b.updated_at - a.updated_at)
    .filter((r, i) => r.status === "active" || pending.has(r.run_id) || i < CAPS.triggerRuns);
  return { runs: kept, schedule, messages };
}
