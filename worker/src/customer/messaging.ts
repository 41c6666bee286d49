// The CustomerDO's messaging orchestration: after each batch it plans trigger runs, the one alarm
// works through the schedule, each due row is decided (triggers/due-step.ts), composed, sent to the
// queue and recorded. Its storage, clock, queue, config and alarm are passed in.
import type { OutgoingMessage } from "../messages/message.ts";
import type { SeamEvent } from "../schemas.ts";
import { audienceAllows } from "../triggers/audience.ts";
import { planCatalogChange, planNewArrivals, type CatalogChange, type NewArrivals } from "../triggers/catalog-triggers.ts";
import type { MessagingConfig, MessagingPolicy } from "../triggers/policy.ts";
import { decideDueStep, nextCascadeHop } from "../triggers/due-step.ts";
import { planNearStoreOffer, type StoreEntered } from "../triggers/near-store.ts";
import type { TriggerAction } from "../triggers/evaluate.ts";
import type { ContactKind } from "../identity/profile-keys.ts";
import { AWAITING_CONFIRMATION } from "../triggers/contact-confirmation.ts";
import { customerTimeZone } from "../triggers/quiet-hours.ts";
import type { MessagingSnapshot } from "../triggers/run-merge.ts";
import { dueStepFacts } from "./due-step-facts.ts";
import { composeMessage, type ComposerDeps } from "./message-composer.ts";
import { planContactConfirmations, planTriggerRuns } from "./planning.ts";
import type { MessagingStore } from "./messaging-store.ts";
import { messagingView, type MessagingState, type ScheduledRow } from "./messaging-views.ts";
import type { CustomerReads } from "./store-reads.ts";

/** Rows one alarm processes; more re-arm the alarm at once instead of holding the object. */
export const DUE_ROWS_PER_RUN = 50;
/** A row being sent is leased; after a crash it is picked up again once the lease ran out (same message id). */
const SEND_LEASE_MS = 60_000;
/** Enqueue failures retry with this backoff (× attempts), capped. */
const ENQUEUE_RETRY_MS = 30_000;
const RETRY_MAX_MS = 15 * 60_000;
/** A row whose processing throws is retried after 30 s, 60 s, … and dropped at the fifth failure. */
const ROW_RETRY_MS = 30_000;
const ROW_MAX_ATTEMPTS = 5;

/** A message's delivery as the messages consumer (or a provider's receipt) reports it. */
/** What the runtime's one alarm must become once a transaction commits: a time, or cleared (null). */
export interface AlarmChange {
  at: number | null;
}

export interface DeliveryReport {
  message_id: string;
  status: "sent" | "delivered" | "failed";
  at: number;
  via?: "webhook" | "outbox";
  error?: string;
}

export interface MessagingDeps {
  /** The messaging tables (runs, schedule, message log, messaging meta). */
  store: MessagingStore;
  /** The customer's own facts: cart, orders, views, consent, contact. Read only. */
  customer: CustomerReads;
  /** Wall-clock time; every decision takes its `now` from the caller (an event, the alarm). */
  clock: () => number;
  /** The `messages` queue. */
  send: (message: OutgoingMessage) => Promise<void>;
  /** The workspace's published trigger definitions and policy, current at the call. */
  config: (workspaceId: string) => Promise<MessagingConfig>;
  alarm: { set(at: number): Promise<void>; clear(): Promise<void> };
  compose: ComposerDeps;
  /** Marks an address as asked for confirmation (the customer store owns identities). */
  requestConfirmation: (kind: ContactKind, value: string, now: number) => void;
  /** Which customer this object is, and whether it was merged into another (then it sends nothing). */
  self: () => { workspaceId: string | undefined; profileKey: string | undefined; forwarded: boolean };
  /** The segments the customer is in now (customer/segments.ts): a trigger's audience. */
  segments: () => ReadonlySet<string>;
}

export type { MessagingState };

export class CustomerMessaging {
  private readonly deps: MessagingDeps;
  /** runDue calls run one after another: an alarm and an in-session send never interleave their checks. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(deps: MessagingDeps) {
    this.deps = deps;
  }

  private get store(): MessagingStore {
    return this.deps.store;
  }

  private timeZone(policy: MessagingPolicy): string {
    return customerTimeZone(this.store.meta.get("tz_sdk"), this.store.meta.get("tz_edge"), policy.default_time_zone);
  }

  // ---- after ingest -----------------------------------------------------------------------------

  /**
   * Runs after a batch was applied (and any merge it caused), synchronously: records time zones
   * and engagement with earlier messages, then plans trigger runs and writes them as schedule
   * rows. Returns whether a row is already due (an in-session trigger), so the caller sends it at
   * once instead of waiting for the alarm.
   */
  afterIngest(
    accepted: readonly SeamEvent[],
    options: { now: number; edgeTimeZone: string | undefined; cartChanged: boolean },
    config: MessagingConfig,
  ): { alarm: AlarmChange | undefined; dueNow: boolean } {
    if (accepted.length === 0) return { alarm: undefined, dueNow: false };
    const { now } = options;
    let actions: TriggerAction[] = [];
    let engaged = false;
    const alarm = this.store.transaction(() => {
      this.recordTimeZones(accepted, options.edgeTimeZone);
      engaged = this.store.recordEngagement(accepted);
      actions = [
        ...planTriggerRuns(accepted, options, config, this.deps.customer, this.deps.segments(), this.store.runs),
        ...planContactConfirmations(accepted, config, this.deps.customer, this.deps.requestConfirmation, now),
      ];
      this.store.applyActions(actions, now, Math.max(...accepted.map((e) => e.receivedAt)));
      // Nothing planned and nothing engaged: the schedule and the alarm are as they were (the common case).
      return actions.length === 0 && !engaged ? undefined : this.alarmChange();
    });
    return { alarm, dueNow: (actions.length > 0 || engaged) && this.store.hasDueRow(now) };
  }

  /**
   * The customer clicked an address's confirmation link: marketing held for it goes now. Whether
   * anything became due (the caller sends it at once).
   */
  contactConfirmed(now: number): boolean {
    return this.store.transaction(() => this.store.releaseHeld(AWAITING_CONFIRMATION, now));
  }

  private recordTimeZones(events: readonly SeamEvent[], edge: string | undefined): void {
    let sdk: string | undefined;
    for (const e of events) if (typeof e.context.timezone === "string") sdk = e.context.timezone.slice(0, 64);
    const { meta } = this.store;
    if (sdk && sdk !== meta.get("tz_sdk")) meta.set("tz_sdk", sdk);
    if (edge && edge.slice(0, 64) !== meta.get("tz_edge")) meta.set("tz_edge", edge.slice(0, 64));
  }

  // ---- catalog changes --------------------------------------------------------------------------

  /** A price drop, a restock or new arrivals this customer may care about (from the fan-out). */
  async catalogChange(workspaceId: string, change: CatalogChange | NewArrivals, now: number): Promise<{ scheduled: boolean; dueNow: boolean }> {
    const config = await this.deps.config(workspaceId);
    const template = change.kind === "new_arrivals" ? "new_in_favourite_category" : change.kind;
    if (!config.triggers.some((t) => t.enabled && t.template === template)) return { scheduled: false, dueNow: false };
    // A catalog change only starts runs: the triggers whose audience the customer is not in are left out.
    const segments = this.deps.segments();
    const triggers = config.triggers.filter((t) => audienceAllows(t.audience, segments));
    const { customer } = this.deps;
    const actions =
      change.kind === "new_arrivals"
        ? planNewArrivals(
            change,
            triggers,
            {
              activity: (since) => customer.categoryActivity(since),
              unseen: (ids) => {
                const seen = customer.seenProducts(ids);
                return ids.filter((id) => !seen.has(id));
              },
            },
            this.store.runs,
            now,
          )
        : planCatalogChange(change, triggers, customer.productInterest(change.product_id), this.store.runs, now);
    this.store.transaction(() => this.store.applyActions(actions, now, now));
    return { scheduled: actions.some((a) => a.kind === "start"), dueNow: this.store.hasDueRow(now) };
  }

  /** A visitor who has just come near one of the workspace's stores: plans the near-store offer (when switched on); answers whether it is due now. */
  async nearStore(store: StoreEntered, config: MessagingConfig, now: number): Promise<boolean> {
    const actions = planNearStoreOffer(store, config.triggers, this.store.runs, now);
    if (actions.length === 0) return false;
    this.store.transaction(() => this.store.applyActions(actions, now, now));
    await this.armAlarm();
    return this.store.hasDueRow(now);
  }

  // ---- the alarm ----------------------------------------------------------------------------------

  /** Sets the one alarm to the earliest pending row (or a lapsed send lease), or clears it. */
  async armAlarm(): Promise<void> {
    await this.setAlarm(this.store.transaction(() => this.alarmChange()));
  }

  /**
   * Inside a transaction: records when the one alarm must fire (`alarm_at`, which then rides with
   * the transaction's other writes instead of a write of its own), and answers what the runtime must
   * be told once it commits (setAlarm; undefined: nothing changed).
   */
  alarmChange(): AlarmChange | undefined {
    const next = this.store.nextWakeUp();
    const armed = this.store.meta.get("alarm_at");
    if (armed === (next === null ? undefined : String(next))) return undefined;
    if (next === null) this.store.meta.delete("alarm_at");
    else this.store.meta.set("alarm_at", next);
    return { at: next };
  }

  /** Sets (or clears) the runtime's alarm as a committed alarmChange recorded it. */
  async setAlarm(change: AlarmChange | undefined): Promise<void> {
    if (!change) return;
    if (change.at === null) await this.deps.alarm.clear();
    else await this.deps.alarm.set(change.at);
  }

  /**
   * The alarm fires when the earliest row is due; its clock is the later of now and the time it
   * was armed for. In production they agree (alarms never fire early); a test that runs the alarm
   * with `runDurableObjectAlarm` has moved time forward to it, and nothing sleeps.
   */
  async onAlarm(now = this.alarmNow()): Promise<void> {
    this.store.transaction(() => this.store.meta.delete("alarm_at"));
    await this.runDue(now);
  }

  /** The alarm's clock (see onAlarm): the other timers behind the alarm (segments) run at the same moment. */
  alarmNow(): number {
    return Math.max(this.deps.clock(), Number(this.store.meta.get("alarm_at") ?? 0));
  }

  /**
   * Processes every row due at `now` (the alarm's clock, or the event's for an in-session send),
   * one after the other, then re-arms the alarm to the earliest remaining row in a `finally`, so a
   * failure never leaves the schedule without an alarm.
   *
   * An in-session send passes its batch's config read still in flight (`current`) and the copy it
   * planned with (`held`): the message is decided and built with the copy while KV answers, and
   * nothing is claimed or sent before the read confirmed the copy is current; if it is not, the row
   * is decided again with the new config. The alarm reads the config first.
   */
  runDue(now: number, current?: Promise<MessagingConfig>, held?: MessagingConfig): Promise<void> {
    const run = this.queue.then(() => this.runDueNow(now, current, held));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runDueNow(now: number, current?: Promise<MessagingConfig>, held?: MessagingConfig): Promise<void> {
    try {
      const { workspaceId, profileKey, forwarded } = this.deps.self();
      if (forwarded || workspaceId === undefined || profileKey === undefined) {
        // A merged-away object sends nothing: its customer's object plans from the merged state.
        this.store.cancelAll("merged", now);
        return;
      }
      const fresh = current ?? this.deps.config(workspaceId);
      let config = held ?? (await fresh);
      const seen = new Set<string>();
      for (let processed = 0; processed < DUE_ROWS_PER_RUN; processed++) {
        const row = this.store.nextDue(now);
        if (!row || seen.has(row.id)) break;
        seen.add(row.id);
        try {
          if ((await this.processRow(row, now, config, workspaceId, profileKey, fresh)) === "stale_config") {
            // Decided with a copy KV has since replaced: decide the row again with the current config.
            config = await fresh;
            seen.delete(row.id);
          }
        } catch (error) {
          this.rowFailed(row, error, now);
        }
      }
    } finally {
      await this.armAlarm();
    }
  }

  /**
   * A row whose processing threw (a bug, a storage hiccup) is retried later with backoff and
   * dropped after ROW_MAX_ATTEMPTS, with the error as its reason: one bad row can neither spin
   * the alarm nor hold up the rows behind it.
   */
  private rowFailed(row: ScheduledRow, error: unknown, now: number): void {
    const reason = `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    console.error("seam: schedule row failed", row.id, error);
    const attempts = row.attempts + 1;
    const retryAt = attempts >= ROW_MAX_ATTEMPTS ? null : now + Math.min(ROW_RETRY_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
    this.store.failed(row, reason, attempts, retryAt, now);
  }

  private async processRow(
    row: ScheduledRow,
    now: number,
    config: MessagingConfig,
    workspaceId: string,
    profileKey: string,
    current: Promise<MessagingConfig>,
  ): Promise<void | "stale_config"> {
    const { store } = this;
    const { customer } = this.deps;
    const { policy } = config;
    const timeZone = this.timeZone(policy);
    const facts = dueStepFacts(row, now, config, { store, customer, segments: this.deps.segments(), timeZone });
    const { run, trigger, traits, contact } = facts;
    const decision = decideDueStep(facts);
    // Nothing is written with a config that is no longer the published one (a send checks after
    // building its message, so the KV read overlaps that work).
    const stale = async () => (await current).revision !== config.revision;
    if (decision.kind !== "send") {
      if (await stale()) return "stale_config";
      // The wait for KV let other events in: decide again later if the row moved meanwhile.
      if (!store.unchanged(row)) return;
    }
    switch (decision.kind) {
      case "cancel":
        return store.finish(row, "cancelled", decision.reason, now);
      case "done":
        return store.finish(row, "done", decision.reason, now);
      case "exit":
        return store.transaction(() => void store.endRun(row.runId, "exited", decision.reason, now));
      case "drop":
        return store.drop(row, run!, trigger!, decision.reason, now);
      case "hold":
        return store.hold(row, decision.at, decision.reason, now);
      case "reschedule":
        // Rescheduled to the first allowed time, keeping the channel plan: never silently lost.
        return store.reschedule(row, decision.at, decision.expiresAt, `rescheduled:${decision.reason}`, decision, now);
      case "send":
        break;
    }
    const sendRun = run!;
    const sendTrigger = trigger!;
    // Build the message. The awaits below let other events in, so the row is checked again before it is claimed.
    const message = await composeMessage(
      this.deps.compose,
      {
        workspaceId,
        profileKey,
        run: sendRun,
        runContext: store.runContext(sendRun.runId),
        trigger: sendTrigger,
        step: row.step,
        channel: decision.channel,
        now,
        timeZone,
        policy,
        allowedOrigins: config.allowed_origins,
      },
      {
        userId: customer.identity("user_id"),
        traits,
        contact,
        cart: customer.cart(),
        productSources: (id) => customer.productSources(id),
        order: (id) => customer.order(id),
      },
    );
    if (await stale()) return "stale_config";
    if (!store.unchanged(row)) return;
    const messageId = message.message_id;
    store.claimForSend(row, sendRun, { messageId, template: sendTrigger.template, ...decision }, now + SEND_LEASE_MS, now);
    try {
      await this.deps.send(message);
    } catch (error) {
      console.error("seam: messages queue send failed; will retry", messageId, error);
      store.enqueueFailed(row, messageId, now + Math.min(ENQUEUE_RETRY_MS * (row.attempts + 1), RETRY_MAX_MS), now);
      return;
    }
    // Wall-clock time after the queue accepted the message: the end of the event → enqueued latency.
    const enqueuedWallAt = this.deps.clock();
    const hop = nextCascadeHop(sendTrigger, policy, decision.channels, decision.channelIndex, customer.consent(), contact, now);
    store.sent(row, sendRun, sendTrigger, { messageId, enqueuedWallAt, channels: decision.channels }, hop, now);
  }

  // ---- deliveries, merges, reads ------------------------------------------------------------------

  /**
   * Records what happened to a message after the queue: sent (webhook or outbox), delivered (a
   * provider's receipt), failed (dead-lettered). A failed message cannot be opened, so the
   * cascade moves to its next channel now instead of waiting. Returns whether the message is known.
   */
  async recordDelivery(report: DeliveryReport): Promise<boolean> {
    const known = this.store.recordDelivery(report);
    if (known && report.status === "failed") await this.armAlarm();
    return known;
  }

  /** What these messages had already seen (sent, delivered, opened, clicked), for the KPI counters. */
  messageFacts(messageIds: readonly string[]) {
    return this.store.messageFacts(messageIds);
  }

  /** The messaging history this object hands over when it is merged into another customer. */
  handOver(): MessagingSnapshot {
    return this.store.rows();
  }

  /** Takes over a merged visitor's runs, pending steps and messages; re-arms the alarm for them. */
  async absorb(from: MessagingSnapshot): Promise<void> {
    const planned = this.store.transaction(() => this.store.absorb(from));
    if (planned) await this.armAlarm();
  }

  /** The merge target has the history: drop this object's copy. */
  handedOver(): void {
    this.store.transaction(() => this.store.clearHandedOver());
  }

  /** The customer's messages, schedule and runs (`GET /v1/customers/:id/messages`). */
  state(config: MessagingConfig | undefined): MessagingState {
    return messagingView(this.store.rows(), this.store.meta.get("alarm_at"), config ? this.timeZone(config.policy) : null);
  }
}
