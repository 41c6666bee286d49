// One customer's live object: RPC methods over its SQLite state, identity merges and forwarding.
import { DurableObject } from "cloudflare:workers";
import { afterResponse } from "../background.ts";
import type { Env } from "../env.ts";
import { countInvocation, meteredEnv, meteredStorage } from "../metering.ts";
import type { KpiIncrement } from "../kpis/counters.ts";
import { mergeSnapshots, type CustomerSnapshot } from "../identity/merge.ts";
import { anonymousProfileKey, customerObjectName, isUserProfile, visitorsNamedBy, type ContactKind } from "../identity/profile-keys.ts";
import { serveRecommendations, type RecsQuery, type RecsResult } from "../recs/serve.ts";
import type { CartRead, SeamEvent, VisitorProfile } from "../schemas.ts";
import { repointIdentities } from "../stores/identity-directory.ts";
import { PublishedConfigReader } from "../stores/published-config.ts";
import { kvLookups } from "../stores/recs-lookups.ts";
import type { CatalogChange, NewArrivals } from "../triggers/catalog-triggers.ts";
import { contactConfirmedEvent } from "../triggers/engagement.ts";
import type { MessagingSnapshot } from "../triggers/run-merge.ts";
import { BatchPlanning, type Planned } from "./batch-planning.ts";
import { updateNearStore } from "./near-store.ts";
import type { CustomerMessaging, DeliveryReport, MessagingState } from "./messaging.ts";
import { MAX_FORWARD_HOPS } from "./schema.ts";
import { beforeBatch, deliveryIncrements, kpiFact, knownAfter, reportingSettings, sendKpisAfterResponse } from "./reporting.ts";
import type { RunIncrements } from "./run-counts.ts";
import type { CustomerSegments, PublishedSegments } from "./segments.ts";
import { claimIdentities, eraseCustomer } from "./directory.ts";
import { CustomerStore } from "./store.ts";
import { EMPTY_CART_READ, EMPTY_RECOMMENDATION_CONTEXT, EMPTY_VISITOR_PROFILE } from "./store-reads.ts";
import type { CustomerState } from "./views.ts";
import type { IngestOutcome, IngestRequest } from "./ingest-request.ts";
import { wireCustomerObject } from "./wiring.ts";

export class CustomerDO extends DurableObject<Env> {
  private readonly store: CustomerStore;
  /** Triggers, schedule, alarm and message log (customer/messaging.ts). */
  private readonly messaging: CustomerMessaging;
  /** Segment membership, evaluated here (customer/segments.ts). */
  private readonly segments: CustomerSegments;
  private readonly config: PublishedConfigReader;
  /** What a batch sets off: segments, triggers, the alarm (customer/batch-planning.ts). */
  private readonly planning: BatchPlanning;

  constructor(ctx: DurableObjectState, rawEnv: Env) {
    const env = meteredEnv(rawEnv);
    super(ctx, env);
    const storage = meteredStorage(ctx.storage, rawEnv, "CustomerDO");
    this.store = new CustomerStore(storage);
    this.config = new PublishedConfigReader(env.CONFIG_KV);
    ({ messaging: this.messaging, segments: this.segments } = wireCustomerObject(ctx, env, storage, this.store, this.config, {
      forwardTarget: () => this.forwardTarget(),
      sendRunCounts: (increments) => this.sendRunCounts(increments),
    }));
    this.planning = new BatchPlanning(ctx, this.store, this.segments, this.messaging);
    // Nothing may read a table before its migration ran; this is the only blocking work. Tables are
    // created on first use (customer/lazy-tables.ts): by a write, never by a read.
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  private stubFor(profileKey: string) {
    return this.env.CUSTOMER.getByName(customerObjectName(this.store.meta.get("workspace_id") ?? "", profileKey));
  }

  /**
   * Where this object forwards to, when it was merged into another customer. Every RPC that may
   * write asks this first, so it also records the schema version of a new object (reads of a
   * customer never seen answer before asking).
   */
  private forwardTarget(): string | undefined {
    this.store.ensureSchema();
    return this.store.meta.get("forward_to");
  }

  /**
   * The customer this object was merged into, when a call must follow it: every RPC about the
   * customer asks this first, and pointers are followed at most MAX_FORWARD_HOPS times (a → e → u),
   * so no loop can spin. Undefined: this object answers itself.
   */
  private forwardedTo(hops: number): { stub: DurableObjectStub<CustomerDO>; profileKey: string } | undefined {
    const target = this.forwardTarget();
    return target !== undefined && hops < MAX_FORWARD_HOPS ? { stub: this.stubFor(target), profileKey: target } : undefined;
  }

  // ---- ingest -------------------------------------------------------------------------------------

  /**
   * Applies a batch of this customer's events. A merged-away object forwards the batch to the
   * customer it now belongs to, so a late event from an old tab is not lost. After the batch, an
   * identified customer pulls in the anonymous visitors its verified events name, and tells the
   * identity directory (off the response path) about verified emails and phones. The segment facts
   * the batch made ride back with the answer when the request asks (`segmentFacts`).
   */
  async ingest(request: IngestRequest): Promise<IngestOutcome> {
    const hops = request.hops ?? 0;
    const next = this.forwardedTo(hops);
    // RPC types widen the KPI increments' tuples to arrays; the values are the same.
    if (next) return (await next.stub.ingest({ ...request, profileKey: next.profileKey, hops: hops + 1 })) as IngestOutcome;
    // The config's revision is read from KV while the batch is applied (see batch-planning.ts).
    const current = this.config.current(request.workspaceId);
    const held = this.config.heldFor(request.workspaceId);
    // Attribution credits orders within the workspace's window and counts on its dates: the copy held will do.
    const config = held ?? (await current);
    const settings = reportingSettings(config);
    const before = beforeBatch(this.store, (ids) => this.messaging.messageFacts(ids), request.events);
    const cartBefore = this.store.meta.get("cart_updated_at");
    const handOver = request.segmentFacts === true;
    const batch = () => ({ edgeTimeZone: request.edgeTimeZone, cartChanged: cartBefore !== this.store.meta.get("cart_updated_at"), handOver });
    let planned: Planned | undefined;
    // Attribution, segments and triggers in the batch's transaction: what they write rides in the
    // batch's one journal row. A batch that merges visitors in plans after the merge.
    const { statuses, facts, accepted, verifiedContacts, after: kpis = [] } = this.store.applyBatch(request.workspaceId, request.profileKey, request.events, (events) => {
      const increments = this.store.attribution.record(events, settings, before);
      if (!isUserProfile(request.profileKey) || visitorsNamedBy(events).size === 0) planned = this.planning.inBatch(events, batch(), config);
      return increments;
    });
    // Handed over in the batch's transaction (or the planning's after a merge): lost with the
    // answer unless this answer carries them, so a failure from here on queues them again.
    let handed = planned?.facts ?? [];
    try {
      if (isUserProfile(request.profileKey))
        for (const source of visitorsNamedBy(accepted)) await this.mergeFrom(source, Math.max(...accepted.map((e) => e.receivedAt)), !handOver);
      if (accepted.length) {
        const last = accepted.at(-1)!;
        const lead = () => this.store.attribution.settleLead(knownAfter(request.profileKey, accepted), last.timestamp, last.channel, last.messageId, settings);
        kpis.push(...this.store.transaction(lead));
        const entered = request.location ? updateNearStore(this.store.meta, this.store.transaction, config.stores, request.location, last.receivedAt) : null;
        if (entered && (await this.messaging.nearStore(entered, config, last.receivedAt))) afterResponse(this.ctx, "in-session send", this.messaging.runDue(last.receivedAt, current, held));
      }
      if (verifiedContacts && this.store.unclaimedIdentities().length) afterResponse(this.ctx, "identity directory claim", this.claimIdentities());
      if (accepted.length) handed = await this.planning.afterBatch(accepted, batch(), planned, held, current);
      // A merge's facts wait for the planning after it; if that failed, they leave on their own.
      if (handOver && isUserProfile(request.profileKey)) this.segments.sendLeftovers();
      const outcome: IngestOutcome = { statuses, facts, profileKey: request.profileKey };
      const fact = kpiFact(kpis);
      if (fact) outcome.kpis = fact;
      if (handed.length) outcome.segmentFacts = handed;
      if (request.includeProfile) outcome.profile = this.store.reads.visitorProfile();
      if (request.recs) outcome.recs = await Promise.all(request.recs.map((query) => this.recommend(query, request.workspaceId)));
      return outcome;
    } catch (error) {
      this.segments.requeue(handed);
      throw error;
    }
  }

  // ---- triggers and messages ------------------------------------------------------------------------

  /** The one alarm: segments whose time came, then the schedule's due rows, at the same moment. */
  override async alarm(): Promise<void> {
    this.store.ensureSchema();
    countInvocation(this.env, "alarm", "CustomerDO");
    const now = this.messaging.alarmNow();
    const workspaceId = this.store.meta.get("workspace_id");
    if (workspaceId !== undefined) await this.segments.onAlarm(now, () => this.config.current(workspaceId));
    await this.messaging.onAlarm(now);
  }

  /** A catalog change (price drop, restock, new arrivals) from the fan-out; follows a merged visitor to its customer. */
  async catalogChange(change: CatalogChange | NewArrivals, now: number, hops = 0): Promise<{ scheduled: boolean }> {
    const next = this.forwardedTo(hops);
    if (next) return next.stub.catalogChange(change, now, hops + 1);
    const workspaceId = this.store.meta.get("workspace_id");
    if (workspaceId === undefined || !this.store.exists()) return { scheduled: false };
    const { scheduled, dueNow } = await this.messaging.catalogChange(workspaceId, change, now);
    await this.messaging.armAlarm();
    if (dueNow) afterResponse(this.ctx, "in-session send", this.messaging.runDue(now));
    return { scheduled };
  }

  /** What happened to a message after the queue (sent, delivered, failed); follows a merge. */
  async recordDelivery(report: DeliveryReport, hops = 0): Promise<boolean> {
    const next = this.forwardedTo(hops);
    if (next) return next.stub.recordDelivery(report, hops + 1);
    const before = this.messaging.messageFacts([report.message_id]).get(report.message_id);
    const known = await this.messaging.recordDelivery(report);
    const workspaceId = this.store.meta.get("workspace_id");
    if (workspaceId) sendKpisAfterResponse(this.ctx, this.env.EVENTS, workspaceId, deliveryIncrements(report, before, reportingSettings(await this.config.current(workspaceId))));
    return known;
  }

  private async sendRunCounts(increments: RunIncrements): Promise<void> {
    const workspaceId = this.store.meta.get("workspace_id");
    if (workspaceId) sendKpisAfterResponse(this.ctx, this.env.EVENTS, workspaceId, increments(reportingSettings(await this.config.current(workspaceId)).timeZone));
  }

  /**
   * An open, click or unsubscribe from a tracking link, recorded as the customer's event. Only for
   * a customer that exists: a click on an old email must not bring back a deleted profile.
   */
  async recordEngagement(event: SeamEvent, hops = 0): Promise<"recorded" | "unknown_customer"> {
    const next = this.forwardedTo(hops);
    if (next) return next.stub.recordEngagement(event, hops + 1);
    const workspaceId = this.store.meta.get("workspace_id");
    const profileKey = this.store.meta.get("profile_key");
    if (workspaceId === undefined || profileKey === undefined || !this.store.exists()) return "unknown_customer";
    sendKpisAfterResponse(this.ctx, this.env.EVENTS, workspaceId, (await this.ingest({ workspaceId, profileKey, events: [event] })).kpis);
    return "recorded";
  }

  /**
   * The customer clicked the confirmation link of one of their addresses (double opt-in): it may
   * get marketing from now on, and what waited for it goes at once. Recorded in the customer's
   * history as `Contact Confirmed`. Only through a sealed confirmation token: an event a browser
   * sends under that name confirms nothing.
   */
  async confirmContact(kind: ContactKind, value: string, now: number, hops = 0): Promise<"confirmed" | "unknown_contact"> {
    const next = this.forwardedTo(hops);
    if (next) return next.stub.confirmContact(kind, value, now, hops + 1);
    if (!this.store.exists() || !this.store.transaction(() => this.store.confirmContact(kind, value))) return "unknown_contact";
    const workspaceId = this.store.meta.get("workspace_id")!;
    const profileKey = this.store.meta.get("profile_key")!;
    await this.ingest({ workspaceId, profileKey, events: [contactConfirmedEvent(kind, now)] });
    if (this.messaging.contactConfirmed(now)) {
      await this.messaging.armAlarm();
      afterResponse(this.ctx, "send after confirmation", this.messaging.runDue(now));
    }
    return "confirmed";
  }

  /** Messages, schedule and trigger runs, or null for a customer never seen. */
  async getMessagingState(hops = 0): Promise<MessagingState | null> {
    if (!this.store.hasSchema()) return null;
    const next = this.forwardedTo(hops);
    if (next) return next.stub.getMessagingState(hops + 1);
    const workspaceId = this.store.meta.get("workspace_id");
    if (workspaceId === undefined || !this.store.exists()) return null;
    return this.messaging.state(await this.config.current(workspaceId));
  }

  // ---- identity merge ---------------------------------------------------------------------------------

  /**
   * Pulls another profile of the same person into this one, with its messaging history (its
   * trigger runs and sent messages: "once per customer" and caps hold across the merge).
   * Idempotent and never concurrent: the source hands its state over and points here in one
   * step; this object merges it in one synchronous transaction guarded by the linked set, so a
   * repeated or racing merge is a no-op; only then does the source drop its copy. If that last
   * step never happens, the source keeps a copy that the guard will never merge twice.
   */
  private async mergeFrom(source: string, now: number, sendSegmentFacts = true): Promise<void> {
    const self = this.store.meta.get("profile_key")!;
    if (source === self || this.store.linkedProfiles().has(source)) return;
    const stub = this.stubFor(source);
    const { snapshot, messaging } = await stub.handOver(self, this.store.meta.get("workspace_id")!, source);
    if (this.store.linkedProfiles().has(source)) return;
    if (snapshot) this.store.replaceState(mergeSnapshots(this.store.exportSnapshot(), snapshot));
    if (messaging) await this.messaging.absorb(messaging);
    this.store.link(source, now);
    if (snapshot || messaging) {
      await stub.releaseHandOver(self);
      afterResponse(this.ctx, "identity directory repoint", repointIdentities(this.env.DB, this.store.meta.get("workspace_id")!, source, self, now));
      // The merged-in history may put the customer in segments (or take them out).
      // A request that carries segment facts takes these with its planning (`sendSegmentFacts` false).
      if (snapshot) await this.segments.evaluateAll(now, await this.publishedSegments(), sendSegmentFacts);
    }
  }

  /** The segments of the config this object holds, else as KV has them now. */
  private async publishedSegments(): Promise<PublishedSegments> {
    const workspaceId = this.store.meta.get("workspace_id") ?? "";
    return this.config.heldFor(workspaceId) ?? (await this.config.current(workspaceId));
  }

  /**
   * Called on the profile being merged away. Points it at `to` and returns its state, kept until
   * `releaseHandOver`. A visitor that already belongs to another customer (a shared device that
   * signs in as someone else) switches to `to` but hands nothing over: the first customer's
   * cart and history stay theirs.
   */
  async handOver(to: string, workspaceId: string, self: string): Promise<{ snapshot: CustomerSnapshot | null; messaging: MessagingSnapshot | null }> {
    const current = this.forwardTarget();
    if (current !== undefined && current !== to) {
      this.store.clearData();
      this.store.transaction(() => this.store.meta.set("forward_to", to));
      // The previous customer no longer owns this device: it must not skip a later merge of it.
      afterResponse(this.ctx, "unlink from the previous customer", this.stubFor(current).unlinkProfile(self));
      return { snapshot: null, messaging: null };
    }
    if (current === undefined) {
      this.store.transaction(() => {
        this.store.meta.set("workspace_id", workspaceId);
        this.store.meta.set("profile_key", self);
        this.store.meta.set("forward_to", to);
      });
      // It forwards now: out of every segment and the customer index (its customer holds the state).
      this.segments.leaveAll(Date.now());
    }
    return this.store.exists() ? { snapshot: this.store.exportSnapshot(), messaging: this.messaging.handOver() } : { snapshot: null, messaging: null };
  }

  /** The merge target has the state: drop the copy, keep the pointer. */
  async releaseHandOver(to: string): Promise<void> {
    if (this.forwardTarget() !== to) return;
    this.store.clearData();
    this.messaging.handedOver();
  }

  async unlinkProfile(profileKey: string): Promise<void> {
    this.store.ensureSchema();
    this.store.unlink(profileKey);
  }

  /** Verified emails and phones into the identity directory (customer/directory.ts has the rules). */
  private claimIdentities(): Promise<void> {
    return claimIdentities(this.store, this.env.DB, (source, now) => this.mergeFrom(source, now));
  }

  // ---- reads ----------------------------------------------------------------------------------------

  /** The whole live state (following a forwarding pointer) with the segments the customer is in, or null for a customer never seen. */
  async getState(hops = 0): Promise<CustomerState | null> {
    if (!this.store.hasSchema()) return null;
    const next = this.forwardedTo(hops);
    if (next) return next.stub.getState(hops + 1);
    const state = this.store.state();
    return state && { ...state, segments: [...this.segments.members()] };
  }

  /**
   * A back-fill's visit (stores/segment-backfill.ts): every segment evaluated with `pushed` (the
   * definitions as D1 has them now) unless the config this object holds is newer; and the size
   * preview's (stores/segment-preview.ts): would the customer be in a segment of `rule`, stored
   * nowhere. Neither follows a forwarding pointer: the customer index lists only objects that hold a customer.
   */
  async backfillSegments(pushed: PublishedSegments, now: number): Promise<"evaluated" | "forwarded" | "absent"> {
    if (!this.store.hasSchema()) return "absent";
    if (this.forwardTarget() !== undefined) return "forwarded";
    if (!this.store.exists()) return "absent";
    await this.segments.backfill(now, pushed, await this.publishedSegments());
    return "evaluated";
  }
  async previewSegment(...[definitions, rule, now]: Parameters<CustomerSegments["wouldMatch"]>): Promise<boolean | null> {
    return this.forwardTarget() === undefined && this.store.exists() ? this.segments.wouldMatch(definitions, rule, now) : null;
  }

  async getVisitorProfile(hops = 0): Promise<VisitorProfile> {
    if (!this.store.hasSchema()) return EMPTY_VISITOR_PROFILE;
    const next = this.forwardedTo(hops);
    if (next) return next.stub.getVisitorProfile(hops + 1);
    return this.store.reads.visitorProfile();
  }

  /** The cart, and whether it was restored from another device than `anonymousId`'s. */
  async getCart(anonymousId: string | null, hops = 0): Promise<CartRead> {
    if (!this.store.hasSchema()) return EMPTY_CART_READ;
    const next = this.forwardedTo(hops);
    if (next) return next.stub.getCart(anonymousId, hops + 1);
    return this.store.reads.cartRead(anonymousId);
  }

  /** Recommendations from this customer's own clicks, cart and orders plus the KV lists. */
  async recommend(query: RecsQuery, workspaceId: string, hops = 0): Promise<RecsResult> {
    if (!this.store.hasSchema()) return serveRecommendations(query, EMPTY_RECOMMENDATION_CONTEXT, kvLookups(this.env.RECS_KV, workspaceId));
    const next = this.forwardedTo(hops);
    if (next) return next.stub.recommend(query, workspaceId, hops + 1);
    const ctx = this.store.reads.recommendationContext({ recentlyViewed: query.type === "recently_viewed" });
    return serveRecommendations(query, ctx, kvLookups(this.env.RECS_KV, workspaceId));
  }

  // ---- privacy ----------------------------------------------------------------------------------------

  /** Deletes this customer: its state, the visitors merged into it and its directory entries. */
  async deleteCustomer(hops = 0): Promise<boolean> {
    if (!this.store.hasSchema()) return false;
    const next = this.forwardedTo(hops);
    if (next) return next.stub.deleteCustomer(hops + 1);
    return eraseCustomer(this.store, this.env, (profileKey, owner) => this.stubFor(profileKey).eraseLinked(owner));
  }

  /** Erases a merged-away profile when the customer it forwards to is deleted. */
  async eraseLinked(owner: string): Promise<void> {
    if (this.forwardTarget() === owner) await this.store.erase();
  }
}
