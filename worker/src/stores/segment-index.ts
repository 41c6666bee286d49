// The segment membership index and the customer index in D1: written by the events consumer from
// the facts the customer objects send (queues/segment-facts.ts), read by the segments and customers
// API. Low rate: a row per customer and a row per membership change, never per event.
import type { CustomerFact, MembershipFact, SegmentFact } from "../segments/facts.ts";

/** A D1 batch is one transaction; facts are folded this many at a time (two statements each). */
const FACTS_PER_D1_BATCH = 50;
/** Rows of customers who left a segment, or objects merged away, are kept this long: a late, older fact cannot undo them. */
export const INDEX_TOMBSTONE_MS = 30 * 24 * 3600_000;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A membership fact: counted as a day's entry or exit only when it changes the index (a
 * redelivered or older fact does not), then kept if it is the latest about this customer and
 * segment. Both statements see the row as it was before the fact, in one transaction.
 */
function membershipStatements(db: D1Database, workspaceId: string, f: MembershipFact): D1PreparedStatement[] {
  const changes = f.member
    ? `NOT EXISTS (SELECT 1 FROM segment_members WHERE workspace_id = ?1 AND segment_id = ?2 AND profile_key = ?6 AND (member = 1 OR at >= ?7))`
    : `EXISTS (SELECT 1 FROM segment_members WHERE workspace_id = ?1 AND segment_id = ?2 AND profile_key = ?6 AND member = 1 AND at < ?7)`;
  return [
    db
      .prepare(
        `INSERT INTO segment_changes_daily (workspace_id, segment_id, day, entered, exited) SELECT ?1, ?2, ?3, ?4, ?5 WHERE ${changes}
         ON CONFLICT (workspace_id, segment_id, day) DO UPDATE SET entered = entered + excluded.entered, exited = exited + excluded.exited`,
      )
      .bind(workspaceId, f.segment, utcDay(f.at), f.member ? 1 : 0, f.member ? 0 : 1, f.customer, f.at),
    db
      .prepare(
        `INSERT INTO segment_members (workspace_id, segment_id, profile_key, member, since, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, segment_id, profile_key) DO UPDATE SET member = excluded.member, since = excluded.since, at = excluded.at
         WHERE excluded.at > segment_members.at`,
      )
      .bind(workspaceId, f.segment, f.customer, f.member ? 1 : 0, f.since, f.at),
  ];
}

/** A customer object that holds a customer (seen), or no longer does (gone: merged into another); the later fact wins. */
function customerStatement(db: D1Database, workspaceId: string, f: CustomerFact): D1PreparedStatement {
  return f.present
    ? db
        .prepare(
          `INSERT INTO customer_index (workspace_id, profile_key, seen_at) VALUES (?, ?, ?)
           ON CONFLICT (workspace_id, profile_key) DO UPDATE SET seen_at = excluded.seen_at, gone_at = NULL
           WHERE customer_index.gone_at IS NOT NULL AND excluded.seen_at > customer_index.gone_at`,
        )
        .bind(workspaceId, f.customer, f.at)
    : db
        .prepare(
          `INSERT INTO customer_index (workspace_id, profile_key, seen_at, gone_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (workspace_id, profile_key) DO UPDATE SET gone_at = excluded.gone_at
           WHERE excluded.gone_at >= customer_index.seen_at AND (customer_index.gone_at IS NULL OR excluded.gone_at > customer_index.gone_at)`,
        )
        .bind(workspaceId, f.customer, f.at, f.at);
}

/** Folds a workspace's facts into the index, oldest first; idempotent, so a redelivered message changes nothing. */
export async function applySegmentFacts(db: D1Database, workspaceId: string, facts: readonly SegmentFact[]): Promise<void> {
  const ordered = [...facts].sort((a, b) => a.at - b.at);
  for (let i = 0; i < ordered.length; i += FACTS_PER_D1_BATCH) {
    const statements = ordered
      .slice(i, i + FACTS_PER_D1_BATCH)
      .flatMap((f) => (f.type === "membership" ? membershipStatements(db, workspaceId, f) : [customerStatement(db, workspaceId, f)]));
    await db.batch(statements);
  }
}

/** Objects a back-fill found merged away or empty: out of the customer index (their customer, if any, is listed under its own key). */
export async function markCustomersGone(db: D1Database, workspaceId: string, profileKeys: readonly string[], now: number): Promise<void> {
  if (profileKeys.length === 0) return;
  await db.batch(profileKeys.map((key) => customerStatement(db, workspaceId, { type: "customer", customer: key, present: false, at: now })));
}

// ---- reads ----------------------------------------------------------------------------------

export async function segmentSizes(db: D1Database, workspaceId: string): Promise<Map<string, number>> {
  const { results } = await db
    .prepare(`SELECT segment_id, COUNT(*) AS n FROM segment_members WHERE workspace_id = ? AND member = 1 GROUP BY segment_id`)
    .bind(workspaceId)
    .all<{ segment_id: string; n: number }>();
  return new Map(results.map((r) => [r.segment_id, r.n]));
}

/** A page of a segment's members, by profile key after `after`. */
export async function segmentMembers(db: D1Database, workspaceId: string, segmentId: string, after: string | null, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT profile_key, since FROM segment_members WHERE workspace_id = ? AND segment_id = ? AND member = 1 AND profile_key > ?
       ORDER BY profile_key LIMIT ?`,
    )
    .bind(workspaceId, segmentId, after ?? "", limit)
    .all<{ profile_key: string; since: number }>();
  return results;
}

/** Which of `profileKeys` are in the segment, with since when. */
export async function membersAmong(db: D1Database, workspaceId: string, segmentId: string, profileKeys: readonly string[]): Promise<Map<string, number>> {
  if (profileKeys.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT profile_key, since FROM segment_members WHERE workspace_id = ? AND segment_id = ? AND member = 1
       AND profile_key IN (SELECT value FROM json_each(?))`,
    )
    .bind(workspaceId, segmentId, JSON.stringify(profileKeys))
    .all<{ profile_key: string; since: number }>();
  return new Map(results.map((r) => [r.profile_key, r.since]));
}

/** Entries and exits per UTC day since `fromDay` (YYYY-MM-DD), oldest first. */
export async function segmentChanges(db: D1Database, workspaceId: string, segmentId: string, fromDay: string) {
  const { results } = await db
    .prepare(`SELECT day, entered, exited FROM segment_changes_daily WHERE workspace_id = ? AND segment_id = ? AND day >= ? ORDER BY day`)
    .bind(workspaceId, segmentId, fromDay)
    .all<{ day: string; entered: number; exited: number }>();
  return results;
}

/** A page of the workspace's customers (objects holding one), by profile key after `after`. */
export async function customerPage(db: D1Database, workspaceId: string, after: string | null, limit: number) {
  const { results } = await db
    .prepare(`SELECT profile_key, seen_at FROM customer_index WHERE workspace_id = ? AND gone_at IS NULL AND profile_key > ? ORDER BY profile_key LIMIT ?`)
    .bind(workspaceId, after ?? "", limit)
    .all<{ profile_key: string; seen_at: number }>();
  return results;
}

/** Which of `profileKeys` the index lists as customers. */
export async function indexedCustomers(db: D1Database, workspaceId: string, profileKeys: readonly string[]): Promise<Map<string, number>> {
  if (profileKeys.length === 0) return new Map();
  const { results } = await db
    .prepare(`SELECT profile_key, seen_at FROM customer_index WHERE workspace_id = ? AND gone_at IS NULL AND profile_key IN (SELECT value FROM json_each(?))`)
    .bind(workspaceId, JSON.stringify(profileKeys))
    .all<{ profile_key: string; seen_at: number }>();
  return new Map(results.map((r) => [r.profile_key, r.seen_at]));
}

export async function countCustomers(db: D1Database, workspaceId: string): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM customer_index WHERE workspace_id = ? AND gone_at IS NULL`).bind(workspaceId).first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * `limit` customers in a row of the index from a place `start()` (0 to 1) picks (the size preview's
 * sample): one index range, however many customers the workspace has; `total` is countCustomers' answer.
 */
export async function customerSample(db: D1Database, workspaceId: string, total: number, limit: number, start: () => number): Promise<string[]> {
  const offset = Math.floor(start() * Math.max(0, total - limit + 1));
  const { results } = await db
    .prepare(`SELECT profile_key FROM customer_index WHERE workspace_id = ? AND gone_at IS NULL ORDER BY profile_key LIMIT ? OFFSET ?`)
    .bind(workspaceId, limit, offset)
    .all<{ profile_key: string }>();
  return results.map((r) => r.profile_key);
}

// ---- privacy, deletes, retention ---------------------------------------------------------------

/** A deleted customer (and the devices merged into it) leaves no row behind: no tombstone either. */
export async function forgetCustomerIndex(db: D1Database, workspaceId: string, profileKeys: readonly string[]): Promise<void> {
  const keys = JSON.stringify(profileKeys);
  await db.batch([
    db.prepare(`DELETE FROM customer_index WHERE workspace_id = ? AND profile_key IN (SELECT value FROM json_each(?))`).bind(workspaceId, keys),
    db.prepare(`DELETE FROM segment_members WHERE workspace_id = ? AND profile_key IN (SELECT value FROM json_each(?))`).bind(workspaceId, keys),
  ]);
}

/** A deleted segment's members and counts. */
export function forgetSegmentStatements(db: D1Database, workspaceId: string, segmentId: string): D1PreparedStatement[] {
  return [
    db.prepare(`DELETE FROM segment_members WHERE workspace_id = ? AND segment_id = ?`).bind(workspaceId, segmentId),
    db.prepare(`DELETE FROM segment_changes_daily WHERE workspace_id = ? AND segment_id = ?`).bind(workspaceId, segmentId),
  ];
}

/** The cron: tombstones older than INDEX_TOMBSTONE_MS go. */
export async function pruneSegmentIndex(db: D1Database, now: number): Promise<void> {
  const before = now - INDEX_TOMBSTONE_MS;
  await db.batch([
    db.prepare(`DELETE FROM segment_members WHERE member = 0 AND at < ?`).bind(before),
    db.prepare(`DELETE FROM customer_index WHERE gone_at IS NOT NULL AND gone_at < ?`).bind(before),
  ]);
}
