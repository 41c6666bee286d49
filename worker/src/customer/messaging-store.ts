// The one owner of the CustomerDO's messaging tables: trigger runs, the schedule behind the one
// alarm, the message log, and the messaging meta (armed alarm, time zones). Every statement on
// them is here; customer/messaging.ts decides, this writes.
import { canonicalEventName } from "../commerce/ecommerce.ts";
import type { SeamEvent } from "../schemas.ts";
import type { SentMessage } from "../triggers/caps.ts";
import type { ChannelEngagement, ChosenBy } from "../triggers/channels.ts";
import { HOUR_MS, type MessageChannel, type TemplateName, type TriggerDefinition } from "../triggers/definitions.ts";
import type { DueRow } from "../triggers/due-step.ts";
import { CLICK_EVENTS, OPEN_EVENTS } from "../triggers/engagement.ts";
import { stepDueAt, type RunLookup, type RunStatus, type RunSummary, type TriggerAction } from "../triggers/evaluate.ts";
import { messagingAdditions, type MessagingSnapshot } from "../triggers/run-merge.ts";
import type { MessageFacts } from "./attribution-store.ts";
import type { MetaCache, Transaction } from "./meta.ts";
import { runSummary, scheduledRow, type ScheduledRow } from "./messaging-views.ts";
import type { MessageLogRow, ScheduleRowRecord, TriggerRunRow } from "./rows.ts";
import { CAPS } from "./schema.ts";
import { insertRows, type Sql } from "./sql.ts";

const RUN_COLUMNS = "run_id, trigger_id, template, entry_key, status, reason, product_id, context, started_at, anchor_at, next_step, last_sent_at, sent_count, updated_at";
const SCHEDULE_COLUMNS = "id, run_id, trigger_id, kind, step, channel_index, channels, chosen_by, due_at, expires_at, status, reason, attempts, lease_until, message_id, source_received_at, created_at, updated_at";
const LOG_COLUMNS = "message_id, run_id, trigger_id, template, step, channel, chosen_by, status, product_id, queued_at, event_received_at, enqueued_wall_at, sent_at, delivered_at, failed_at, opened_at, clicked_at, error";

/** Work besides the schedule that wakes the object through its one alarm. */
const TIMERS = ["segments"] as const;
export type TimerName = (typeof TIMERS)[number];

export class MessagingStore {
  private readonly sql: Sql;
  readonly meta: MetaCache;
  readonly transaction: Transaction;
  /** Told of each run started ("entered") and exited (`exited:<reason>`), once each, as the row is written: the triggers report's funnel (customer/run-counts.ts). */
  runCounted: (triggerId: string, metric: string, at: number) => void = () => {};

  constructor(sql: Sql, meta: MetaCache, transaction: Transaction) {
    this.sql = sql;
    this.meta = meta;
    this.transaction = transaction;
  }

  // ---- runs ---------------------------------------------------------------------------------

  /** The customer's runs, straight from SQLite (the pure planner reads through this). */
  readonly runs: RunLookup = {
    run: (runId) => {
      const [row] = this.sql.text<TriggerRunRow>(`SELECT ${RUN_COLUMNS} FROM trigger_runs WHERE run_id = ?`, runId);
      return row ? runSummary(row) : undefined;
    },
    active: (triggerId) =>
      this.sql
        .text<TriggerRunRow>(
          `SELECT ${RUN_COLUMNS} FROM trigger_runs r WHERE trigger_id = ? AND (status = 'active' OR (status = 'completed'
             AND EXISTS (SELECT 1 FROM schedule s WHERE s.run_id = r.run_id AND s.status = 'pending')))`,
          triggerId,
        )
        .map(runSummary),
    lastSentAt: (triggerId) => this.sql<{ t: number | null }>`SELECT MAX(last_sent_at) AS t FROM trigger_runs WHERE trigger_id = ${triggerId}`[0]?.t ?? null,
  };

  runContext(runId: string): Record<string, unknown> {
    const [row] = this.sql<{ context: string }>`SELECT context FROM trigger_runs WHERE run_id = ${runId}`;
    return row ? (JSON.parse(row.context) as Record<string, unknown>) : {};
  }

  /** When another run of the same trigger last sent: the cool-down at send time. */
  otherRunLastSentAt(triggerId: string, runId: string): number | null {
    return this.sql<{ t: number | null }>`SELECT MAX(last_sent_at) AS t FROM trigger_runs WHERE trigger_id = ${triggerId} AND run_id != ${runId}`[0]?.t ?? null;
  }

  /** Writes what the planner decided; call inside a transaction. */
  applyActions(actions: readonly TriggerAction[], now: number, receivedAt: number | null): void {
    if (actions.length === 0) return;
    // A run replacing one of the same trigger (a changed cart) continues the journey: not a new entry.
    const replaced = new Set<string>();
    for (const action of actions) {
      switch (action.kind) {
        case "start": {
          const { trigger } = action;
          if (this.sql`INSERT INTO trigger_runs (run_id, trigger_id, template, entry_key, status, product_id, context, started_at, anchor_at, next_step, updated_at)
                   VALUES (${action.runId}, ${trigger.id}, ${trigger.template}, ${action.entryKey}, 'active', ${action.productId},
                           ${JSON.stringify(action.context)}, ${now}, ${action.anchorAt}, 1, ${now})
                   ON CONFLICT (run_id) DO NOTHING RETURNING run_id`.length && !replaced.has(trigger.id)) this.runCounted(trigger.id, "entered", now);
          this.insertStep(action.runId, trigger, 0, action.firstDueAt, receivedAt, now);
          break;
        }
        case "postpone":
          this.sql`UPDATE trigger_runs SET anchor_at = ${action.anchorAt}, updated_at = ${now} WHERE run_id = ${action.runId} AND status = 'active'`;
          this.sql`UPDATE schedule SET due_at = ${action.dueAt}, expires_at = ${action.dueAt + action.trigger.expires_after_hours * HOUR_MS},
                     source_received_at = ${receivedAt}, updated_at = ${now}
                   WHERE run_id = ${action.runId} AND kind = 'step' AND step = 0 AND status = 'pending'`;
          break;
        case "end":
          for (const triggerId of this.endRun(action.runId, action.status, action.reason, now)) if (action.status === "superseded") replaced.add(triggerId);
          break;
      }
    }
    this.trim();
  }

  private insertStep(runId: string, trigger: TriggerDefinition, step: number, dueAt: number, receivedAt: number | null, now: number): void {
    this.sql`INSERT INTO schedule (id, run_id, trigger_id, kind, step, due_at, expires_at, status, source_received_at, created_at, updated_at)
             VALUES (${`${runId}#s${step}`}, ${runId}, ${trigger.id}, 'step', ${step}, ${dueAt}, ${dueAt + trigger.expires_after_hours * HOUR_MS},
                     'pending', ${receivedAt}, ${now}, ${now})
             ON CONFLICT (id) DO NOTHING`;
  }

  /** Ends a run and cancels everything it still had pending (answers the trigger of a run it ended); call inside a transaction. */
  endRun(runId: string, status: "exited" | "superseded", reason: string, now: number): string[] {
    const ended = this.sql<{ trigger_id: string }>`UPDATE trigger_runs SET status = ${status}, reason = ${reason}, updated_at = ${now} WHERE run_id = ${runId} AND status IN ('active', 'completed') RETURNING trigger_id`;
    if (status === "exited") for (const run of ended) this.runCounted(run.trigger_id, `exited:${reason}`, now);
    this.sql`UPDATE schedule SET status = 'cancelled', reason = ${reason}, updated_at = ${now} WHERE run_id = ${runId} AND status = 'pending'`;
    return ended.map((run) => run.trigger_id);
  }

  /** Schedules the run's next step, or completes it after its last; `sent`: counts the step's message in the same statement (one row). In a transaction. */
  private advanceRun(run: RunSummary, trigger: TriggerDefinition, now: number, sent = false): void {
    const next = this.sql<{ next_step: number }>`SELECT next_step FROM trigger_runs WHERE run_id = ${run.runId}`[0]?.next_step ?? trigger.steps.length;
    const counted = sent ? 1 : 0;
    if (next < trigger.steps.length) {
      this.insertStep(run.runId, trigger, next, Math.max(stepDueAt(trigger, run.anchorAt, next), now), null, now);
      this.sql`UPDATE trigger_runs SET next_step = ${next + 1}, last_sent_at = CASE WHEN ${counted} THEN ${now} ELSE last_sent_at END,
                 sent_count = sent_count + ${counted}, updated_at = ${now} WHERE run_id = ${run.runId}`;
    } else {
      this.sql`UPDATE trigger_runs SET last_sent_at = CASE WHEN ${counted} THEN ${now} ELSE last_sent_at END, sent_count = sent_count + ${counted},
                 status = CASE WHEN status = 'active' THEN 'completed' ELSE status END, updated_at = ${now} WHERE run_id = ${run.runId} AND (${counted} OR status = 'active')`;
    }
  }

  /** Keeps the runs, finished schedule rows and message log within their caps; pending work always stays. */
  private trim(): void {
    this.sql`DELETE FROM trigger_runs WHERE run_id IN (SELECT run_id FROM trigger_runs WHERE status != 'active'
               AND NOT EXISTS (SELECT 1 FROM schedule s WHERE s.run_id = trigger_runs.run_id AND s.status IN ('pending', 'sending'))
               ORDER BY updated_at DESC LIMIT -1 OFFSET ${CAPS.triggerRuns})`;
    this.sql`DELETE FROM schedule WHERE id IN (SELECT id FROM schedule WHERE status NOT IN ('pending', 'sending')
               ORDER BY updated_at DESC LIMIT -1 OFFSET ${CAPS.scheduleHistory})`;
    this.sql`DELETE FROM message_log WHERE message_id IN (SELECT message_id FROM message_log ORDER BY queued_at DESC LIMIT -1 OFFSET ${CAPS.messageLog})`;
  }

  // ---- the schedule ---------------------------------------------------------------------------

  hasDueRow(now: number): boolean {
    return this.sql`SELECT 1 FROM schedule WHERE status = 'pending' AND due_at <= ${now} LIMIT 1`.length > 0;
  }

  /**
   * When the alarm should next fire: the earliest pending row, a lapsed send lease, or another
   * timer (segment re-evaluation); null when nothing waits.
   */
  nextWakeUp(): number | null {
    const schedule = this.scheduleWakeUp();
    const timers = TIMERS.map((name) => this.meta.get(`timer:${name}`)).filter((t) => t !== undefined).map(Number);
    return timers.length ? Math.min(schedule ?? Number.POSITIVE_INFINITY, ...timers) : schedule;
  }

  /** When the schedule alone needs the alarm: its earliest pending row, or a lapsed send lease. */
  scheduleWakeUp(): number | null {
    return (
      this.sql<{ t: number | null }>`SELECT MIN(t) AS t FROM (SELECT MIN(due_at) AS t FROM schedule WHERE status = 'pending'
                                       UNION ALL SELECT MIN(lease_until) FROM schedule WHERE status = 'sending')`[0]?.t ?? null
    );
  }

  // ---- other timers behind the one alarm -------------------------------------------------------

  /**
   * Sets (or clears) a timer other than the schedule's rows: the alarm is armed to the earliest of
   * all (armAlarm), so many timers share one alarm. Returns whether it changed; call inside a transaction.
   */
  setTimer(name: TimerName, at: number | null): boolean {
    const key = `timer:${name}`;
    if ((this.meta.get(key) ?? null) === (at === null ? null : String(at))) return false;
    if (at === null) this.meta.delete(key);
    else this.meta.set(key, at);
    return true;
  }

  timerDue(name: TimerName, now: number): boolean {
    const at = this.meta.get(`timer:${name}`);
    return at !== undefined && Number(at) <= now;
  }

  /** The next row due at `now`: pending and due, or being sent under a lease that ran out (a crash). */
  nextDue(now: number): ScheduledRow | undefined {
    const [row] = this.sql.text<ScheduleRowRecord>(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedule WHERE (status = 'pending' AND due_at <= ?) OR (status = 'sending' AND lease_until <= ?)
       ORDER BY due_at, id LIMIT 1`,
      now,
      now,
    );
    return row ? scheduledRow(row) : undefined;
  }

  /** Whether a row is as it was read: the awaits while a message is built let other events in. */
  unchanged(row: ScheduledRow): boolean {
    const [current] = this.sql<{ status: string; due_at: number }>`SELECT status, due_at FROM schedule WHERE id = ${row.id}`;
    return current !== undefined && current.status === row.status && current.due_at === row.dueAt;
  }

  /** A merged-away object sends nothing: its customer's object plans from the merged state. */
  cancelAll(reason: string, now: number): void {
    this.sql`UPDATE schedule SET status = 'cancelled', reason = ${reason}, updated_at = ${now} WHERE status IN ('pending', 'sending')`;
  }

  finish(row: ScheduledRow, status: "done" | "cancelled" | "dropped", reason: string | null, now: number): void {
    this.sql`UPDATE schedule SET status = ${status}, reason = ${reason}, lease_until = NULL, updated_at = ${now} WHERE id = ${row.id}`;
  }

  /** A step that cannot go is dropped with its reason (never silently lost); its run moves on to the next step. */
  drop(row: ScheduledRow, run: RunSummary, trigger: TriggerDefinition, reason: string, now: number): void {
    this.transaction(() => {
      this.finish(row, "dropped", reason, now);
      if (row.kind === "step") this.advanceRun(run, trigger, now);
      this.trim();
    });
  }

  /** A row whose processing threw: retried at `retryAt`, or dropped (`retryAt` null) with the error as its reason. */
  failed(row: ScheduledRow, reason: string, attempts: number, retryAt: number | null, now: number): void {
    if (retryAt === null)
      this.sql`UPDATE schedule SET status = 'dropped', reason = ${reason}, attempts = ${attempts}, lease_until = NULL, updated_at = ${now} WHERE id = ${row.id}`;
    else
      this.sql`UPDATE schedule SET status = 'pending', due_at = ${retryAt}, reason = ${reason}, attempts = ${attempts}, lease_until = NULL, updated_at = ${now}
               WHERE id = ${row.id}`;
  }

  /** Moves a row to the first allowed time, keeping its channel plan. */
  reschedule(row: ScheduledRow, at: number, expiresAt: number, reason: string, plan: { channelIndex: number; channels: MessageChannel[]; planChosenBy: ChosenBy }, now: number): void {
    this.sql`UPDATE schedule SET status = 'pending', due_at = ${at}, expires_at = ${expiresAt}, reason = ${reason}, channel_index = ${plan.channelIndex},
               channels = ${JSON.stringify(plan.channels)}, chosen_by = ${plan.planChosenBy}, lease_until = NULL, updated_at = ${now}
             WHERE id = ${row.id}`;
  }

  /** Holds a row until `at` (its expiry) for the customer's confirmation; `releaseHeld` brings it back at once. */
  hold(row: ScheduledRow, at: number, reason: string, now: number): void {
    this.sql`UPDATE schedule SET due_at = ${at}, reason = ${reason}, lease_until = NULL, updated_at = ${now} WHERE id = ${row.id}`;
  }

  /** The customer confirmed an address: every row held for it is due now. Whether any was. */
  releaseHeld(reason: string, now: number): boolean {
    return this.sql`UPDATE schedule SET due_at = ${now}, reason = 'confirmed', updated_at = ${now}
                    WHERE status = 'pending' AND reason = ${reason} RETURNING id`.length > 0;
  }

  /** Logs the message as queued and leases the row for the send, in one transaction. */
  claimForSend(
    row: ScheduledRow,
    run: RunSummary,
    message: { messageId: string; template: string; channel: MessageChannel; chosenBy: ChosenBy; channelIndex: number; channels: MessageChannel[] },
    leaseUntil: number,
    now: number,
  ): void {
    this.transaction(() => {
      this.sql`INSERT INTO message_log (message_id, run_id, trigger_id, template, step, channel, chosen_by, status, product_id, queued_at, event_received_at)
               VALUES (${message.messageId}, ${run.runId}, ${run.triggerId}, ${message.template}, ${row.step}, ${message.channel}, ${message.chosenBy},
                       'queued', ${run.productId}, ${now}, ${row.sourceReceivedAt})
               ON CONFLICT (message_id) DO UPDATE SET queued_at = excluded.queued_at,
                 status = CASE WHEN message_log.status = 'enqueue_failed' THEN 'queued' ELSE message_log.status END`;
      this.sql`UPDATE schedule SET status = 'sending', lease_until = ${leaseUntil}, attempts = attempts + 1, message_id = ${message.messageId},
                 channel_index = ${message.channelIndex}, channels = ${JSON.stringify(message.channels)}, updated_at = ${now}
               WHERE id = ${row.id}`;
    });
  }

  /** The queue refused the message: the row goes back to pending at `retryAt`. */
  enqueueFailed(row: ScheduledRow, messageId: string, retryAt: number, now: number): void {
    this.transaction(() => {
      this.sql`UPDATE message_log SET status = 'enqueue_failed' WHERE message_id = ${messageId}`;
      this.sql`UPDATE schedule SET status = 'pending', due_at = ${retryAt}, reason = 'enqueue_failed', lease_until = NULL, updated_at = ${now} WHERE id = ${row.id}`;
    });
  }

  /** The queue took the message: the row is done, the run counts it, the cascade's next hop (if any) is planned, the run moves on. */
  sent(
    row: ScheduledRow,
    run: RunSummary,
    trigger: TriggerDefinition,
    sent: { messageId: string; enqueuedWallAt: number; channels: MessageChannel[] },
    hop: { channelIndex: number; dueAt: number; expiresAt: number } | null,
    now: number,
  ): void {
    this.transaction(() => {
      this.sql`UPDATE message_log SET enqueued_wall_at = ${sent.enqueuedWallAt} WHERE message_id = ${sent.messageId}`;
      this.finish(row, "done", null, now);
      // A step's send is counted with the run's advance (advanceRun); a cascade hop's here.
      if (row.kind !== "step") this.sql`UPDATE trigger_runs SET last_sent_at = ${now}, sent_count = sent_count + 1, updated_at = ${now} WHERE run_id = ${run.runId}`;
      if (hop)
        this.sql`INSERT INTO schedule (id, run_id, trigger_id, kind, step, channel_index, channels, due_at, expires_at, status, created_at, updated_at)
                 VALUES (${`${run.runId}#s${row.step}#c${hop.channelIndex}`}, ${run.runId}, ${trigger.id}, 'cascade', ${row.step}, ${hop.channelIndex},
                         ${JSON.stringify(sent.channels)}, ${hop.dueAt}, ${hop.expiresAt}, 'pending', ${now}, ${now})
                 ON CONFLICT (id) DO NOTHING`;
      if (row.kind === "step") this.advanceRun(run, trigger, now, true);
      this.trim();
    });
  }

  // ---- the message log --------------------------------------------------------------------------

  stepEngaged(runId: string, step: number): boolean {
    return this.sql`SELECT 1 FROM message_log WHERE run_id = ${runId} AND step = ${step} AND (opened_at IS NOT NULL OR clicked_at IS NOT NULL) LIMIT 1`.length > 0;
  }

  /** Messages that count against caps since `since`. */
  sentSince(since: number): SentMessage[] {
    return this.sql<{ channel: MessageChannel; queued_at: number }>`
      SELECT channel, queued_at FROM message_log WHERE status IN ('queued', 'sent', 'delivered') AND queued_at > ${since}
        AND template != 'contact_confirmation'`.map((r) => ({
      channel: r.channel,
      at: r.queued_at,
    }));
  }

  engagementByChannel(): ChannelEngagement[] {
    return this.sql<ChannelEngagement>`SELECT channel, COUNT(opened_at) AS opened, COUNT(clicked_at) AS clicked FROM message_log GROUP BY channel`;
  }

  /**
   * An open or click of one of this customer's messages: stamped on the message, and the cascade
   * for that step stops here, at the event, not when its next hop comes due. Returns whether any
   * message was engaged with; call inside a transaction.
   */
  recordEngagement(events: readonly SeamEvent[]): boolean {
    let any = false;
    for (const e of events) {
      const name = canonicalEventName(e.event);
      const clicked = CLICK_EVENTS.has(name);
      const messageId = e.properties.message_id;
      if ((!clicked && !OPEN_EVENTS.has(name)) || typeof messageId !== "string" || messageId === "") continue;
      const [row] = this.sql<{ run_id: string; step: number }>`
        UPDATE message_log SET opened_at = COALESCE(opened_at, ${e.timestamp}),
          clicked_at = CASE WHEN ${clicked ? 1 : 0} THEN COALESCE(clicked_at, ${e.timestamp}) ELSE clicked_at END
        WHERE message_id = ${messageId} RETURNING run_id, step`;
      if (!row) continue;
      any = true;
      this.sql`UPDATE schedule SET status = 'cancelled', reason = 'engaged', updated_at = ${e.timestamp}
               WHERE run_id = ${row.run_id} AND step = ${row.step} AND kind = 'cascade' AND status = 'pending'`;
    }
    return any;
  }

  /**
   * What happened to a message after the queue. A failed message cannot be opened, so its
   * step's cascade hop is brought forward to now. Returns whether the message is known.
   */
  recordDelivery(report: { message_id: string; status: "sent" | "delivered" | "failed"; at: number; error?: string }): boolean {
    return this.transaction(() => {
      const column = { sent: "sent_at", delivered: "delivered_at", failed: "failed_at" }[report.status];
      // An enqueue that threw may still have reached the queue: the consumer's word wins over ours.
      const from = report.status === "sent" ? "('queued', 'enqueue_failed')" : "('queued', 'sent', 'enqueue_failed')";
      this.sql.text(
        `UPDATE message_log SET status = CASE WHEN status IN ${from} THEN ? ELSE status END, ${column} = COALESCE(${column}, ?),
           error = COALESCE(?, error) WHERE message_id = ?`,
        report.status,
        report.at,
        report.error ?? null,
        report.message_id,
      );
      const [found] = this.sql<{ run_id: string; step: number }>`SELECT run_id, step FROM message_log WHERE message_id = ${report.message_id}`;
      if (found && report.status === "failed")
        this.sql`UPDATE schedule SET due_at = MIN(due_at, ${report.at}), updated_at = ${report.at}
                 WHERE run_id = ${found.run_id} AND step = ${found.step} AND kind = 'cascade' AND status = 'pending'`;
      return found !== undefined;
    });
  }

  /** What each of these messages had already seen (sent, delivered, opened, clicked): the KPI counters count firsts. */
  messageFacts(messageIds: readonly string[]): Map<string, MessageFacts> {
    const rows = this.sql<MessageLogRow>`SELECT message_id, channel, trigger_id, sent_at, delivered_at, opened_at, clicked_at FROM message_log
      WHERE message_id IN (SELECT value FROM json_each(${JSON.stringify(messageIds)}))`;
    const facts = (r: MessageLogRow) => ({ channel: r.channel, trigger_id: r.trigger_id, sent: r.sent_at !== null, delivered: r.delivered_at !== null, opened: r.opened_at !== null, clicked: r.clicked_at !== null });
    return new Map(rows.map((r) => [r.message_id, facts(r)]));
  }

  // ---- reads for the API, and the merge ---------------------------------------------------------

  rows(): MessagingSnapshot {
    return {
      runs: this.sql.text<TriggerRunRow>(`SELECT ${RUN_COLUMNS} FROM trigger_runs ORDER BY started_at DESC, run_id`),
      schedule: this.sql.text<ScheduleRowRecord>(`SELECT ${SCHEDULE_COLUMNS} FROM schedule ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'sending' THEN 1 ELSE 2 END, due_at, id`),
      messages: this.sql.text<MessageLogRow>(`SELECT ${LOG_COLUMNS} FROM message_log ORDER BY queued_at DESC, message_id`),
    };
  }

  /** Takes over a merged visitor's runs, pending steps and messages (triggers/run-merge.ts); call inside a transaction. */
  absorb(from: MessagingSnapshot): boolean {
    const add = messagingAdditions(this.rows(), from);
    insertRows(this.sql, "trigger_runs", RUN_COLUMNS, add.runs);
    insertRows(this.sql, "schedule", SCHEDULE_COLUMNS, add.schedule);
    insertRows(this.sql, "message_log", LOG_COLUMNS, add.messages);
    this.trim();
    return add.schedule.length > 0;
  }

  /** Drops the history handed over to another object (the rows being sent stay: this object finishes them). */
  clearHandedOver(): void {
    this.sql`DELETE FROM schedule WHERE status != 'sending'`;
    this.sql`DELETE FROM trigger_runs WHERE run_id NOT IN (SELECT run_id FROM schedule)`;
    this.sql`DELETE FROM message_log WHERE run_id NOT IN (SELECT run_id FROM schedule)`;
  }
}
