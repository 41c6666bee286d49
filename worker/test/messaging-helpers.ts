// Test helpers for triggers and messages: a workspace with triggers switched on, reads of messages and the outbox, driven alarms.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { MessagingState } from "../src/customer/messaging-views.ts";
import { customerObjectName } from "../src/identity/profile-keys.ts";
import type { listOutbox } from "../src/stores/deliveries.ts";
import type { ErrorBody } from "../src/schemas.ts";
import { createWorkspace, request, uid } from "./helpers.ts";

/** One entry of `GET /v1/outbox`. */
export type OutboxEntry = Awaited<ReturnType<typeof listOutbox>>[number];

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** A policy with nothing in the way (no caps, no quiet hours, no opt-in), so a test sees only what it sets. */
export const OPEN_POLICY = { caps: [], quiet_hours: null, opt_in_channels: [], double_opt_in: false };

export interface MessagingWorkspace {
  id: string;
  writeKey: string;
  secretKey: string;
  identitySecret: string;
}

export async function admin(ws: Pick<MessagingWorkspace, "secretKey">, method: string, path: string, body?: unknown) {
  const res = await request(`/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ws.secretKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A fresh workspace with the given policy (default: OPEN_POLICY) and triggers (id → settings) switched on. */
export async function messagingWorkspace(options: { policy?: Record<string, unknown>; triggers?: Record<string, Record<string, unknown>> } = {}) {
  // A store names its site: event urls on it may be message link destinations.
  const created = await createWorkspace({ name: uid("messaging"), allowedOrigins: ["https://shop.example"] });
  const ws: MessagingWorkspace = {
    id: created.workspace.id,
    writeKey: created.keys.write_key,
    secretKey: created.keys.secret_key,
    identitySecret: created.keys.identity_secret,
  };
  // Contacts in these tests come from the browser: double opt-in stays off unless a test asks for it.
  const policy = await admin(ws, "PUT", "/messaging", { double_opt_in: false, ...(options.policy ?? OPEN_POLICY) });
  if (policy.status !== 200) throw new Error(`policy: ${policy.status} ${JSON.stringify(policy.body)}`);
  for (const [id, settings] of Object.entries(options.triggers ?? {})) {
    const res = await admin(ws, "PUT", `/triggers/${id}`, settings);
    if (res.status >= 300) throw new Error(`trigger ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return ws;
}

/** The customer's object, by the profile key Seam routes to (`a:<anonymousId>`, `u:<userId>`). */
export function customerObject(ws: Pick<MessagingWorkspace, "id">, profileKey: string) {
  return env.CUSTOMER.getByName(customerObjectName(ws.id, profileKey));
}

/** A customer's messages, schedule and runs (the body of a 200; check `status` before reading it). */
export async function messagesOf(ws: MessagingWorkspace, customerId: string) {
  const res = await request(`/v1/customers/${encodeURIComponent(customerId)}/messages`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  return { status: res.status, body: (await res.json()) as MessagingState & Partial<ErrorBody> };
}

export async function outbox(ws: MessagingWorkspace, query: Record<string, string> = {}) {
  const res = await request(`/v1/outbox?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  return { status: res.status, body: (await res.json()) as { messages: OutboxEntry[] } & Partial<ErrorBody> };
}

/** Waits until the outbox holds `count` messages for the customer (the queue consumer runs asynchronously). */
export async function waitForOutbox(ws: MessagingWorkspace, customerId: string, count: number) {
  let messages: OutboxEntry[] = [];
  await vi.waitUntil(
    async () => {
      messages = (await outbox(ws, { customer: customerId })).body.messages;
      return messages.length >= count;
    },
    { timeout: 5000, interval: 25 },
  );
  return messages;
}

/** When the customer's schedule next needs the alarm (a pending row, a lapsed send lease), or null. */
async function scheduleWakeUp(ws: MessagingWorkspace, profileKey: string): Promise<number | null> {
  return runInDurableObject(customerObject(ws, profileKey), (_instance, state) => {
    const [row] = state.storage.sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (SELECT MIN(due_at) AS t FROM schedule WHERE status = 'pending' UNION ALL SELECT MIN(lease_until) FROM schedule WHERE status = 'sending')`,
      )
      .toArray();
    return row?.t ?? null;
  });
}

/**
 * Runs the customer's alarm up to the schedule's next row: time moves forward to its due time (see
 * CustomerMessaging.onAlarm). The alarm also serves the customer's segments (a cart going idle,
 * an order leaving a window): one of their timers due before the row fires first, on the way, as
 * it would in production. False when the schedule has nothing pending (its segment timers are left).
 */
export async function runAlarm(ws: MessagingWorkspace, profileKey: string) {
  const stub = customerObject(ws, profileKey);
  for (let fired = 0; fired < 20; fired++) {
    const due = await scheduleWakeUp(ws, profileKey);
    const armed = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    if (due === null || armed === null) return fired > 0;
    await runDurableObjectAlarm(stub);
    if (armed >= due) return true;
  }
  throw new Error("the alarm fired 20 times without reaching the schedule's next row");
}

/** Runs the customer's alarm once, whatever it is set for (a segment timer): false when none is set. */
export function runAnyAlarm(ws: Pick<MessagingWorkspace, "id">, profileKey: string) {
  return runDurableObjectAlarm(customerObject(ws, profileKey));
}

/** Clears an alarm a test left armed for later (e.g. a day-5 step), so nothing fires after the test. */
export async function clearAlarm(ws: MessagingWorkspace, profileKey: string) {
  await runInDurableObject(customerObject(ws, profileKey), (_instance, state) => state.storage.deleteAlarm());
}

export function pendingRows(state: Pick<MessagingState, "schedule">) {
  return state.schedule.filter((r) => r.status === "pending");
}
