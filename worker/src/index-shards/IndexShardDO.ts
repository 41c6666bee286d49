// One shard of a workspace's customer index and segment membership index (`${workspace}:${shard}`,
// customers by fnv1a(profile key) mod N: index-shards/shards.ts). The events consumer hands it a
// queue batch's segment facts in one call; the segments and customers API read every shard and
// merge. What D1 held before issue 15, per workspace, now without a workspace column: a row per
// customer, a row per (segment, customer) membership, a row per (segment, day) of entries and exits.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { meteredEnv, meteredStorage } from "../metering.ts";
import { migrateObject, type ObjectMigrations } from "../object-migrations.ts";
import { isSegmentFact, type CustomerFact, type MembershipFact, type SegmentFact } from "../segments/facts.ts";

/** Rows of customers who left a segment, or objects merged away, are kept this long: a late, older fact cannot undo them. */
export const INDEX_TOMBSTONE_MS = 30 * 24 * 3600_000;
/** Tombstones past INDEX_TOMBSTONE_MS go at most this often, in the call that finds them due (two scans, no index to keep). */
export const PRUNE_EVERY_MS = 24 * 3600_000;
/** Facts per call (a queue batch holds at most 100 messages of 200 facts), keys per lookup, rows per read: bounded whatever a caller sends. */
const MAX_FACTS_PER_CALL = 20_000;
const MAX_KEYS_PER_LOOKUP = 1_000;
const MAX_ROWS_PER_READ = 5_000;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// WITHOUT ROWID and no secondary index: a new row is one billed row, an upsert of a changed one too.
// Pages read the primary keys in order; only the daily pruning and an erasure scan a table.
const MIGRATIONS: ObjectMigrations = [
  [
    `CREATE TABLE customers (profile_key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL, gone_at INTEGER) WITHOUT ROWID`,
    `CREATE TABLE members (segment TEXT NOT NULL, profile_key TEXT NOT NULL, member INTEGER NOT NULL, since INTEGER NOT NULL, at INTEGER NOT NULL,
       PRIMARY KEY (segment, profile_key)) WITHOUT ROWID`,
    `CREATE TABLE changes (segment TEXT NOT NULL, day TEXT NOT NULL, entered INTEGER NOT NULL, exited INTEGER NOT NULL, PRIMARY KEY (segment, day)) WITHOUT ROWID`,
    // The shard's bookkeeping (`pruned_at`: when tombstones were last pruned).
    `CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
  ],
];

export interface ApplyResult {
  /** SQLite rows the call wrote (as billed). */
  rowsWritten: number;
  /** The call was malformed and nothing was written (a caller's bug: retrying cannot fix it). */
  invalid?: true;
}

const validKeys = (keys: unknown, max = MAX_KEYS_PER_LOOKUP): keys is string[] => Array.isArray(keys) && keys.length <= max && keys.every((k) => typeof k === "string");
const rowLimit = (limit: number) => Math.max(0, Math.min(MAX_ROWS_PER_READ, Math.floor(Number(limit) || 0)));

export class IndexShardDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;
  /** When tombstones were last pruned (read once per wake-up). */
  private prunedAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.storage = meteredStorage(ctx.storage, env, "IndexShardDO");
    this.sql = this.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateObject(this.storage, MIGRATIONS));
  }

  /**
   * Folds facts into the index, oldest first, in one transaction: a later fact wins whatever order
   * they arrive in, and a redelivered or older fact changes nothing (nor any day's counts).
   */
  async apply(facts: SegmentFact[], now: number): Promise<ApplyResult> {
    if (!Array.isArray(facts) || facts.length > MAX_FACTS_PER_CALL || !facts.every(isSegmentFact) || !Number.isFinite(now)) return { rowsWritten: 0, invalid: true };
    const ordered = [...facts].sort((a, b) => a.at - b.at);
    return this.storage.transactionSync(() => {
      let rowsWritten = 0;
      const counts = new Map<string, { segment: string; day: string; entered: number; exited: number }>();
      for (const fact of ordered) {
        if (fact.type === "customer") {
          rowsWritten += this.customerFact(fact);
          continue;
        }
        const { written, change } = this.membershipFact(fact);
        rowsWritten += written;
        if (!change) continue;
        const day = utcDay(fact.at);
        const key = `${fact.segment}\u0000${day}`;
        const count = counts.get(key) ?? { segment: fact.segment, day, entered: 0, exited: 0 };
        count[change] += 1;
        counts.set(key, count);
      }
      // A day's entries and exits written once per call, however many facts changed them.
      for (const { segment, day, entered, exited } of counts.values())
        rowsWritten += this.sql.exec(
          `INSERT INTO changes (segment, day, entered, exited) VALUES (?, ?, ?, ?)
           ON CONFLICT (segment, day) DO UPDATE SET entered = entered + excluded.entered, exited = exited + excluded.exited`,
          segment,
          day,
          entered,
          exited,
        ).rowsWritten;
      return { rowsWritten: rowsWritten + this.pruneIfDue(now) };
    });
  }

  /**
   * A membership fact: an entry or exit only when it changes the index (a redelivered or older fact
   * does not), then kept if it is the latest about this customer and segment.
   */
  private membershipFact(f: MembershipFact): { written: number; change: "entered" | "exited" | null } {
    const row = this.sql.exec<{ member: number; at: number }>(`SELECT member, at FROM members WHERE segment = ? AND profile_key = ?`, f.segment, f.customer).toArray()[0];
    const change = f.member ? (!row || (row.member !== 1 && row.at < f.at) ? "entered" : null) : row && row.member === 1 && row.at < f.at ? "exited" : null;
    if (row && row.at >= f.at) return { written: 0, change };
    const written = this.sql.exec(
      `INSERT INTO members (segment, profile_key, member, since, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (segment, profile_key) DO UPDATE SET member = excluded.member, since = excluded.since, at = excluded.at`,
      f.segment,
      f.customer,
      f.member ? 1 : 0,
      f.since,
      f.at,
    ).rowsWritten;
    return { written, change };
  }

  /** A customer object that holds a customer (seen), or no longer does (gone: merged into another); the later fact wins. */
  private customerFact(f: CustomerFact): number {
    return f.present
      ? this.sql.exec(
          `INSERT INTO customers (profile_key, seen_at) VALUES (?, ?)
           ON CONFLICT (profile_key) DO UPDATE SET seen_at = excluded.seen_at, gone_at = NULL
           WHERE customers.gone_at IS NOT NULL AND excluded.seen_at > customers.gone_at`,
          f.customer,
          f.at,
        ).rowsWritten
      : this.sql.exec(
          `INSERT INTO customers (profile_key, seen_at, gone_at) VALUES (?, ?, ?)
           ON CONFLICT (profile_key) DO UPDATE SET gone_at = excluded.gone_at
           WHERE excluded.gone_at >= customers.seen_at AND (customers.gone_at IS NULL OR excluded.gone_at > customers.gone_at)`,
          f.customer,
          f.at,
          f.at,
        ).rowsWritten;
  }

  /** Tombstones older than INDEX_TOMBSTONE_MS go, once per PRUNE_EVERY_MS (the shard's only scans on the write path). */
  private pruneIfDue(now: number): number {
    this.prunedAt ??= Number(this.sql.exec<{ value: number }>(`SELECT value FROM state WHERE key = 'pruned_at'`).toArray()[0]?.value ?? 0);
    if (now - this.prunedAt < PRUNE_EVERY_MS) return 0;
    const before = now - INDEX_TOMBSTONE_MS;
    this.prunedAt = now;
    return (
      this.sql.exec(`DELETE FROM members WHERE member = 0 AND at < ?`, before).rowsWritten +
      this.sql.exec(`DELETE FROM customers WHERE gone_at IS NOT NULL AND gone_at < ?`, before).rowsWritten +
      this.sql.exec(`INSERT INTO state (key, value) VALUES ('pruned_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, now).rowsWritten
    );
  }

  // ---- reads ------------------------------------------------------------------------------------

  /** Members per segment. */
  async segmentSizes(): Promise<{ segment: string; n: number }[]> {
    return this.sql.exec<{ segment: string; n: number }>(`SELECT segment, COUNT(*) AS n FROM members WHERE member = 1 GROUP BY segment`).toArray();
  }

  /** Up to `limit` of a segment's members after `after`, by profile key. */
  async segmentMembers(segment: string, after: string | null, limit: number): Promise<{ profile_key: string; since: number }[]> {
    return this.sql
      .exec<{ profile_key: string; since: number }>(
        `SELECT profile_key, since FROM members WHERE segment = ? AND profile_key > ? AND member = 1 ORDER BY profile_key LIMIT ?`,
        String(segment),
        after ?? "",
        rowLimit(limit),
      )
      .toArray();
  }

  /** Which of `profileKeys` are in the segment, with since when. */
  async membersAmong(segment: string, profileKeys: string[]): Promise<{ profile_key: string; since: number }[]> {
    if (!validKeys(profileKeys)) return [];
    return this.sql
      .exec<{ profile_key: string; since: number }>(
        `SELECT profile_key, since FROM members WHERE segment = ? AND member = 1 AND profile_key IN (SELECT value FROM json_each(?))`,
        String(segment),
        JSON.stringify(profileKeys),
      )
      .toArray();
  }

  /** Entries and exits per UTC day since `fromDay` (YYYY-MM-DD). */
  async segmentChanges(segment: string, fromDay: string): Promise<{ day: string; entered: number; exited: number }[]> {
    return this.sql
      .exec<{ day: string; entered: number; exited: number }>(`SELECT day, entered, exited FROM changes WHERE segment = ? AND day >= ? ORDER BY day`, String(segment), String(fromDay))
      .toArray();
  }

  /** Up to `limit` customers after `after`, by profile key. */
  async customerPage(after: string | null, limit: number): Promise<{ profile_key: string; seen_at: number }[]> {
    return this.sql
      .exec<{ profile_key: string; seen_at: number }>(
        `SELECT profile_key, seen_at FROM customers WHERE profile_key > ? AND gone_at IS NULL ORDER BY profile_key LIMIT ?`,
        after ?? "",
        rowLimit(limit),
      )
      .toArray();
  }

  /** Which of `profileKeys` the index lists as customers, with when first seen. */
  async customersAmong(profileKeys: string[]): Promise<{ profile_key: string; seen_at: number }[]> {
    if (!validKeys(profileKeys)) return [];
    return this.sql
      .exec<{ profile_key: string; seen_at: number }>(
        `SELECT profile_key, seen_at FROM customers WHERE gone_at IS NULL AND profile_key IN (SELECT value FROM json_each(?))`,
        JSON.stringify(profileKeys),
      )
      .toArray();
  }

  async countCustomers(): Promise<number> {
    return Number(this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM customers WHERE gone_at IS NULL`).one().n);
  }

  /** `limit` customers in a row of the index, from the `offset`-th (the size preview's sample). */
  async customerRun(offset: number, limit: number): Promise<string[]> {
    return this.sql
      .exec<{ profile_key: string }>(`SELECT profile_key FROM customers WHERE gone_at IS NULL ORDER BY profile_key LIMIT ? OFFSET ?`, rowLimit(limit), Math.max(0, Math.floor(Number(offset) || 0)))
      .toArray()
      .map((r) => r.profile_key);
  }

  // ---- privacy and deletes ----------------------------------------------------------------------

  /** A deleted customer (and the devices merged into it) leaves no row behind: no tombstone either. */
  async forgetCustomers(profileKeys: string[]): Promise<void> {
    // An erasure is never cut short nor skipped in silence: as many keys as a call may carry facts.
    if (!validKeys(profileKeys, MAX_FACTS_PER_CALL)) throw new Error("forgetCustomers: a list of at most 20,000 profile keys");
    const keys = JSON.stringify(profileKeys);
    this.storage.transactionSync(() => {
      this.sql.exec(`DELETE FROM customers WHERE profile_key IN (SELECT value FROM json_each(?))`, keys);
      // By primary key in each segment the shard holds rows of (no index by customer to keep up on
      // every write): the segments found by a seek each, not a scan of the members.
      const segments = this.sql
        .exec<{ segment: string }>(
          `WITH RECURSIVE s(segment) AS (SELECT MIN(segment) FROM members UNION ALL SELECT (SELECT MIN(segment) FROM members WHERE segment > s.segment) FROM s WHERE s.segment IS NOT NULL)
           SELECT segment FROM s WHERE segment IS NOT NULL`,
        )
        .toArray();
      for (const { segment } of segments)
        this.sql.exec(`DELETE FROM members WHERE segment = ? AND profile_key IN (SELECT value FROM json_each(?))`, segment, keys);
    });
  }

  /** A deleted segment's members and counts. */
  async forgetSegment(segment: string): Promise<void> {
    this.storage.transactionSync(() => {
      this.sql.exec(`DELETE FROM members WHERE segment = ?`, String(segment));
      this.sql.exec(`DELETE FROM changes WHERE segment = ?`, String(segment));
    });
  }
}
