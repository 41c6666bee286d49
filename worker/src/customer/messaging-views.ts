// How the messaging tables' rows read: as the messaging layer works with them (runs, schedule rows),
// and through the API (`GET /v1/customers/:id/messages`, the export): snake_case JSON with ISO times.
import type { ChosenBy } from "../triggers/channels.ts";
import type { MessageChannel, TemplateName } from "../triggers/definitions.ts";
import type { DueRow } from "../triggers/due-step.ts";
import type { RunStatus, RunSummary } from "../triggers/evaluate.ts";
import type { MessagingSnapshot } from "../triggers/run-merge.ts";
import type { ScheduleRowRecord, TriggerRunRow } from "./rows.ts";
import { iso, isoOrNull } from "./views.ts";

/** A schedule row as the messaging layer works with it. */
export interface ScheduledRow extends DueRow {
  status: string;
  attempts: number;
  sourceReceivedAt: number | null;
}

export function runSummary(r: TriggerRunRow): RunSummary {
  return {
    runId: r.run_id,
    triggerId: r.trigger_id,
    template: r.template as TemplateName,
    entryKey: r.entry_key,
    status: r.status as RunStatus,
    productId: r.product_id,
    startedAt: r.started_at,
    anchorAt: r.anchor_at,
    lastSentAt: r.last_sent_at,
    sentCount: r.sent_count,
  };
}

export function scheduledRow(r: ScheduleRowRecord): ScheduledRow {
  return {
    id: r.id,
    runId: r.run_id,
    triggerId: r.trigger_id,
    kind: r.kind === "cascade" ? "cascade" : "step",
    step: r.step,
    channels: r.channels ? (JSON.parse(r.channels) as MessageChannel[]) : null,
    channelIndex: r.channel_index,
    chosenBy: r.chosen_by as ChosenBy | null,
    dueAt: r.due_at,
    expiresAt: r.expires_at,
    status: r.status,
    attempts: r.attempts,
    sourceReceivedAt: r.source_received_at,
  };
}

/** The customer's messages, schedule and runs, newest first. */
export function messagingView(rows: MessagingSnapshot, alarmAt: string | undefined, timeZone: string | null) {
  return {
    time_zone: timeZone,
    alarm_at: isoOrNull(alarmAt),
    messages: rows.messages.map((m) => ({
      message_id: m.message_id,
      trigger_id: m.trigger_id,
      template: m.template,
      step: m.step,
      channel: m.channel,
      chosen_by: m.chosen_by,
      status: m.status,
      product_id: m.product_id,
      queued_at: iso(m.queued_at),
      sent_at: isoOrNull(m.sent_at),
      delivered_at: isoOrNull(m.delivered_at),
      failed_at: isoOrNull(m.failed_at),
      opened_at: isoOrNull(m.opened_at),
      clicked_at: isoOrNull(m.clicked_at),
      error: m.error,
      event_received_at: isoOrNull(m.event_received_at),
      /** Edge receipt of the triggering event → the queue accepted the message (in-session triggers). */
      enqueue_latency_ms: m.event_received_at === null || m.enqueued_wall_at === null ? null : m.enqueued_wall_at - m.event_received_at,
    })),
    schedule: rows.schedule.map((r) => {
      const s = scheduledRow(r);
      return {
        id: s.id,
        run_id: s.runId,
        trigger_id: s.triggerId,
        kind: s.kind,
        step: s.step,
        channel_index: s.channelIndex,
        channels: s.channels,
        due_at: iso(s.dueAt),
        expires_at: iso(s.expiresAt),
        status: s.status,
        reason: r.reason,
        attempts: s.attempts,
        message_id: r.message_id,
      };
    }),
    runs: rows.runs.map((r) => {
      const run = runSummary(r);
      return {
        run_id: run.runId,
        trigger_id: run.triggerId,
        template: run.template,
        entry_key: run.entryKey,
        status: run.status,
        reason: r.reason,
        product_id: run.productId,
        started_at: iso(run.startedAt),
        anchor_at: iso(run.anchorAt),
        last_sent_at: isoOrNull(run.lastSentAt),
        sent_count: run.sentCount,
      };
    }),
  };
}

export type MessagingState = ReturnType<typeof messagingView>;
