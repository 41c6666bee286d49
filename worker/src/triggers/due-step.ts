// What happens to a schedule row that came due: send it (on which channel), move it to the first
// allowed time, drop it, cancel it, or end its run. A pure decision over plain facts, pulled out of
// the CustomerDO so every branch is tested directly (worker/test/due-step-decisions.test.ts);
// customer/messaging.ts gathers the facts, asks, and carries the answer out.
import { audienceAllows } from "./audience.ts";
import type { SentMessage } from "./caps.ts";
import { channelOrder, firstSendableChannel, type ChannelEngagement, type ChosenBy, type Contact } from "./channels.ts";
import { HOUR_MS, type MessageChannel, type TriggerDefinition } from "./definitions.ts";
import { type MessagingPolicy } from "./policy.ts";
import { stepStillWanted, type RunSummary, type SendTimeFacts } from "./evaluate.ts";
import { AWAITING_CONFIRMATION } from "./contact-confirmation.ts";
import { nextSendTime } from "./send-window.ts";

/** A pending row of the schedule: a trigger step, or the next channel of a step's cascade. */
export interface DueRow {
  id: string;
  runId: string;
  triggerId: string;
  kind: "step" | "cascade";
  step: number;
  /** The channel plan once one was chosen (a rescheduled step, a cascade hop), and where in it to start. */
  channels: MessageChannel[] | null;
  channelIndex: number;
  /** What chose the plan's order, kept with the plan. */
  chosenBy: ChosenBy | null;
  dueAt: number;
  expiresAt: number;
}

export interface DueStepFacts {
  row: DueRow;
  run: RunSummary | undefined;
  /** The trigger as configured now (undefined: deleted). */
  trigger: TriggerDefinition | undefined;
  policy: MessagingPolicy;
  now: number;
  /** The customer at send time: cart, orders, and when another run of the trigger last sent. */
  sendTime: SendTimeFacts;
  /** A cascade hop: whether a message of the same step was opened or clicked. */
  stepEngaged: boolean;
  traits: Record<string, unknown>;
  engagement: readonly ChannelEngagement[];
  consent: Readonly<Record<string, boolean>>;
  contact: Contact;
  /** Messages that count against the caps. */
  sent: readonly SentMessage[];
  timeZone: string;
  /** The segments the customer is in now (a trigger's audience is checked again at each step). */
  segments?: ReadonlySet<string>;
  /** A contact confirmation's row: the channel of the address it asks about, and whether that address is confirmed by now. */
  confirmation?: { channel: MessageChannel; confirmed: boolean };
}

/** The channel a row goes out on: the plan, the position in it, and what decided. */
export interface ChannelPick {
  channel: MessageChannel;
  channelIndex: number;
  channels: MessageChannel[];
  /** What made the plan's order (kept with a rescheduled row). */
  planChosenBy: ChosenBy;
  /** What actually decided this channel: the plan's first choice, or the cascade past it. */
  chosenBy: ChosenBy;
}

export type DueStepDecision =
  /** The row goes no further; the run is untouched (it is gone, or already ended). */
  | { kind: "cancel"; reason: string }
  /** The run ends here (the trigger was switched off, or the step no longer applies). */
  | { kind: "exit"; reason: string }
  /** A cascade hop whose step was already engaged with. */
  | { kind: "done"; reason: "engaged" }
  /** The row cannot go (expired, no channel); a step's run moves on to its next step. */
  | { kind: "drop"; reason: string }
  /** Waits for the customer to confirm their address (double opt-in); pulled forward when they do, dropped at expiry. */
  | { kind: "hold"; at: number; reason: typeof AWAITING_CONFIRMATION }
  /** Not yet: caps or quiet hours allow it at `at`. */
  | ({ kind: "reschedule"; at: number; expiresAt: number; reason: string } & ChannelPick)
  | ({ kind: "send" } & ChannelPick);

const isCap = (reason: string) => reason.startsWith("cap:");

export function decideDueStep(f: DueStepFacts): DueStepDecision {
  const { row, run, trigger, policy, now } = f;
  if (!run) return { kind: "cancel", reason: "run_missing" };
  if (!trigger || !trigger.enabled) return { kind: "exit", reason: "trigger_disabled" };
  if (!audienceAllows(trigger.audience, f.segments)) return { kind: "exit", reason: "audience" };
  if (run.status === "exited" || run.status === "superseded") return { kind: "cancel", reason: `run_${run.status}` };
  const wanted = stepStillWanted(trigger, run, f.sendTime, now);
  if (!wanted.ok) return { kind: "exit", reason: wanted.reason };
  if (row.kind === "cascade" && f.stepEngaged) return { kind: "done", reason: "engaged" };
  if (now > row.expiresAt) return { kind: "drop", reason: "expired" };
  if (trigger.template === "contact_confirmation") return decideConfirmation(f);

  const plan = row.channels
    ? { channels: row.channels, chosenBy: row.kind === "cascade" ? ("cascade" as const) : (row.chosenBy ?? "cascade") }
    : channelOrder(trigger.channels ?? policy.cascade.channels, f.traits[policy.preference_trait], f.engagement);
  const found = firstSendableChannel(plan.channels, row.channelIndex, f.consent, policy.opt_in_channels, f.contact, policy.double_opt_in);
  // The address is there but not confirmed yet: wait for the click rather than drop the message
  // (a welcome sent right after sign-up goes out the moment the customer confirms).
  if (!found.found && found.skipped.some((s) => s.reason === "unconfirmed"))
    return { kind: "hold", at: row.expiresAt + 1, reason: AWAITING_CONFIRMATION };
  if (!found.found) {
    const why = found.skipped.map((s) => `${s.channel}:${s.reason}`).join(",");
    return { kind: "drop", reason: `${row.kind === "step" ? "no_sendable_channel" : "cascade_exhausted"}${why ? ` (${why})` : ""}` };
  }
  const pick: ChannelPick = {
    channel: found.channel,
    channelIndex: found.index,
    channels: plan.channels,
    planChosenBy: plan.chosenBy,
    // A preference (or a learned channel) that could not be used did not decide: the cascade past it did.
    chosenBy: found.index === row.channelIndex ? plan.chosenBy : "cascade",
  };

  const window = nextSendTime(now, pick.channel, f.sent, policy, f.timeZone);
  if (window.at <= now) return { kind: "send", ...pick };
  const reason = window.reasons.join("+");
  if (window.at <= row.expiresAt) return { kind: "reschedule", at: window.at, expiresAt: row.expiresAt, reason, ...pick };
  // Past its expiry. A cap is a delay the customer asked for, not lateness: a trigger that may
  // wait keeps its step, due when the caps allow and valid for its expiry from then.
  if (trigger.wait_for_caps && window.reasons.some(isCap))
    return { kind: "reschedule", at: window.at, expiresAt: window.at + trigger.expires_after_hours * HOUR_MS, reason, ...pick };
  return { kind: "drop", reason: `expired:${reason}` };
}

/**
 * The confirmation message of a browser-given email or phone: it goes at once on that address's
 * channel (caps and quiet hours are for marketing; this answers the customer's own action), unless
 * the customer opted out of the channel or has confirmed the address meanwhile.
 */
function decideConfirmation(f: DueStepFacts): DueStepDecision {
  const asked = f.confirmation;
  if (!asked) return { kind: "exit", reason: "no_contact" };
  if (asked.confirmed) return { kind: "exit", reason: "confirmed" };
  if (f.consent[asked.channel] === false) return { kind: "drop", reason: `no_sendable_channel (${asked.channel}:no_consent)` };
  return { kind: "send", channel: asked.channel, channelIndex: 0, channels: [asked.channel], planChosenBy: "cascade", chosenBy: "cascade" };
}

/**
 * After a message went out: the next channel of the cascade, unless this message is opened or
 * clicked before the wait is over; only where a later channel can take it (consented, reachable),
 * and it is checked again when due.
 */
export function nextCascadeHop(
  trigger: TriggerDefinition,
  policy: MessagingPolicy,
  channels: readonly MessageChannel[],
  sentIndex: number,
  consent: Readonly<Record<string, boolean>>,
  contact: Contact,
  now: number,
): { channelIndex: number; dueAt: number; expiresAt: number } | null {
  if (trigger.template === "contact_confirmation") return null;
  const next = firstSendableChannel(channels, sentIndex + 1, consent, policy.opt_in_channels, contact, policy.double_opt_in);
  if (!next.found) return null;
  const dueAt = now + (trigger.cascade_wait_hours ?? policy.cascade.wait_hours) * HOUR_MS;
  return { channelIndex: next.index, dueAt, expiresAt: dueAt + trigger.expires_after_hours * HOUR_MS };
}
