// The CustomerDO's two orchestrations, messaging and segments, wired to the object's storage,
// queues, config reader and alarm: each takes its dependencies explicitly, and this is where they
// are given. Segments and messaging share the one alarm (segment timers beside schedule rows).
import { afterResponse } from "../background.ts";
import type { Env } from "../env.ts";
import type { PublishedConfigReader } from "../stores/published-config.ts";
import { claimCoupon } from "../stores/store-locations.ts";
import { kvComposerDeps } from "./message-sources.ts";
import { CustomerMessaging } from "./messaging.ts";
import { MessagingStore } from "./messaging-store.ts";
import { RunCounts, type RunIncrements } from "./run-counts.ts";
import { SegmentStore } from "./segment-store.ts";
import { CustomerSegments } from "./segments.ts";
import type { CustomerStore } from "./store.ts";

export interface CustomerObjectHooks {
  /** Where the object forwards to when it was merged into another customer (undefined: it is the customer). */
  forwardTarget(): string | undefined;
  /** Trigger runs entered and exited, for the KPI counters (after the answer). */
  sendRunCounts(increments: RunIncrements): Promise<void>;
}

export function wireCustomerObject(
  ctx: DurableObjectState,
  env: Env,
  storage: DurableObjectStorage,
  store: CustomerStore,
  config: PublishedConfigReader,
  hooks: CustomerObjectHooks,
): { messaging: CustomerMessaging; segments: CustomerSegments } {
  const messagingStore = new MessagingStore(store.sql, store.messagingMeta, store.transaction);
  messagingStore.runCounted = new RunCounts((increments) => afterResponse(ctx, "trigger run counters", hooks.sendRunCounts(increments))).count;
  const self = () => ({ workspaceId: store.meta.get("workspace_id"), profileKey: store.meta.get("profile_key") });
  // Each reads the other lazily: messaging asks for the segments at planning, segments re-arm the alarm.
  let segments: CustomerSegments | undefined;
  const messaging = new CustomerMessaging({
    store: messagingStore,
    customer: store.reads,
    clock: () => Date.now(),
    send: async (message) => void (await env.MESSAGES.send(message, { contentType: "json" })),
    config: (workspaceId) => config.current(workspaceId),
    alarm: { set: (at) => storage.setAlarm(at), clear: () => storage.deleteAlarm() },
    compose: {
      ...kvComposerDeps(env, store.reads),
      coupon: (workspaceId, pool, messageId) => claimCoupon(env.DB, workspaceId, pool, messageId, Date.now()),
    },
    requestConfirmation: (kind, value, now) => store.markConfirmationRequested(kind, value, now),
    self: () => ({ ...self(), forwarded: hooks.forwardTarget() !== undefined }),
    segments: () => segments!.members(),
  });
  segments = new CustomerSegments({
    store: new SegmentStore(store.sql, store.segmentMeta, store.transaction),
    reads: store.reads,
    timer: { set: (at) => messagingStore.setTimer("segments", at), due: (now) => messagingStore.timerDue("segments", now) },
    alarm: { change: () => messaging.alarmChange(), set: (change) => messaging.setAlarm(change) },
    send: async (message) => void (await env.EVENTS.send(message, { contentType: "json" })),
    background: (what, work) => afterResponse(ctx, what, work),
    self: () => ({ ...self(), exists: store.exists() && hooks.forwardTarget() === undefined }),
  });
  return { messaging, segments };
}
