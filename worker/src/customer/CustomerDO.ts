// One customer's live object: RPC methods over its SQLite state, identity merges and forwarding.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { ItemFact } from "../facts.ts";
import { claimIdentity, forgetIdentities, offlineProfileKey, repointIdentities } from "../identity/directory.ts";
import { mergeSnapshots, type CustomerSnapshot } from "../identity/merge.ts";
import { forgetMessaging } from "../messaging/deliveries.ts";
import { kvLookups } from "../recs/lookups.ts";
import { serveRecommendations, type RecsQuery, type RecsResult } from "../recs/serve.ts";
import type { CartView, SeamEvent, VisitorProfile } from "../schemas.ts";
import type { CatalogChange } from "../triggers/evaluate.ts";
import type { ProductSummary, RecommendationRequest } from "../triggers/recommendations.ts";
import { CustomerMessaging, type DeliveryReport, type DueRowOutcome, type MessagingState } from "./messaging.ts";
import { CAPS, MAX_FORWARD_HOPS } from "./schema.ts";
import { CustomerStore } from "./store.ts";
import type { CustomerState } from "./views.ts";

export interface IngestRequest {
  workspaceId: string;
  profileKey: string;
  events: SeamEvent[];
  /** Answer with the visitor profile after the batch (and any merge it caused). */
  includeProfile?: boolean;
  /** How many forwarding pointers this request has followed. */
  hops?: number;
  /** The time zone of the edge that received the request (`request.cf.timezone`), for quiet hours. */
  edgeTimeZone?: string;
}

export interface IngestOutcome {
  /** One per request event, in request order. */
  statuses: ("accepted" | "duplicate")[];
  facts: ItemFact[];
  /** The profile the events landed in (after forwarding). */
  profileKey: string;
  profile?: VisitorProfile;
}

export interface CartRead extends CartView {
  /** True when some line was last changed on another device than the one asking. */
  restored: boolean;
  restored_from: { device: string | null; channel: string }[];
}

/** The profile keys of known customers; only these ever receive merges. */
const isUserProfile = (profileKey: string) => profileKey.startsWith("u:");

export class CustomerDO extends DurableObject<Env> {
  private readonly store: CustomerStore;
  /** Triggers, schedule, alarm and message log (customer/messaging.ts). */
  private readonly messaging: CustomerMessaging;
  /** Profiles merged into this one (they forward here); loaded once, kept in step with the table. */
  private linked: Set<string> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CustomerStore(ctx.storage);
    this.messaging = new CustomerMessaging({
      ctx,
      env,
      store: this.store,
      forwardTarget: () => this.forwardTarget(),
      recommend: (request) => this.recommendForMessage(request),
    });
    // Nothing may read a table before its migration ran; this is the only blocking work.
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  private linkedProfiles(): Set<string> {
    if (!this.linked) {
      this.linked = new Set(
        this.ctx.storage.sql.exec(`SELECT profile_key FROM linked_profiles`).toArray().map((r) => String(r.profile_key)),
      );
    }
    return this.linked;
  }

  private stubFor(profileKey: string) {
    return this.env.CUSTOMER.getByName(`${this.store.meta("workspace_id")}:${profileKey}`);
  }

  /** Where this object forwards to, when it was merged into another customer. */
  private forwardTarget(): string | undefined {
    return this.store.meta("forward_to");
  }

  // ---- ingest -----------------------------------------------------------------------------

  /**
   * Applies a batch of this customer's events. A merged-away object forwards the batch to the
   * customer it now belongs to, so a late event from an old tab is not lost. After the batch, an
   * identified customer pulls in the anonymous visitors its verified events name, and tells the
   * identity directory (off the response path) about verified emails and phones.
   */
  async ingest(request: IngestRequest): Promise<IngestOutcome> {
    const target = this.forwardTarget();
    if (target && (request.hops ?? 0) < MAX_FORWARD_HOPS)
      return this.stubFor(target).ingest({ ...request, profileKey: target, hops: (request.hops ?? 0) + 1 });

    // Usually from memory; the first event after a wake-up reads KV once (never D1).
    const config = await this.messaging.messagingConfig(request.workspaceId);
    const cartBefore = this.store.meta("cart_updated_at");
    const { statuses, facts, accepted, verifiedContacts } = this.store.applyBatch(
      request.workspaceId,
      request.profileKey,
      request.events,
    );
    if (isUserProfile(request.profileKey)) {
      const sources = new Set<string>();
      for (const event of accepted) {
        if (!event.verified) continue;
        if (event.anonymousId) sources.add(`a:${event.anonymousId}`);
        if (event.type === "alias" && event.previousId) sources.add(`a:${event.previousId}`);
      }
      for (const source of sources) await this.mergeFrom(source, Math.max(...accepted.map((e) => e.receivedAt)));
    }
    if (verifiedContacts && this.store.unclaimedIdentities().length) this.ctx.waitUntil(this.claimIdentities());
    if (accepted.length) await this.afterEvents(accepted, request.edgeTimeZone, cartBefore !== this.store.meta("cart_updated_at"), config);
    const outcome: IngestOutcome = { statuses, facts, profileKey: request.profileKey };
    if (request.includeProfile) outcome.profile = this.store.visitorProfile();
    return outcome;
  }

  // ---- triggers and messages --------------------------------------------------------------

  /**
   * Trigger evaluation for the accepted events, synchronous in this object at the moment of the
   * event (exits included); the alarm is re-armed to the earliest due row, and a step due right
   * away (an in-session trigger) is sent after the response instead of waiting for the alarm.
   * The events are already stored: a failure here is logged, never turned into a failed ingest.
   */
  private async afterEvents(accepted: SeamEvent[], edgeTimeZone: string | undefined, cartChanged: boolean, config: Awaited<ReturnType<CustomerMessaging["messagingConfig"]>>) {
    try {
      const now = Math.max(...accepted.map((e) => e.receivedAt));
      const { scheduleChanged, dueNow } = this.messaging.afterIngest(accepted, { now, edgeTimeZone, cartChanged }, config);
      if (scheduleChanged) await this.messaging.armAlarm();
      if (dueNow) this.ctx.waitUntil(this.messaging.runDue(now));
    } catch (error) {
      console.error("triggers: evaluation after ingest failed", error);
    }
  }

  /**
   * Recommended products for a message's payload: complements of the products the message is about
   * (the cart, the viewed or ordered products), else what the customer's session suggests.
   */
  private async recommendForMessage(request: RecommendationRequest): Promise<ProductSummary[]> {
    const ctx = this.store.recommendationContext();
    const seeded = request.productIds.length > 0;
    const result = await serveRecommendations(
      { type: seeded ? "cart" : "for_you", limit: request.limit },
      seeded ? { ...ctx, cart: [...new Set([...ctx.cart, ...request.productIds])] } : ctx,
      kvLookups(this.env.RECS_KV, request.workspaceId),
    );
    return result.items.map(({ score: _score, in_stock: _inStock, ...card }) => card);
  }

  override async alarm(): Promise<void> {
    await this.messaging.onAlarm();
  }

  /** Processes the schedule rows due at `now`: the alarm's work with a clock passed in (tests drive time with it). */
  async runDue(now: number): Promise<DueRowOutcome[]> {
    return this.messaging.runDue(now);
  }

  /** A catalog change (price drop, restock) from the fan-out; follows a merged visitor to its customer. */
  async catalogChange(change: CatalogChange, now: number, hops = 0): Promise<{ scheduled: boolean }> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).catalogChange(change, now, hops + 1);
    const workspaceId = this.store.meta("workspace_id");
    if (workspaceId === undefined || !this.store.exists()) return { scheduled: false };
    const { scheduled, dueNow } = await this.messaging.catalogChange(workspaceId, change, now);
    await this.messaging.armAlarm();
    if (dueNow) this.ctx.waitUntil(this.messaging.runDue(now));
    return { scheduled };
  }

  /** What happened to a message after the queue (sent, delivered, failed); follows a merge. */
  async recordDelivery(report: DeliveryReport, hops = 0): Promise<boolean> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).recordDelivery(report, hops + 1);
    return this.messaging.recordDelivery(report);
  }

  /**
   * An open, click or unsubscribe from a tracking link, recorded as the customer's event. Only for
   * a customer that exists: a click on an old email must not bring back a deleted profile.
   */
  async recordEngagement(event: SeamEvent, hops = 0): Promise<"recorded" | "unknown_customer"> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).recordEngagement(event, hops + 1);
    const workspaceId = this.store.meta("workspace_id");
    const profileKey = this.store.meta("profile_key");
    if (workspaceId === undefined || profileKey === undefined || !this.store.exists()) return "unknown_customer";
    await this.ingest({ workspaceId, profileKey, events: [event] });
    return "recorded";
  }

  /** Messages, schedule and trigger runs, or null for a customer never seen. */
  async getMessagingState(hops = 0): Promise<MessagingState | null> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).getMessagingState(hops + 1);
    const workspaceId = this.store.meta("workspace_id");
    if (workspaceId === undefined || !this.store.exists()) return null;
    return this.messaging.state(await this.messaging.messagingConfig(workspaceId));
  }

  // ---- identity merge ---------------------------------------------------------------------

  /**
   * Pulls another profile of the same person into this one. Idempotent and never concurrent:
   * the source hands its state over and points here in one step; this object merges it in one
   * synchronous transaction guarded by the linked set, so a repeated or racing merge is a no-op;
   * only then does the source drop its copy. If that last step never happens, the source keeps
   * a copy that the guard will never merge twice.
   */
  private async mergeFrom(source: string, now: number): Promise<void> {
    const self = this.store.meta("profile_key")!;
    if (source === self || this.linkedProfiles().has(source)) return;
    const stub = this.stubFor(source);
    const { snapshot } = await stub.handOver(self, this.store.meta("workspace_id")!, source);
    if (this.linkedProfiles().has(source)) return;
    if (snapshot) this.store.replaceState(mergeSnapshots(this.store.exportSnapshot(), snapshot));
    const sql = this.ctx.storage.sql;
    sql.exec(`INSERT INTO linked_profiles (profile_key, linked_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, source, now);
    // Bounded like every list: the oldest links go (their objects keep forwarding, holding no data).
    for (const row of sql.exec(
      `DELETE FROM linked_profiles WHERE profile_key IN
         (SELECT profile_key FROM linked_profiles ORDER BY linked_at DESC LIMIT -1 OFFSET ?) RETURNING profile_key`,
      CAPS.linkedProfiles,
    ))
      this.linkedProfiles().delete(String(row.profile_key));
    this.linkedProfiles().add(source);
    if (snapshot) {
      await stub.releaseHandOver(self);
      const workspaceId = this.store.meta("workspace_id")!;
      this.ctx.waitUntil(repointIdentities(this.env.DB, workspaceId, source, self, now));
    }
  }

  /**
   * Called on the profile being merged away. Points it at `to` and returns its state, kept until
   * `releaseHandOver`. A visitor that already belongs to another customer (a shared device that
   * signs in as someone else) switches to `to` but hands nothing over: the first customer's
   * cart and history stay theirs.
   */
  async handOver(to: string, workspaceId: string, self: string): Promise<{ snapshot: CustomerSnapshot | null }> {
    const current = this.forwardTarget();
    if (current === to) return { snapshot: this.store.exists() ? this.store.exportSnapshot() : null };
    if (current !== undefined) {
      this.store.clearData();
      this.store.transaction(() => this.store.setMeta("forward_to", to));
      // The previous customer no longer owns this device: it must not skip a later merge of it.
      this.ctx.waitUntil(this.stubFor(current).unlinkProfile(self));
      return { snapshot: null };
    }
    this.store.transaction(() => {
      this.store.setMeta("workspace_id", workspaceId);
      this.store.setMeta("profile_key", self);
      this.store.setMeta("forward_to", to);
    });
    return { snapshot: this.store.exists() ? this.store.exportSnapshot() : null };
  }

  /** The merge target has the state: drop the copy, keep the pointer. */
  async releaseHandOver(to: string): Promise<void> {
    if (this.forwardTarget() === to) this.store.clearData();
  }

  async unlinkProfile(profileKey: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM linked_profiles WHERE profile_key = ?`, profileKey);
    this.linkedProfiles().delete(profileKey);
  }

  /**
   * Registers verified emails and phones in the identity directory. The first profile to claim
   * one owns it; an email-only or anonymous owner is merged into this customer, while another
   * known customer's email is a conflict: recorded here, never merged.
   */
  private async claimIdentities(): Promise<void> {
    const self = this.store.meta("profile_key");
    const workspaceId = this.store.meta("workspace_id");
    if (!self || !workspaceId) return;
    const now = Date.now();
    for (const { kind, value } of this.store.unclaimedIdentities()) {
      const owner = await claimIdentity(this.env.DB, workspaceId, kind, value, self, now, (o) => isUserProfile(self) && !isUserProfile(o));
      if (owner !== self) this.store.recordConflict(kind, value, owner, now);
      else if (isUserProfile(self)) {
        // Take over what an offline-only profile of this email or phone collected.
        await this.mergeFrom(await offlineProfileKey(workspaceId, kind, value), now);
      }
      this.store.markClaimed(kind, value);
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The whole live state (following a forwarding pointer), or null for a customer never seen. */
  async getState(hops = 0): Promise<CustomerState | null> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).getState(hops + 1);
    return this.store.state([...this.linkedProfiles()].sort());
  }

  async getVisitorProfile(hops = 0): Promise<VisitorProfile> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).getVisitorProfile(hops + 1);
    return this.store.visitorProfile();
  }

  /** The cart, and whether it was restored from another device than `anonymousId`'s. */
  async getCart(anonymousId: string | null, hops = 0): Promise<CartRead> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).getCart(anonymousId, hops + 1);
    const others = this.store
      .cartDevices()
      .filter((d) => d.anonymous_id !== null && d.anonymous_id !== anonymousId)
      .map(({ device, channel }) => ({ device, channel }));
    return { ...this.store.cart(), restored: others.length > 0, restored_from: others };
  }

  /** Recommendations from this customer's own clicks, cart and orders plus the KV lists. */
  async recommend(query: RecsQuery, workspaceId: string, hops = 0): Promise<RecsResult> {
    const target = this.forwardTarget();
    if (target && hops < MAX_FORWARD_HOPS) return this.stubFor(target).recommend(query, workspaceId, hops + 1);
    const ctx = this.store.recommendationContext({ recentlyViewed: query.type === "recently_viewed" });
    return serveRecommendations(query, ctx, kvLookups(this.env.RECS_KV, workspaceId));
  }

  // ---- privacy ----------------------------------------------------------------------------

  /** Deletes this customer: its state, the visitors merged into it and its directory entries. */
  async deleteCustomer(): Promise<boolean> {
    const target = this.forwardTarget();
    if (target) return this.stubFor(target).deleteCustomer();
    const existed = this.store.exists();
    const self = this.store.meta("profile_key");
    const workspaceId = this.store.meta("workspace_id");
    for (const linked of this.linkedProfiles()) await this.stubFor(linked).eraseLinked(self ?? "");
    if (self && workspaceId) {
      await forgetIdentities(this.env.DB, workspaceId, self);
      await forgetMessaging(this.env.DB, workspaceId, [self, ...this.linkedProfiles()]);
    }
    await this.store.erase();
    this.messaging.forget();
    this.linked = undefined;
    return existed;
  }

  /** Erases a merged-away profile when the customer it forwards to is deleted. */
  async eraseLinked(owner: string): Promise<void> {
    if (this.forwardTarget() === owner) {
      await this.store.erase();
      this.messaging.forget();
    }
  }
}
