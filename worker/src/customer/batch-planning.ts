// What a batch's accepted events set off in the customer's object: its segments first (a trigger's
// audience is checked with the membership the batch made), then its triggers, then the one alarm.
// Normally inside the batch's own transaction, so all they write rides in the batch's journal row
// (one billed row for the batch); in a savepoint there, so a failure costs the planning, never the
// batch, and planning runs again after it. A batch that merges visitors into the customer plans
// after the merge, as does a config revision that changed meanwhile (planning is idempotent: an
// entry starts one run). A request that carries segment facts (BatchContext.handOver) gets them in
// the same transaction as the planning that made them.
import { afterResponse } from "../background.ts";
import type { SeamEvent } from "../schemas.ts";
import type { SegmentFact } from "../segments/facts.ts";
import type { MessagingConfig } from "../triggers/policy.ts";
import type { AlarmChange, CustomerMessaging } from "./messaging.ts";
import type { CustomerSegments } from "./segments.ts";
import type { CustomerStore } from "./store.ts";

/** A batch's planning, with what is left once its transaction committed (settle). */
export interface Planned {
  now: number;
  alarm: AlarmChange | undefined;
  dueNow: boolean;
  /** The segment facts handed over to the request (BatchContext.handOver), else none. */
  facts: SegmentFact[];
}

/** Where a batch's events came from: its edge's time zone (quiet hours), and whether it changed the cart. */
export interface BatchContext {
  edgeTimeZone: string | undefined;
  cartChanged: boolean;
  /**
   * Whether the request carries the segment facts (the ingest route's queue window): planned
   * while it waits, they are taken from the outbox in the planning's transaction; planning after
   * the response (a new config revision) leaves them to the outbox.
   */
  handOver: boolean;
}

export class BatchPlanning {
  private readonly ctx: DurableObjectState;
  private readonly store: CustomerStore;
  private readonly segments: CustomerSegments;
  private readonly messaging: CustomerMessaging;

  constructor(ctx: DurableObjectState, store: CustomerStore, segments: CustomerSegments, messaging: CustomerMessaging) {
    this.ctx = ctx;
    this.store = store;
    this.segments = segments;
    this.messaging = messaging;
  }

  /** Inside the batch's transaction: segments and triggers with `config`; undefined when that failed (the batch stands, afterBatch plans again). */
  inBatch(accepted: readonly SeamEvent[], batch: BatchContext, config: MessagingConfig): Planned | undefined {
    try {
      return this.store.savepoint(() => this.plan(accepted, batch, config));
    } catch (error) {
      console.error("seam: segments and triggers in the batch's transaction failed; planning after it", error);
      return undefined;
    }
  }

  /**
   * After the batch committed: what the planning in it left (the alarm, segment facts, an
   * in-session send), or the planning itself when it did not run there; answers the segment facts
   * handed over to the request (by either). `held` is the config
   * copy planned with when the revision read (`current`) was not awaited: if the read brings
   * another revision, the batch is planned again with it after the response.
   */
  async afterBatch(
    accepted: SeamEvent[],
    batch: BatchContext,
    planned: Planned | undefined,
    held: MessagingConfig | undefined,
    current: Promise<MessagingConfig>,
  ): Promise<SegmentFact[]> {
    if (!planned) return this.planTriggers(accepted, batch, held, current);
    await this.settle(planned, current, held);
    if (held) this.replanOnNewRevision(accepted, batch, held, current);
    return planned.facts;
  }

  /** Segments first (a trigger's audience is checked with the membership this batch made), then triggers; inside a transaction. */
  private plan(accepted: readonly SeamEvent[], batch: BatchContext, config: MessagingConfig): Planned {
    const now = Math.max(...accepted.map((e) => e.receivedAt));
    const segments = this.segments.evaluateBatch(accepted, batch.cartChanged, now, config);
    const { alarm, dueNow } = this.messaging.afterIngest(accepted, { now, ...batch }, config);
    // The triggers' alarm time, when they moved it, was decided after the segments' timer.
    return { now, alarm: alarm ?? segments.alarm, dueNow, facts: batch.handOver ? this.segments.handOver() : [] };
  }

  /** Once the planning committed: the alarm moves, segment facts not handed over leave, a step due now is sent after the response. */
  private async settle(planned: Planned, current: Promise<MessagingConfig>, held: MessagingConfig | undefined): Promise<void> {
    await this.segments.settle({ alarm: planned.alarm });
    if (planned.dueNow) afterResponse(this.ctx, "in-session send", this.messaging.runDue(planned.now, current, held));
  }

  /**
   * Plans the batch's triggers with the config this object holds, without waiting for KV; the
   * revision read started with the batch is checked after the response, and if a trigger or the
   * policy changed, the batch is planned again with the new config. Every send decides with the
   * config current at that moment, so a switched-off trigger sends nothing and a new one is planned
   * for this very event, while the in-session send does not wait on a KV read. An object with no
   * copy yet waits for the read.
   */
  private async planTriggers(accepted: SeamEvent[], batch: BatchContext, held: MessagingConfig | undefined, current: Promise<MessagingConfig>): Promise<SegmentFact[]> {
    if (!held) return this.afterEvents(accepted, batch, await current, current);
    const facts = await this.afterEvents(accepted, batch, held, current, held);
    this.replanOnNewRevision(accepted, batch, held, current);
    return facts;
  }

  /** After the response: no request is left to carry segment facts, so they go through the outbox. */
  private replanOnNewRevision(accepted: SeamEvent[], batch: BatchContext, held: MessagingConfig, current: Promise<MessagingConfig>): void {
    const later = { ...batch, handOver: false };
    afterResponse(
      this.ctx,
      "planning with a new config revision",
      current.then((config) => (config.revision !== held.revision ? this.afterEvents(accepted, later, config, current) : undefined)),
    );
  }

  /**
   * Trigger evaluation for the accepted events, synchronous in this object at the moment of the
   * event (exits included); the alarm is re-armed to the earliest due row, and a step due right
   * away (an in-session trigger) is sent after the response instead of waiting for the alarm.
   * The events are already stored: a failure here is logged, never turned into a failed ingest.
   * Answers the segment facts handed over, even when what follows the planning's commit failed.
   */
  private async afterEvents(
    accepted: SeamEvent[],
    batch: BatchContext,
    config: MessagingConfig,
    /** The revision read of this batch: the in-session send is checked against it, not another read. */
    current: Promise<MessagingConfig>,
    /** The copy planned with, when the read was not awaited: the in-session send builds with it meanwhile. */
    held?: MessagingConfig,
  ): Promise<SegmentFact[]> {
    let planned: Planned | undefined;
    try {
      planned = this.store.transaction(() => this.plan(accepted, batch, config));
      await this.settle(planned, current, held);
    } catch (error) {
      console.error("seam: trigger evaluation after ingest failed", error);
    }
    return planned?.facts ?? [];
  }
}
