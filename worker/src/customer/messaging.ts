// The CustomerDO's messaging layer: trigger runs, the schedule table behind the one alarm, the message log, sending to the queue.
import { canonicalEventName, productFrom } from "../commerce/ecommerce.ts";
import type { Env } from "../env.ts";
import { sharedPublishedConfig } from "../messaging/config.ts";
import type { SeamEvent } from "../schemas.ts";
import { channelOrder, firstSendableChannel, type ChannelEngagement } from "../triggers/channels.ts";
import {
  DAY_MS,
  emptyConfig,
  HOUR_MS,
  MESSAGE_CHANNELS,
  type MessageChannel,
  type MessagingConfig,
  type MessagingPolicy,
  type TriggerDefinition,
} from "../triggers/definitions.ts";
import { CLICK_EVENTS, OPEN_EVENTS, SUBSCRIBE_EVENTS, UNSUBSCRIBE_EVENTS } from "../triggers/engagement.ts";
import {
  cartVersion,
  planCatalogChange,
  planForEvents,
  stepDueAt,
  stepStillWanted,
  type CatalogChange,
  type RunLookup,
  type RunStatus,
  type RunSummary,
  type TriggerAction,
} from "../triggers/evaluate.ts";
import { messageIdFor, type OutgoingMessage } from "../triggers/message.ts";
import { buildMessagePayload } from "../triggers/payload.ts";
import { customerTimeZone } from "../triggers/quiet-hours.ts";
import { RECOMMENDED_PER_MESSAGE, recommendedProducts, type RecommendationsProvider } from "../triggers/recommendations.ts";
import { nextSendTime } from "../triggers/send-window.ts";
import { MessageContent } from "./message-content.ts";
import { CAPS } from "./schema.ts";
import type { CustomerStore } from "./store.ts";
import { iso, isoOrNull, type Row } from "./views.ts";

/** How long a DO trusts its copy of the workspace's trigger config before re-reading KV (in the background). */
export const DEFAULT_CONFIG_TTL_MS = 30_000;
/** After a failed KV read, retry this soon rather than a whole TTL later. */
const CONFIG_RETRY_MS = 2_000;
/** Rows one alarm processes; more re-arm the alarm at once instead of holding the object. */
export const DUE_ROWS_PER_RUN = 50;
/** A row being sent is leased; after a crash it is picked up again once the lease ran out (same message id). */
const SEND_LEASE_MS = 60_000;
/** Enqueue failures retry with this backoff (× attempts), capped. */
const ENQUEUE_RETRY_MS = 30_000;
const ENQUEUE_RETRY_MAX_MS = 15 * 60_000;
/** A row whose processing throws is retried after 30 s, 60 s, … and dropped at the fifth failure. */
const ROW_RETRY_MS = 30_000;
const ROW_MAX_ATTEMPTS = 5;

/** A message's delivery as the messages consumer (or a provider's receipt) reports it. */
export interface DeliveryReport {
  message_id: string;
  status: "sent" | "delivered" | "failed";
  at: number;
  via?: "webhook" | "outbox";
  error?: string;
}

export interface DueRowOutcome {
  id: string;
  outcome: "sent" | "rescheduled" | "dropped" | "cancelled" | "exited" | "done" | "changed" | "enqueue_failed";
  reason?: string;
  message_id?: string;
  channel?: MessageChannel;
  at?: string;
}

interface ScheduleRow {
  id: string;
  run_id: string;
  trigger_id: string;
  kind: "step" | "cascade";
  step: number;
  channel_index: number;
  channels: MessageChannel[] | null;
  due_at: number;
  expires_at: number;
  status: string;
  attempts: number;
  source_received_at: number | null;
}

/** What the messaging layer needs from its Durable Object. */
export interface MessagingHost {
  ctx: DurableObjectState;
  env: Env;
  store: CustomerStore;
  /** Where a merged-away object forwards to; such an object sends nothing. */
  forwardTarget(): string | undefined;
  recommend: RecommendationsProvider | undefined;
}

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function scheduleRow(r: Row): ScheduleRow {
  return {
    id: String(r.id),
    run_id: String(r.run_id),
    trigger_id: String(r.trigger_id),
    kind: r.kind === "cascade" ? "cascade" : "step",
    step: Number(r.step),
    channel_index: Number(r.channel_index),
    channels: r.channels ? (JSON.parse(String(r.channels)) as MessageChannel[]) : null,
    due_at: Number(r.due_at),
    expires_at: Number(r.expires_at),
    status: String(r.status),
    attempts: Number(r.attempts),
    source_received_at: r.source_received_at === null ? null : Number(r.source_received_at),
  };
}

function runSummary(r: Row): RunSummary {
  return {
    runId: String(r.run_id),
    triggerId: String(r.trigger_id),
    template: r.template as RunSummary["template"],
    entryKey: String(r.entry_key),
    status: r.status as RunStatus,
    productId: r.product_id === null ? null : String(r.product_id),
    startedAt: Number(r.started_at),
    anchorAt: Number(r.anchor_at),
    lastSentAt: r.last_sent_at === null ? null : Number(r.last_sent_at),
    sentCount: Number(r.sent_count),
  };
}

export class CustomerMessaging {
  private readonly host: MessagingHost;
  private readonly sql: SqlStorage;
  private readonly content: MessageContent;
  private config: { value: MessagingConfig; loadedAt: number } | undefined;
  private refreshing: Promise<void> | undefined;
  /** runDue calls run one after another: an alarm and an in-session send never interleave their checks. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(host: MessagingHost) {
    this.host = host;
    this.sql = host.ctx.storage.sql;
    this.content = new MessageContent(host.ctx.storage.sql, host.store, host.env);
  }

  // ---- config (edge cache) ----------------------------------------------------------------

  /**
   * The workspace's published trigger config. Kept in memory; past its TTL the stale copy is used
   * while KV is re-read in the background, so the hot path waits on KV once per object wake-up
   * at most, and never on D1.
   */
  async messagingConfig(workspaceId: string): Promise<MessagingConfig> {
    const cached = this.config;
    if (cached && cached.value.workspace_id === workspaceId) {
      if (Date.now() - cached.loadedAt > this.configTtl() && !this.refreshing) {
        this.refreshing = this.loadConfig(workspaceId).finally(() => (this.refreshing = undefined));
        this.host.ctx.waitUntil(this.refreshing);
      }
      return cached.value;
    }
    await this.loadConfig(workspaceId);
    return this.config!.value;
  }

  private configTtl(): number {
    const ttl = Number(this.host.env.MESSAGING_CONFIG_TTL_MS);
    return Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_CONFIG_TTL_MS;
  }

  private async loadConfig(workspaceId: string): Promise<void> {
    try {
      const value = await sharedPublishedConfig(this.host.env.CONFIG_KV, workspaceId, this.configTtl());
      this.config = { value, loadedAt: Date.now() };
    } catch (error) {
      console.error("messaging config: KV read failed", workspaceId, error);
      if (!this.config || this.config.value.workspace_id !== workspaceId)
        this.config = { value: emptyConfig(workspaceId), loadedAt: Date.now() - this.configTtl() + CONFIG_RETRY_MS };
    }
  }

  // ---- small state --------------------------------------------------------------------------

  // messaging_meta is read on every batch (time zones, the armed alarm), so it lives in memory,
  // loaded once; this object is its only writer, so memory cannot go stale (see forget()).
  private meta: Map<string, string> | undefined;

  private metaMap(): Map<string, string> {
    if (!this.meta) {
      this.meta = new Map();
      for (const row of this.sql.exec(`SELECT key, value FROM messaging_meta`)) this.meta.set(String(row.key), String(row.value));
    }
    return this.meta;
  }

  private metaGet(key: string): string | undefined {
    return this.metaMap().get(key);
  }

  private metaSet(key: string, value: string | null): void {
    if (value === null) {
      this.sql.exec(`DELETE FROM messaging_meta WHERE key = ?`, key);
      this.metaMap().delete(key);
    } else {
      this.sql.exec(
        `INSERT INTO messaging_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        key,
        value,
      );
      this.metaMap().set(key, value);
    }
  }

  /** After the object's storage was erased (privacy delete): drop what memory holds of it. */
  forget(): void {
    this.meta = undefined;
  }

  private timeZone(policy: MessagingPolicy): string {
    return customerTimeZone(this.metaGet("tz_sdk"), this.metaGet("tz_edge"), policy.default_time_zone);
  }

  // ---- the hook after ingest ----------------------------------------------------------------

  /**
   * Runs after a batch was applied (and any merge it caused), synchronously: records time zones,
   * consent events and engagement with earlier messages, then plans trigger runs and writes them
   * as schedule rows. Returns whether a row is already due (an in-session trigger), so the
   * caller sends it at once instead of waiting for the alarm.
   */
  afterIngest(
    accepted: readonly SeamEvent[],
    options: { now: number; edgeTimeZone: string | undefined; cartChanged: boolean },
    config: MessagingConfig,
  ): { scheduleChanged: boolean; dueNow: boolean } {
    if (accepted.length === 0) return { scheduleChanged: false, dueNow: false };
    const { now } = options;
    let actions: TriggerAction[] = [];
    let engaged = false;
    this.host.ctx.storage.transactionSync(() => {
      this.recordTimeZones(accepted, options.edgeTimeZone);
      this.recordSubscriptions(accepted);
      engaged = this.recordEngagement(accepted);
      // Page views, screens and identifies are most of the traffic and start or end nothing by themselves.
      if (!config.triggers.some((t) => t.enabled) || (!options.cartChanged && !accepted.some((e) => e.type === "track"))) return;
      const viewed = new Set<string>();
      for (const e of accepted) {
        const product = canonicalEventName(e.event) === "product viewed" ? productFrom(e.properties) : null;
        if (product) viewed.add(product.productId);
      }
      actions = planForEvents(
        accepted,
        config.triggers,
        { now, cart: this.cartSnapshot(), cartChanged: options.cartChanged, viewCounts: this.viewCounts([...viewed]) },
        this.lookup,
      );
      this.applyActions(actions, now, Math.max(...accepted.map((e) => e.receivedAt)));
    });
    // Nothing planned and nothing engaged: the schedule and the alarm are as they were (the common case).
    if (actions.length === 0 && !engaged) return { scheduleChanged: false, dueNow: false };
    return { scheduleChanged: true, dueNow: this.hasDueRow(now) };
  }

  private recordTimeZones(events: readonly SeamEvent[], edge: string | undefined): void {
    let sdk: string | undefined;
    for (const e of events) if (typeof e.context.timezone === "string") sdk = e.context.timezone.slice(0, 64);
    if (sdk && sdk !== this.metaGet("tz_sdk")) this.metaSet("tz_sdk", sdk);
    if (edge && edge !== this.metaGet("tz_edge")) this.metaSet("tz_edge", edge.slice(0, 64));
  }

  /** `Subscribed` / `Unsubscribed` with `channel` (or `channels`); an `Unsubscribed` without one means every channel. */
  private recordSubscriptions(events: readonly SeamEvent[]): void {
    for (const e of events) {
      const name = canonicalEventName(e.event);
      const granted = SUBSCRIBE_EVENTS.has(name) ? 1 : UNSUBSCRIBE_EVENTS.has(name) ? 0 : null;
      if (granted === null || e.type !== "track") continue;
      const named = [e.properties.channel, ...(Array.isArray(e.properties.channels) ? e.properties.channels : [])].filter(
        (c): c is MessageChannel => typeof c === "string" && (MESSAGE_CHANNELS as readonly string[]).includes(c),
      );
      // Opting out of everything is always safe; opting in is only to what was named (an SMS opt-in must be explicit).
      const channels = named.length ? named : granted === 0 ? MESSAGE_CHANNELS : [];
      for (const channel of channels)
        this.sql.exec(
          `INSERT INTO consent (channel, granted, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (channel) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at
           WHERE excluded.updated_at >= consent.updated_at`,
          channel,
          granted,
          e.timestamp,
        );
    }
  }

  /**
   * An open or click of one of this customer's messages: stamped on the message, and the cascade
   * for that step stops here, at the event, not when its next hop comes due.
   */
  private recordEngagement(events: readonly SeamEvent[]): boolean {
    let any = false;
    for (const e of events) {
      const name = canonicalEventName(e.event);
      const clicked = CLICK_EVENTS.has(name);
      if (!clicked && !OPEN_EVENTS.has(name)) continue;
      const messageId = str(e.properties.message_id);
      if (!messageId) continue;
      const row = this.sql
        .exec(
          `UPDATE message_log SET opened_at = COALESCE(opened_at, ?), clicked_at = CASE WHEN ? THEN COALESCE(clicked_at, ?) ELSE clicked_at END
           WHERE message_id = ? RETURNING run_id, step`,
          e.timestamp,
          clicked ? 1 : 0,
          e.timestamp,
          messageId,
        )
        .toArray()[0];
      if (!row) continue;
      any = true;
      this.sql.exec(
        `UPDATE schedule SET status = 'cancelled', reason = 'engaged', updated_at = ?
         WHERE run_id = ? AND step = ? AND kind = 'cascade' AND status = 'pending'`,
        e.timestamp,
        row.run_id,
        row.step,
      );
    }
    return any;
  }

  private cartSnapshot() {
    const lines = this.sql
      .exec(`SELECT product_id, variant, quantity FROM cart_lines`)
      .toArray()
      .map((r) => ({ product_id: String(r.product_id), variant: String(r.variant), quantity: Number(r.quantity) }));
    const updated = this.host.store.meta("cart_updated_at");
    return {
      lineCount: lines.length,
      version: cartVersion(lines),
      updatedAt: updated === undefined ? null : Number(updated),
      productIds: new Set(lines.map((l) => l.product_id)),
    };
  }

  private viewCounts(productIds: string[]): Map<string, number> {
    const counts = new Map<string, number>();
    if (productIds.length === 0) return counts;
    for (const r of this.sql.exec(
      `SELECT product_id, view_count FROM viewed_items WHERE product_id IN (SELECT value FROM json_each(?))`,
      JSON.stringify(productIds),
    ))
      counts.set(String(r.product_id), Number(r.view_count));
    return counts;
  }

  /** The customer's runs, straight from SQLite (the planner is pure and reads through this). */
  private readonly lookup: RunLookup = {
    run: (runId) => {
      const row = this.sql.exec(`SELECT * FROM trigger_runs WHERE run_id = ?`, runId).toArray()[0];
      return row ? runSummary(row) : undefined;
    },
    active: (triggerId) =>
      this.sql
        .exec(
          `SELECT * FROM trigger_runs r WHERE trigger_id = ? AND (status = 'active' OR (status = 'completed'
             AND EXISTS (SELECT 1 FROM schedule s WHERE s.run_id = r.run_id AND s.status = 'pending')))`,
          triggerId,
        )
        .toArray()
        .map(runSummary),
    lastSentAt: (triggerId) => {
      const v = this.sql.exec(`SELECT MAX(last_sent_at) AS t FROM trigger_runs WHERE trigger_id = ?`, triggerId).one().t;
      return v === null ? null : Number(v);
    },
  };

  private applyActions(actions: readonly TriggerAction[], now: number, receivedAt: number | null): void {
    if (actions.length === 0) return;
    for (const action of actions) {
      switch (action.kind) {
        case "start": {
          const { trigger } = action;
          this.sql.exec(
            `INSERT INTO trigger_runs (run_id, trigger_id, template, entry_key, status, product_id, context, started_at, anchor_at, next_step, updated_at)
             VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, 1, ?) ON CONFLICT (run_id) DO NOTHING`,
            action.runId,
            trigger.id,
            trigger.template,
            action.entryKey,
            action.productId,
            JSON.stringify(action.context),
            now,
            action.anchorAt,
            now,
          );
          this.insertStepRow(action.runId, trigger, 0, action.firstDueAt, receivedAt, now);
          break;
        }
        case "postpone":
          this.sql.exec(`UPDATE trigger_runs SET anchor_at = ?, updated_at = ? WHERE run_id = ? AND status = 'active'`, action.anchorAt, now, action.runId);
          this.sql.exec(
            `UPDATE schedule SET due_at = ?, expires_at = ?, source_received_at = ?, updated_at = ?
             WHERE run_id = ? AND kind = 'step' AND step = 0 AND status = 'pending'`,
            action.dueAt,
            action.dueAt + action.trigger.expires_after_hours * HOUR_MS,
            receivedAt,
            now,
            action.runId,
          );
          break;
        case "end":
          this.endRun(action.runId, action.status, action.reason, now);
          break;
      }
    }
    this.trim();
  }

  private insertStepRow(runId: string, trigger: TriggerDefinition, step: number, dueAt: number, receivedAt: number | null, now: number): void {
    this.sql.exec(
      `INSERT INTO schedule (id, run_id, trigger_id, kind, step, due_at, expires_at, status, source_received_at, created_at, updated_at)
       VALUES (?, ?, ?, 'step', ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      `${runId}#s${step}`,
      runId,
      trigger.id,
      step,
      dueAt,
      dueAt + trigger.expires_after_hours * HOUR_MS,
      receivedAt,
      now,
      now,
    );
  }

  /** Ends a run and cancels everything it still had pending, in one statement pair. */
  private endRun(runId: string, status: "exited" | "superseded", reason: string, now: number): void {
    this.sql.exec(
      `UPDATE trigger_runs SET status = ?, reason = ?, updated_at = ? WHERE run_id = ? AND status IN ('active', 'completed')`,
      status,
      reason,
      now,
      runId,
    );
    this.sql.exec(
      `UPDATE schedule SET status = 'cancelled', reason = ?, updated_at = ? WHERE run_id = ? AND status = 'pending'`,
      reason,
      now,
      runId,
    );
  }

  /** Keeps the runs, finished schedule rows and message log within their caps; pending work always stays. */
  private trim(): void {
    this.sql.exec(
      `DELETE FROM trigger_runs WHERE run_id IN (SELECT run_id FROM trigger_runs WHERE status != 'active'
         AND NOT EXISTS (SELECT 1 FROM schedule s WHERE s.run_id = trigger_runs.run_id AND s.status IN ('pending', 'sending'))
         ORDER BY updated_at DESC LIMIT -1 OFFSET ?)`,
      CAPS.triggerRuns,
    );
    this.sql.exec(
      `DELETE FROM schedule WHERE id IN (SELECT id FROM schedule WHERE status NOT IN ('pending', 'sending')
         ORDER BY updated_at DESC LIMIT -1 OFFSET ?)`,
      CAPS.scheduleHistory,
    );
    this.sql.exec(
      `DELETE FROM message_log WHERE message_id IN (SELECT message_id FROM message_log ORDER BY queued_at DESC LIMIT -1 OFFSET ?)`,
      CAPS.messageLog,
    );
  }

  // ---- catalog changes ----------------------------------------------------------------------

  /** A price drop or restock of a product this customer may care about (from the fan-out). */
  async catalogChange(workspaceId: string, change: CatalogChange, now: number): Promise<{ scheduled: boolean; dueNow: boolean }> {
    const config = await this.messagingConfig(workspaceId);
    if (!config.triggers.some((t) => t.enabled && t.template === change.kind)) return { scheduled: false, dueNow: false };
    const interest = {
      viewedAt: num(this.sql.exec(`SELECT MAX(last_seen) AS t FROM viewed_items WHERE product_id = ?`, change.product_id).one().t),
      inCart: this.sql.exec(`SELECT 1 FROM cart_lines WHERE product_id = ? LIMIT 1`, change.product_id).toArray().length > 0,
      boughtAt: this.productBoughtAt(change.product_id),
    };
    const actions = planCatalogChange(change, config.triggers, interest, this.lookup, now);
    this.host.ctx.storage.transactionSync(() => this.applyActions(actions, now, now));
    return { scheduled: actions.some((a) => a.kind === "start"), dueNow: this.hasDueRow(now) };
  }

  private productBoughtAt(productId: string): number | null {
    return num(
      this.sql
        .exec(
          `SELECT MAX(o.ts) AS t FROM orders o, json_each(o.products) p WHERE p.value->>'productId' = ?`,
          productId,
        )
        .one().t,
    );
  }

  // ---- the alarm ----------------------------------------------------------------------------

  private hasDueRow(now: number): boolean {
    return this.sql.exec(`SELECT 1 FROM schedule WHERE status = 'pending' AND due_at <= ? LIMIT 1`, now).toArray().length > 0;
  }

  /** Sets the one alarm to the earliest pending row (or a lapsed send lease), or clears it. */
  async armAlarm(): Promise<void> {
    const next = this.sql
      .exec(
        `SELECT MIN(t) AS t FROM (SELECT MIN(due_at) AS t FROM schedule WHERE status = 'pending'
                                   UNION ALL SELECT MIN(lease_until) FROM schedule WHERE status = 'sending')`,
      )
      .one().t;
    const armed = this.metaGet("alarm_at");
    if (next === null) {
      if (armed !== undefined) {
        this.metaSet("alarm_at", null);
        await this.host.ctx.storage.deleteAlarm();
      }
      return;
    }
    if (armed === String(next)) return;
    this.metaSet("alarm_at", String(next));
    await this.host.ctx.storage.setAlarm(Number(next));
  }

  /**
   * The alarm fires when the earliest row is due; its clock is the later of now and the time it
   * was armed for. In production they agree (alarms never fire early); a test that runs the alarm
   * with `runDurableObjectAlarm` has moved time forward to it, and nothing sleeps.
   */
  async onAlarm(): Promise<void> {
    const armed = Number(this.metaGet("alarm_at") ?? 0);
    this.metaSet("alarm_at", null);
    await this.runDue(Math.max(Date.now(), armed));
  }

  /**
   * Processes every row due at `now` (a clock passed in: the alarm's, or a test's), one after the
   * other, then re-arms the alarm to the earliest remaining row in a `finally`, so a failure
   * never leaves the schedule without an alarm.
   */
  runDue(now: number): Promise<DueRowOutcome[]> {
    const run = this.queue.then(() => this.runDueNow(now));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runDueNow(now: number): Promise<DueRowOutcome[]> {
    const outcomes: DueRowOutcome[] = [];
    try {
      const workspaceId = this.host.store.meta("workspace_id");
      if (this.host.forwardTarget() !== undefined || workspaceId === undefined) {
        // A merged-away object sends nothing: its customer's object plans from the merged state.
        this.sql.exec(`UPDATE schedule SET status = 'cancelled', reason = 'merged', updated_at = ? WHERE status IN ('pending', 'sending')`, now);
        return outcomes;
      }
      const config = await this.messagingConfig(workspaceId);
      const seen = new Set<string>();
      while (outcomes.length < DUE_ROWS_PER_RUN) {
        const row = this.sql
          .exec(
            `SELECT * FROM schedule WHERE (status = 'pending' AND due_at <= ?) OR (status = 'sending' AND lease_until <= ?)
             ORDER BY due_at, id LIMIT 1`,
            now,
            now,
          )
          .toArray()[0];
        if (!row || seen.has(String(row.id))) break;
        seen.add(String(row.id));
        const due = scheduleRow(row);
        try {
          outcomes.push(await this.processRow(due, now, config, workspaceId));
        } catch (error) {
          outcomes.push(this.rowFailed(due, error, now));
        }
      }
    } finally {
      await this.armAlarm();
    }
    return outcomes;
  }

  /**
   * A row whose processing threw (a bug, a storage hiccup) is retried later with backoff and
   * dropped after ROW_MAX_ATTEMPTS, with the error as its reason: one bad row can neither spin
   * the alarm nor hold up the rows behind it.
   */
  private rowFailed(row: ScheduleRow, error: unknown, now: number): DueRowOutcome {
    const reason = `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    console.error("messaging: schedule row failed", row.id, error);
    const attempts = row.attempts + 1;
    if (attempts >= ROW_MAX_ATTEMPTS) {
      this.sql.exec(`UPDATE schedule SET status = 'dropped', reason = ?, attempts = ?, lease_until = NULL, updated_at = ? WHERE id = ?`, reason, attempts, now, row.id);
      return { id: row.id, outcome: "dropped", reason };
    }
    const retryAt = now + Math.min(ROW_RETRY_MS * 2 ** (attempts - 1), ENQUEUE_RETRY_MAX_MS);
    this.sql.exec(
      `UPDATE schedule SET status = 'pending', due_at = ?, reason = ?, attempts = ?, lease_until = NULL, updated_at = ? WHERE id = ?`,
      retryAt,
      reason,
      attempts,
      now,
      row.id,
    );
    return { id: row.id, outcome: "rescheduled", reason, at: iso(retryAt) };
  }

  private finishRow(row: ScheduleRow, status: "done" | "cancelled" | "dropped", reason: string | null, now: number): void {
    this.sql.exec(
      `UPDATE schedule SET status = ?, reason = ?, lease_until = NULL, updated_at = ? WHERE id = ?`,
      status,
      reason,
      now,
      row.id,
    );
  }

  /** A step that cannot go is dropped with its reason (never silently lost); the run moves on to its next step. */
  private dropRow(row: ScheduleRow, run: RunSummary, trigger: TriggerDefinition, reason: string, now: number): DueRowOutcome {
    this.host.ctx.storage.transactionSync(() => {
      this.finishRow(row, "dropped", reason, now);
      if (row.kind === "step") this.advanceRun(run, trigger, now);
      this.trim();
    });
    return { id: row.id, outcome: "dropped", reason };
  }

  /** Schedules the run's next step, or completes the run after its last. */
  private advanceRun(run: RunSummary, trigger: TriggerDefinition, now: number): void {
    const next = Number(this.sql.exec(`SELECT next_step FROM trigger_runs WHERE run_id = ?`, run.runId).one().next_step);
    if (next < trigger.steps.length) {
      this.insertStepRow(run.runId, trigger, next, Math.max(stepDueAt(trigger, run.anchorAt, next), now), null, now);
      this.sql.exec(`UPDATE trigger_runs SET next_step = ?, updated_at = ? WHERE run_id = ?`, next + 1, now, run.runId);
    } else {
      this.sql.exec(`UPDATE trigger_runs SET status = 'completed', updated_at = ? WHERE run_id = ? AND status = 'active'`, now, run.runId);
    }
  }

  private async processRow(row: ScheduleRow, now: number, config: MessagingConfig, workspaceId: string): Promise<DueRowOutcome> {
    const run = this.lookup.run(row.run_id);
    const trigger = config.triggers.find((t) => t.id === row.trigger_id);
    if (!run) {
      this.finishRow(row, "cancelled", "run_missing", now);
      return { id: row.id, outcome: "cancelled", reason: "run_missing" };
    }
    if (!trigger || !trigger.enabled) {
      this.host.ctx.storage.transactionSync(() => this.endRun(run.runId, "exited", "trigger_disabled", now));
      return { id: row.id, outcome: "exited", reason: "trigger_disabled" };
    }
    if (run.status === "exited" || run.status === "superseded") {
      this.finishRow(row, "cancelled", `run_${run.status}`, now);
      return { id: row.id, outcome: "cancelled", reason: `run_${run.status}` };
    }
    const wanted = stepStillWanted(trigger, run, this.sendTimeFacts(run), now);
    if (!wanted.ok) {
      this.host.ctx.storage.transactionSync(() => this.endRun(run.runId, "exited", wanted.reason, now));
      return { id: row.id, outcome: "exited", reason: wanted.reason };
    }
    if (row.kind === "cascade" && this.stepEngaged(run.runId, row.step)) {
      this.finishRow(row, "done", "engaged", now);
      return { id: row.id, outcome: "done", reason: "engaged" };
    }
    if (now > row.expires_at) return this.dropRow(row, run, trigger, "expired", now);

    const { policy } = config;
    const traits = this.content.traits();
    const contact = this.content.contact(traits);
    let channels = row.channels;
    let chosenBy = "cascade";
    if (!channels) {
      const order = channelOrder(trigger.channels ?? policy.cascade.channels, traits[policy.preference_trait], this.engagementByChannel());
      channels = order.channels;
      chosenBy = order.chosenBy;
    }
    const pick = firstSendableChannel(channels, row.channel_index, this.host.store.consent(), policy.opt_in_channels, contact);
    if (!pick.found) {
      const why = pick.skipped.map((s) => `${s.channel}:${s.reason}`).join(",");
      return this.dropRow(row, run, trigger, `${row.kind === "step" ? "no_sendable_channel" : "cascade_exhausted"}${why ? ` (${why})` : ""}`, now);
    }
    const timeZone = this.timeZone(policy);
    const window = nextSendTime(now, pick.channel, this.sentMessages(now, policy), policy, timeZone);
    if (window.at > now) {
      const reason = window.reasons.join("+");
      if (window.at > row.expires_at) return this.dropRow(row, run, trigger, `expired:${reason}`, now);
      // Rescheduled to the first allowed time, keeping the channel plan: never silently lost.
      this.sql.exec(
        `UPDATE schedule SET status = 'pending', due_at = ?, reason = ?, channel_index = ?, channels = ?, lease_until = NULL, updated_at = ? WHERE id = ?`,
        window.at,
        `rescheduled:${reason}`,
        pick.index,
        JSON.stringify(channels),
        now,
        row.id,
      );
      return { id: row.id, outcome: "rescheduled", reason, at: iso(window.at), channel: pick.channel };
    }

    // Build the message. The awaits below let other events in, so the row is checked again before it is claimed.
    const profileKey = this.host.store.meta("profile_key")!;
    const messageId = await messageIdFor(workspaceId, profileKey, run.runId, row.step, pick.channel);
    const input = this.content.payloadInput(run, trigger, row.step, pick.channel, messageId, now, traits, contact, timeZone, policy, config.allowed_origins);
    input.recommended = await recommendedProducts(this.host.recommend, {
      workspaceId,
      profileKey,
      template: trigger.template,
      productIds: [...(input.cart?.lines.map((l) => l.product_id) ?? []), ...input.products.map((p) => p.product_id)],
      limit: RECOMMENDED_PER_MESSAGE,
    });
    input.catalogUrls = await this.content.catalogUrls(workspaceId, [
      ...(input.cart?.lines.map((l) => l.product_id) ?? []),
      ...input.products.map((p) => p.product_id),
      ...input.recommended.map((p) => p.product_id),
    ]);
    const links = await this.content.trackedLinks(input, { w: workspaceId, p: profileKey, m: messageId, ch: pick.channel, t: trigger.id });
    const message: OutgoingMessage = {
      v: 1,
      message_id: messageId,
      workspace_id: workspaceId,
      profile_key: profileKey,
      channel: pick.channel,
      trigger_id: trigger.id,
      template: trigger.template,
      step: row.step,
      created_at: iso(now),
      payload: buildMessagePayload(input, links.tracked, links.fixed),
    };
    const current = this.sql.exec(`SELECT status, due_at FROM schedule WHERE id = ?`, row.id).toArray()[0];
    if (!current || current.status !== row.status || Number(current.due_at) !== row.due_at) return { id: row.id, outcome: "changed" };

    this.host.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO message_log (message_id, run_id, trigger_id, template, step, channel, chosen_by, status, product_id, queued_at, event_received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
         ON CONFLICT (message_id) DO UPDATE SET queued_at = excluded.queued_at,
           status = CASE WHEN message_log.status = 'enqueue_failed' THEN 'queued' ELSE message_log.status END`,
        messageId,
        run.runId,
        trigger.id,
        trigger.template,
        row.step,
        pick.channel,
        row.kind === "cascade" ? "cascade" : chosenBy,
        run.productId,
        now,
        row.source_received_at,
      );
      this.sql.exec(
        `UPDATE schedule SET status = 'sending', lease_until = ?, attempts = attempts + 1, message_id = ?, channel_index = ?, channels = ?, updated_at = ?
         WHERE id = ?`,
        now + SEND_LEASE_MS,
        messageId,
        pick.index,
        JSON.stringify(channels),
        now,
        row.id,
      );
    });
    try {
      await this.host.env.MESSAGES.send(message, { contentType: "json" });
    } catch (error) {
      console.error("messages queue: send failed; will retry", messageId, error);
      const retryAt = now + Math.min(ENQUEUE_RETRY_MS * (row.attempts + 1), ENQUEUE_RETRY_MAX_MS);
      this.host.ctx.storage.transactionSync(() => {
        this.sql.exec(`UPDATE message_log SET status = 'enqueue_failed' WHERE message_id = ?`, messageId);
        this.sql.exec(
          `UPDATE schedule SET status = 'pending', due_at = ?, reason = 'enqueue_failed', lease_until = NULL, updated_at = ? WHERE id = ?`,
          retryAt,
          now,
          row.id,
        );
      });
      return { id: row.id, outcome: "enqueue_failed", message_id: messageId };
    }
    // Wall-clock time after the queue accepted the message: the end of the event → enqueued latency.
    const enqueuedAt = Date.now();
    // A cascade hop only where a later channel can take it (consented, reachable); it is checked again when due.
    const nextHop = firstSendableChannel(channels, pick.index + 1, this.host.store.consent(), policy.opt_in_channels, contact);
    this.host.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE message_log SET enqueued_wall_at = ? WHERE message_id = ?`, enqueuedAt, messageId);
      this.finishRow(row, "done", null, now);
      this.sql.exec(
        `UPDATE trigger_runs SET last_sent_at = ?, sent_count = sent_count + 1, updated_at = ? WHERE run_id = ?`,
        now,
        now,
        run.runId,
      );
      if (nextHop.found) {
        // The next channel, unless this message is opened or clicked before the wait is over.
        const due = now + (trigger.cascade_wait_hours ?? policy.cascade.wait_hours) * HOUR_MS;
        this.sql.exec(
          `INSERT INTO schedule (id, run_id, trigger_id, kind, step, channel_index, channels, due_at, expires_at, status, created_at, updated_at)
           VALUES (?, ?, ?, 'cascade', ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`,
          `${run.runId}#s${row.step}#c${nextHop.index}`,
          run.runId,
          trigger.id,
          row.step,
          nextHop.index,
          JSON.stringify(channels),
          due,
          due + trigger.expires_after_hours * HOUR_MS,
          now,
          now,
        );
      }
      if (row.kind === "step") this.advanceRun(run, trigger, now);
      this.trim();
    });
    return { id: row.id, outcome: "sent", message_id: messageId, channel: pick.channel };
  }

  private stepEngaged(runId: string, step: number): boolean {
    return (
      this.sql
        .exec(
          `SELECT 1 FROM message_log WHERE run_id = ? AND step = ? AND (opened_at IS NOT NULL OR clicked_at IS NOT NULL) LIMIT 1`,
          runId,
          step,
        )
        .toArray().length > 0
    );
  }

  private sendTimeFacts(run: RunSummary) {
    const cartProductIds = new Set(this.sql.exec(`SELECT DISTINCT product_id FROM cart_lines`).toArray().map((r) => String(r.product_id)));
    return {
      cartLineCount: Number(this.sql.exec(`SELECT COUNT(*) AS n FROM cart_lines`).one().n),
      cartProductIds,
      lastOrderAt: num(this.sql.exec(`SELECT MAX(ts) AS t FROM orders`).one().t),
      productBoughtAt: (productId: string) => this.productBoughtAt(productId),
      otherRunLastSentAt: num(
        this.sql
          .exec(`SELECT MAX(last_sent_at) AS t FROM trigger_runs WHERE trigger_id = ? AND run_id != ?`, run.triggerId, run.runId)
          .one().t,
      ),
    };
  }

  /** Messages that count against caps, as far back as the longest rule looks. */
  private sentMessages(now: number, policy: MessagingPolicy) {
    const horizon = Math.max(0, ...policy.caps.map((c) => Math.max((c.window_days ?? 0) * DAY_MS, (c.min_gap_hours ?? 0) * HOUR_MS)));
    return this.sql
      .exec(
        `SELECT channel, queued_at FROM message_log WHERE status IN ('queued', 'sent', 'delivered') AND queued_at > ?`,
        now - horizon,
      )
      .toArray()
      .map((r) => ({ channel: r.channel as MessageChannel, at: Number(r.queued_at) }));
  }

  private engagementByChannel(): ChannelEngagement[] {
    return this.sql
      .exec(`SELECT channel, COUNT(opened_at) AS opened, COUNT(clicked_at) AS clicked FROM message_log GROUP BY channel`)
      .toArray()
      .map((r) => ({ channel: r.channel as MessageChannel, opened: Number(r.opened), clicked: Number(r.clicked) }));
  }

  // ---- delivery reports ---------------------------------------------------------------------

  /**
   * Records what happened to a message after the queue: sent (webhook or outbox), delivered (a
   * provider's receipt), failed (dead-lettered). A failed message cannot be opened, so the
   * cascade moves to its next channel now instead of waiting. Returns whether the message is known.
   */
  async recordDelivery(report: DeliveryReport): Promise<boolean> {
    const row = this.host.ctx.storage.transactionSync(() => {
      const column = { sent: "sent_at", delivered: "delivered_at", failed: "failed_at" }[report.status];
      // An enqueue that threw may still have reached the queue: the consumer's word wins over ours.
      const from = report.status === "sent" ? "('queued', 'enqueue_failed')" : "('queued', 'sent', 'enqueue_failed')";
      this.sql.exec(
        `UPDATE message_log SET status = CASE WHEN status IN ${from} THEN ? ELSE status END, ${column} = COALESCE(${column}, ?),
           error = COALESCE(?, error) WHERE message_id = ?`,
        report.status,
        report.at,
        report.error ?? null,
        report.message_id,
      );
      const found = this.sql.exec(`SELECT run_id, step FROM message_log WHERE message_id = ?`, report.message_id).toArray()[0];
      if (found && report.status === "failed")
        this.sql.exec(
          `UPDATE schedule SET due_at = MIN(due_at, ?), updated_at = ? WHERE run_id = ? AND step = ? AND kind = 'cascade' AND status = 'pending'`,
          report.at,
          report.at,
          found.run_id,
          found.step,
        );
      return found;
    });
    if (row && report.status === "failed") await this.armAlarm();
    return row !== undefined;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** The customer's messages, schedule and runs, newest first (`GET /v1/customers/:id/messages`). */
  state(config: MessagingConfig | undefined) {
    const messages = this.sql.exec(`SELECT * FROM message_log ORDER BY queued_at DESC, message_id`).toArray();
    const schedule = this.sql
      .exec(`SELECT * FROM schedule ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'sending' THEN 1 ELSE 2 END, due_at, id`)
      .toArray();
    const runs = this.sql.exec(`SELECT * FROM trigger_runs ORDER BY started_at DESC, run_id`).toArray();
    const alarm = this.metaGet("alarm_at");
    return {
      time_zone: config ? this.timeZone(config.policy) : null,
      alarm_at: alarm === undefined ? null : iso(Number(alarm)),
      messages: messages.map((m) => ({
        message_id: String(m.message_id),
        trigger_id: String(m.trigger_id),
        template: String(m.template),
        step: Number(m.step),
        channel: String(m.channel),
        chosen_by: m.chosen_by as string | null,
        status: String(m.status),
        product_id: m.product_id as string | null,
        queued_at: iso(Number(m.queued_at)),
        sent_at: isoOrNull(m.sent_at === null ? undefined : Number(m.sent_at)),
        delivered_at: isoOrNull(m.delivered_at === null ? undefined : Number(m.delivered_at)),
        failed_at: isoOrNull(m.failed_at === null ? undefined : Number(m.failed_at)),
        opened_at: isoOrNull(m.opened_at === null ? undefined : Number(m.opened_at)),
        clicked_at: isoOrNull(m.clicked_at === null ? undefined : Number(m.clicked_at)),
        error: m.error as string | null,
        event_received_at: isoOrNull(m.event_received_at === null ? undefined : Number(m.event_received_at)),
        /** Edge receipt of the triggering event → the queue accepted the message (in-session triggers). */
        enqueue_latency_ms:
          m.event_received_at === null || m.enqueued_wall_at === null ? null : Number(m.enqueued_wall_at) - Number(m.event_received_at),
      })),
      schedule: schedule.map((r) => {
        const s = scheduleRow(r);
        return {
          id: s.id,
          run_id: s.run_id,
          trigger_id: s.trigger_id,
          kind: s.kind,
          step: s.step,
          channel_index: s.channel_index,
          channels: s.channels,
          due_at: iso(s.due_at),
          expires_at: iso(s.expires_at),
          status: s.status,
          reason: r.reason as string | null,
          attempts: s.attempts,
          message_id: r.message_id as string | null,
        };
      }),
      runs: runs.map((r) => {
        const run = runSummary(r);
        return {
          run_id: run.runId,
          trigger_id: run.triggerId,
          template: run.template,
          entry_key: run.entryKey,
          status: run.status,
          reason: r.reason as string | null,
          product_id: run.productId,
          started_at: iso(run.startedAt),
          anchor_at: iso(run.anchorAt),
          last_sent_at: run.lastSentAt === null ? null : iso(run.lastSentAt),
          sent_count: run.sentCount,
        };
      }),
    };
  }
}

export type MessagingState = ReturnType<CustomerMessaging["state"]>;
