// The customer's segments, decided in their own object (segments/evaluate.ts): after a batch (only
// the segments reading what it touched), by the one alarm when time alone changes membership,
// after a merge, and for a back-fill. Every change is a fact for the events queue (whose consumer
// keeps the index), written to the outbox with the change: a request's batch hands the outbox
// over with its answer (its route's queue window sends it with the other requests' facts of that
// second, routes/ingest.ts); anything else (the alarm, a back-fill, a merge) sends the outbox as a
// message of its own, retried by the alarm. Storage, reads, timer and queue are passed in.
import { segmentsDigest, type SegmentDefinition } from "../segments/definitions.ts";
import { earliest, evaluateSegments, segmentInputsOf, segmentsReading } from "../segments/evaluate.ts";
import type { SegmentRule } from "../segments/rules.ts";
import { SEGMENT_FACTS_PER_MESSAGE, type SegmentFact, type SegmentFactsMessage } from "../segments/facts.ts";
import { inputsTouchedBy, type SegmentInput, type SegmentInputs } from "../segments/inputs.ts";
import type { SeamEvent } from "../schemas.ts";
import type { AlarmChange } from "./messaging.ts";
import type { NextChanges, SegmentStore } from "./segment-store.ts";

/** After a failed send to the queue, the alarm tries the outbox again this much later. */
const OUTBOX_RETRY_MS = 60_000;
/**
 * A customer's index fact is said again with its first evaluation a day after the last: a request's
 * facts travel in its isolate's queue window and are lost if it dies within that second, and the
 * index shard takes a repeated fact without a row written. A returning customer whose first fact was
 * lost is listed again within a day.
 */
export const REINDEX_AFTER_MS = 24 * 3600_000;
/** The outbox's retry, among the segments' next changes (never a segment id: those have no `#`). */
const OUTBOX_RETRY = "#outbox";

/** What an evaluation leaves to do once it committed (settle): the alarm's new time, if it moved. */
export interface Evaluated {
  alarm?: AlarmChange;
}

/** The segments as published with the config the object holds (or as a back-fill handed them in). */
export interface PublishedSegments {
  revision: number;
  segments: SegmentDefinition[];
}

export interface SegmentDeps {
  store: SegmentStore;
  reads: { segmentInputs(needed: ReadonlySet<SegmentInput>): SegmentInputs };
  /** The segments' timer behind the object's one alarm (customer/messaging-store.ts). */
  timer: { set(at: number | null): boolean; due(now: number): boolean };
  /** The one alarm, moved to the earliest of its timers: recorded inside a transaction, then set (customer/messaging.ts). */
  alarm: { change(): AlarmChange | undefined; set(change: AlarmChange | undefined): Promise<void> };
  /** The `events` queue. */
  send: (message: SegmentFactsMessage) => Promise<void>;
  /** Work after the response (a failure is logged). */
  background: (what: string, work: Promise<unknown>) => void;
  self: () => { workspaceId: string | undefined; profileKey: string | undefined; exists: boolean };
}

export class CustomerSegments {
  private readonly deps: SegmentDeps;
  private flushing: Promise<void> | undefined;

  constructor(deps: SegmentDeps) {
    this.deps = deps;
  }

  private get store(): SegmentStore {
    return this.deps.store;
  }

  /** The segments the customer is in now. */
  members(): Set<string> {
    return new Set(this.store.members().keys());
  }

  /**
   * What to evaluate with: the published config's segments, unless a back-fill handed in newer
   * ones than the copy this object holds (KV reaches every location up to a minute later, and an
   * object must never go back to older definitions after a back-fill evaluated it with newer ones).
   */
  private definitions(published: PublishedSegments): SegmentDefinition[] {
    const pushed = this.pushed();
    return pushed && pushed.revision > published.revision ? pushed.segments : published.segments;
  }

  /** The definitions a back-fill handed in (parsed once per stored value). */
  private pushedCache: { json: string; value: PublishedSegments } | undefined;
  private pushed(): PublishedSegments | undefined {
    const json = this.store.meta.get("pushed");
    if (json === undefined) return undefined;
    if (this.pushedCache?.json !== json) this.pushedCache = { json, value: JSON.parse(json) as PublishedSegments };
    return this.pushedCache.value;
  }

  private pushedDefinitions(): SegmentDefinition[] | undefined {
    return this.pushed()?.segments;
  }

  /**
   * After a batch, inside a transaction (normally the batch's own, so its writes ride in the batch's
   * journal row; customer/batch-planning.ts): only the segments that read what the batch touched (a
   * page view re-evaluates none of the built-ins); everything when the definitions changed since the
   * last evaluation. settle() the answer once it committed.
   */
  evaluateBatch(accepted: readonly SeamEvent[], cartChanged: boolean, now: number, published: PublishedSegments): Evaluated {
    const definitions = this.definitions(published);
    const everything = this.store.meta.get("digest") !== segmentsDigest(definitions);
    return this.evaluateNow(definitions, now, everything ? null : segmentsReading(definitions, inputsTouchedBy(accepted, cartChanged)));
  }

  /**
   * After an evaluation committed: the alarm moves to its timer, and its facts leave for the events
   * queue (`send` false: a request's batch will take them with handOver, or sendLeftovers sends them).
   */
  async settle(evaluated: Evaluated, send = true): Promise<void> {
    await this.deps.alarm.set(evaluated.alarm);
    if (send) this.sendLeftovers();
  }

  /** Whatever the outbox holds leaves for the events queue after the response. */
  sendLeftovers(): void {
    if (this.store.pending(1)) this.deps.background("segment facts to the events queue", this.flush());
  }

  /**
   * Inside the transaction that writes a request's batch: the outbox's facts (this batch's and any
   * still waiting), marked as handed over in that transaction, for the request's answer. From then
   * on they are the caller's to send (routes/ingest.ts); requeue() takes them back if the answer fails.
   */
  handOver(): SegmentFact[] {
    return this.store.handOver();
  }

  /** Facts handed over whose request failed after its batch committed: back to the outbox, which sends them. */
  requeue(facts: readonly SegmentFact[]): void {
    if (facts.length === 0) return;
    try {
      this.store.transaction(() => this.store.addFacts(facts));
    } catch (error) {
      // The request's own failure is what its caller must see; this one is only logged.
      console.error("seam: segment facts of a failed answer could not go back to the outbox", error);
      return;
    }
    this.sendLeftovers();
  }

  /** Every segment again (a merge brought another profile's facts in); `send` as in settle. */
  async evaluateAll(now: number, published: PublishedSegments, send = true): Promise<void> {
    await this.settle(this.evaluateNow(this.definitions(published), now, null), send);
  }

  /** A back-fill: keeps the definitions it brings when they are newer than the published copy, then evaluates everything. */
  async backfill(now: number, pushed: PublishedSegments, published: PublishedSegments): Promise<void> {
    if (pushed.revision > published.revision) this.store.transaction(() => this.store.meta.set("pushed", JSON.stringify(pushed)));
    await this.evaluateAll(now, published);
  }

  /**
   * Whether the customer is in a segment of `rule` now, beside `definitions` (which it may name):
   * evaluated and forgotten, nothing stored or sent (the dashboard's size preview).
   */
  wouldMatch(definitions: readonly SegmentDefinition[], rule: SegmentRule, now: number): boolean {
    // "#": no segment id has one, so the preview never shadows a real segment.
    const preview: SegmentDefinition = { id: "#preview", kind: "custom", name: "preview", version: 0, rule };
    const all = [...definitions, preview];
    const needed = segmentInputsOf(all).get(preview.id)!;
    return evaluateSegments(all, this.deps.reads.segmentInputs(needed), now, new Set([preview.id])).get(preview.id)?.member ?? false;
  }

  /** The alarm fired: if the segments' time came, everything is evaluated at `now` (the alarm's clock) and the outbox is sent. */
  async onAlarm(now: number, published: () => Promise<PublishedSegments>): Promise<void> {
    if (!this.deps.timer.due(now)) return;
    try {
      await this.evaluateAll(now, await published());
    } catch (error) {
      // Never leave a due timer behind: the alarm would fire again at once, forever.
      console.error("seam: segment evaluation at the alarm failed; retrying later", error);
      this.store.transaction(() => this.deps.timer.set(now + OUTBOX_RETRY_MS));
    }
  }

  /** The object was merged into another customer (it forwards now): it leaves every segment and the index. */
  leaveAll(now: number): void {
    const { profileKey } = this.deps.self();
    if (profileKey === undefined) return;
    this.store.transaction(() => {
      const facts: SegmentFact[] = [];
      for (const [segment, since] of this.store.members()) {
        this.store.leave(segment);
        facts.push({ type: "membership", customer: profileKey, segment, member: false, since, at: this.factTime(now) });
      }
      if (this.store.meta.get("indexed") !== undefined) facts.push({ type: "customer", customer: profileKey, present: false, at: this.factTime(now) });
      for (const key of ["indexed", "digest", "pushed"]) this.store.meta.delete(key);
      this.store.setNextChanges({});
      this.deps.timer.set(null);
      this.store.addFacts(facts);
    });
    this.deps.background("segment facts to the events queue", this.flush());
  }

  /**
   * A fact's time: now, but always later than this object's previous fact, so the index (which
   * keeps the latest fact per customer and segment) follows the object's own order even when a
   * test's alarm ran ahead of the wall clock.
   */
  private factTime(now: number): number {
    const at = Math.max(now, Number(this.store.meta.get("fact_at") ?? 0) + 1);
    this.store.meta.set("fact_at", at);
    return at;
  }

  /** Evaluates `only` (null: every segment), writes what changed with its facts, and sets the timer to the next change. */
  private evaluateNow(definitions: readonly SegmentDefinition[], now: number, only: ReadonlySet<string> | null): Evaluated {
    const { profileKey, exists } = this.deps.self();
    if (profileKey === undefined || !exists) return {};
    const indexedAt = this.store.meta.get("indexed");
    const indexed = indexedAt !== undefined && now - Number(indexedAt) < REINDEX_AFTER_MS;
    // The common case (a page view, with only the built-ins): nothing to read, nothing to write.
    if (only !== null && only.size === 0 && indexed) return {};
    const ids = only ?? new Set(definitions.map((d) => d.id));
    const inputsOf = segmentInputsOf(definitions);
    const needed = new Set([...ids].flatMap((id) => [...(inputsOf.get(id) ?? [])]));
    const results = evaluateSegments(definitions, this.deps.reads.segmentInputs(needed), now, ids);
    let alarm: AlarmChange | undefined;
    this.store.transaction(() => {
      const facts: SegmentFact[] = [];
      if (!indexed) {
        facts.push({ type: "customer", customer: profileKey, present: true, at: this.factTime(now) });
        this.store.meta.set("indexed", now);
      }
      const current = this.store.members();
      for (const [segment, result] of results) {
        const since = current.get(segment);
        if (result.member && since === undefined) {
          this.store.enter(segment, now);
          facts.push({ type: "membership", customer: profileKey, segment, member: true, since: now, at: this.factTime(now) });
        } else if (!result.member && since !== undefined) {
          this.store.leave(segment);
          facts.push({ type: "membership", customer: profileKey, segment, member: false, since, at: this.factTime(now) });
        }
      }
      const known = new Set(definitions.map((d) => d.id));
      // A deleted segment is dropped without a fact: its index rows went with it.
      for (const segment of current.keys()) if (!known.has(segment)) this.store.leave(segment);
      const next: NextChanges = {};
      for (const [segment, at] of Object.entries(this.store.nextChanges())) if (known.has(segment) || segment === OUTBOX_RETRY) next[segment] = at;
      for (const [segment, result] of results) {
        const stored = next[segment];
        if (result.nextAt === null) delete next[segment];
        // A stored time still to come and earlier than the new one stays: the alarm then finds no
        // change and moves it on. An idle rule's time moves with every event, and moving it each
        // batch wrote both meta tables and set the alarm (~0.6 billed rows a batch).
        else if (stored === undefined || stored <= now || result.nextAt < stored) next[segment] = result.nextAt;
      }
      this.store.setNextChanges(next);
      if (only === null) {
        const digest = segmentsDigest(definitions);
        if (this.store.meta.get("digest") !== digest) this.store.meta.set("digest", digest);
        if (this.store.meta.get("pushed") !== undefined && definitions !== this.pushedDefinitions()) this.store.meta.delete("pushed");
      }
      this.store.addFacts(facts);
      // The alarm's new time rides in this transaction's write.
      if (this.deps.timer.set(Object.values(next).reduce<number | null>((min, at) => earliest(min, at), null))) alarm = this.deps.alarm.change();
    });
    return { alarm };
  }

  /** Sends the outbox to the events queue, oldest first; on a failure the alarm tries again later. */
  flush(): Promise<void> {
    this.flushing ??= this.sendPending().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async sendPending(): Promise<void> {
    const { workspaceId } = this.deps.self();
    if (workspaceId === undefined) return;
    for (let batch = this.store.pending(SEGMENT_FACTS_PER_MESSAGE); batch; batch = this.store.pending(SEGMENT_FACTS_PER_MESSAGE)) {
      try {
        await this.deps.send({ v: 1, kind: "segments", workspaceId, facts: batch.facts });
      } catch (error) {
        const retryAt = Date.now() + OUTBOX_RETRY_MS;
        const alarm = this.store.transaction(() => {
          const next = { ...this.store.nextChanges(), [OUTBOX_RETRY]: retryAt };
          this.store.setNextChanges(next);
          return this.deps.timer.set(Math.min(...Object.values(next))) ? this.deps.alarm.change() : undefined;
        });
        await this.deps.alarm.set(alarm);
        throw error;
      }
      // Not a write of its own: the clearing rides with the object's next one (segment-store.ts sent).
      this.store.sent(batch);
    }
    // Sent: the outbox needs no retry.
    const next = this.store.nextChanges();
    if (next[OUTBOX_RETRY] !== undefined) {
      delete next[OUTBOX_RETRY];
      const alarm = this.store.transaction(() => {
        this.store.setNextChanges(next);
        return this.deps.timer.set(Object.values(next).reduce<number | null>((min, at) => earliest(min, at), null)) ? this.deps.alarm.change() : undefined;
      });
      await this.deps.alarm.set(alarm);
    }
  }
}
