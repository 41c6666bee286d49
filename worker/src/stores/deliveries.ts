// The delivery ledger (one row per message id: never sent twice) and the local outbox, in D1.
import { webhookBody, type OutgoingMessage, type WebhookBody } from "../messages/message.ts";

/** A send in progress holds its message this long; a crashed consumer's claim expires after it. */
export const DELIVERY_LEASE_MS = 60_000;
export const OUTBOX_PAGE_MAX = 200;
export const OUTBOX_PAGE_DEFAULT = 50;
/** The outbox is a local sink, not an archive: the cron drops entries older than this. */
export const OUTBOX_RETENTION_DAYS = 30;

export type Claim = { kind: "claimed"; attempts: number } | { kind: "already_sent" } | { kind: "in_flight"; leaseUntil: number };

/**
 * Claims a message for sending. Only one consumer holds a message at a time (a lease), and a
 * message marked sent is never claimed again: a redelivered queue message is acked unsent.
 */
export async function claimDelivery(db: D1Database, message: OutgoingMessage, now: number): Promise<Claim> {
  const lease = now + DELIVERY_LEASE_MS;
  const claimed = await db
    .prepare(
      `INSERT INTO message_deliveries (message_id, workspace_id, profile_key, channel, trigger_id, status, attempts, lease_until, updated_at)
       VALUES (?, ?, ?, ?, ?, 'sending', 1, ?, ?)
       ON CONFLICT (message_id) DO UPDATE SET status = 'sending', attempts = attempts + 1, lease_until = excluded.lease_until,
         updated_at = excluded.updated_at
       WHERE message_deliveries.status IN ('retrying', 'failed')
          OR (message_deliveries.status = 'sending' AND message_deliveries.lease_until <= ?)
       RETURNING attempts`,
    )
    .bind(message.message_id, message.workspace_id, message.profile_key, message.channel, message.trigger_id, lease, now, now)
    .first<{ attempts: number }>();
  if (claimed) return { kind: "claimed", attempts: claimed.attempts };
  const row = await db
    .prepare(`SELECT status, lease_until FROM message_deliveries WHERE message_id = ?`)
    .bind(message.message_id)
    .first<{ status: string; lease_until: number | null }>();
  if (row?.status === "sending") return { kind: "in_flight", leaseUntil: row.lease_until ?? now };
  return { kind: "already_sent" };
}

export async function markSent(db: D1Database, messageId: string, via: "webhook" | "outbox", now: number): Promise<void> {
  await db
    .prepare(`UPDATE message_deliveries SET status = 'sent', via = ?, sent_at = ?, lease_until = NULL, updated_at = ? WHERE message_id = ?`)
    .bind(via, now, now, messageId)
    .run();
}

/** A failed attempt releases the claim, so the queue's retry can take it again. */
export async function markAttemptFailed(db: D1Database, messageId: string, error: string, final: boolean, now: number): Promise<void> {
  await db
    .prepare(`UPDATE message_deliveries SET status = ?, last_error = ?, lease_until = NULL, updated_at = ? WHERE message_id = ?`)
    .bind(final ? "failed" : "retrying", error.slice(0, 500), now, messageId)
    .run();
}

/**
 * Puts a message in the outbox and marks it sent, in one D1 transaction. Only the claim's holder
 * calls it, and a message marked sent is never claimed again; a second call changes nothing either
 * (the entry goes in only while the ledger does not say sent).
 */
export async function deliverToOutbox(db: D1Database, message: OutgoingMessage, now: number): Promise<void> {
  await db.batch([
    db
      .prepare(
        `INSERT INTO outbox (message_id, workspace_id, profile_key, channel, trigger_id, template, step, body, created_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM message_deliveries WHERE message_id = ?1 AND status = 'sent')`,
      )
      .bind(message.message_id, message.workspace_id, message.profile_key, message.channel, message.trigger_id, message.template, message.step, webhookBody(message), now),
    db
      .prepare(`UPDATE message_deliveries SET status = 'sent', via = 'outbox', sent_at = ?, lease_until = NULL, updated_at = ? WHERE message_id = ?`)
      .bind(now, now, message.message_id),
  ]);
}

export interface OutboxFilter {
  profileKeys?: string[];
  channel?: string;
  triggerId?: string;
  /** Entries created before this time (ms), for paging back. */
  before?: number;
  limit: number;
}

export async function listOutbox(db: D1Database, workspaceId: string, filter: OutboxFilter) {
  const where = ["workspace_id = ?"];
  const binds: unknown[] = [workspaceId];
  if (filter.profileKeys) {
    where.push(`profile_key IN (${filter.profileKeys.map(() => "?").join(", ")})`);
    binds.push(...filter.profileKeys);
  }
  if (filter.channel) {
    where.push("channel = ?");
    binds.push(filter.channel);
  }
  if (filter.triggerId) {
    where.push("trigger_id = ?");
    binds.push(filter.triggerId);
  }
  if (filter.before !== undefined) {
    where.push("created_at < ?");
    binds.push(filter.before);
  }
  const { results } = await db
    .prepare(
      `SELECT message_id, profile_key, channel, trigger_id, template, step, body, created_at FROM outbox
       WHERE ${where.join(" AND ")} ORDER BY created_at DESC, message_id LIMIT ?`,
    )
    .bind(...binds, filter.limit)
    .all<{ message_id: string; profile_key: string; channel: string; trigger_id: string; template: string; step: number; body: string; created_at: number }>();
  return results.map((r) => ({
    message_id: r.message_id,
    profile_key: r.profile_key,
    channel: r.channel,
    trigger_id: r.trigger_id,
    template: r.template,
    step: r.step,
    created_at: new Date(r.created_at).toISOString(),
    message: JSON.parse(r.body) as WebhookBody,
  }));
}

/** Which customer a message went to, for delivery receipts (workspace-scoped). */
export async function deliveryOwner(db: D1Database, workspaceId: string, messageId: string): Promise<string | null> {
  const row = await db
    .prepare(`SELECT profile_key FROM message_deliveries WHERE workspace_id = ? AND message_id = ?`)
    .bind(workspaceId, messageId)
    .first<{ profile_key: string }>();
  return row?.profile_key ?? null;
}

/** Privacy delete: the customer's outbox entries and deliveries go too (product interest: stores/product-interest.ts). */
export async function forgetMessaging(db: D1Database, workspaceId: string, profileKeys: string[]): Promise<void> {
  if (profileKeys.length === 0) return;
  const statements = profileKeys.flatMap((key) =>
    ["outbox", "message_deliveries"].map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE workspace_id = ? AND profile_key = ?`).bind(workspaceId, key),
    ),
  );
  await db.batch(statements);
}

/** Retention of the local outbox and the ledger (the ledger must outlive queue redeliveries, which last days at most). */
export async function pruneDeliveries(db: D1Database, now: number): Promise<void> {
  const before = now - OUTBOX_RETENTION_DAYS * 24 * 60 * 60 * 1000;
  await db.batch([
    // Per workspace, along the outbox's key (workspace, time): no scan of the whole outbox.
    db.prepare(`DELETE FROM outbox WHERE workspace_id IN (SELECT id FROM workspaces) AND created_at < ?`).bind(before),
    db.prepare(`DELETE FROM message_deliveries WHERE updated_at < ?`).bind(before),
  ]);
}
