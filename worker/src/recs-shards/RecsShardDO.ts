// One shard of a workspace's recommendation sums and product-interest index (`${workspace}:${shard}`,
// items by fnv1a(item) mod N): the events consumer hands it one call per queue batch; each call is one
// logged row, folded into one JSON row per item by the alarm; the cron reads the changed items' lists.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { countInvocation, meteredEnv, meteredStorage } from "../metering.ts";
import { migrateObject, type ObjectMigrations } from "../object-migrations.ts";
import { decayScale, RELATIONS_BY_KIND, TRENDING_SIZE, type EdgeNeighbours } from "../recs/edge.ts";
import { topNeighbours } from "../recs/neighbours.ts";
import { recsShard, type ShardLayout } from "./client.ts";
import { activeSince, applyDeltas, emptyRecord, handoverParts, interestedIn, recsShardOf, type ItemDelta, type ItemRecord } from "./item-record.ts";
import { sizedChunks } from "../sized-chunks.ts";
import { CALL_ROW_BYTES, callRows } from "./call-rows.ts";

/**
 * Queue message ids applied are remembered this long, far beyond the events queue's retry horizon
 * (12 retries backing off to 20 minutes: under two hours), so a redelivered message adds nothing.
 */
export const APPLIED_RETENTION_MS = 6 * 60 * 60 * 1000;
/**
 * Logged calls wait this long for the alarm's fold: the cron (every 10 minutes) folds first anyway
 * when it asks for the changed lists, so an item is rewritten about once per cron run, however many
 * calls touched it. The alarm bounds the log of a shard the cron has not asked.
 */
export const FOLD_AFTER_MS = 10 * 60_000;
/** Parts (queue messages) per call and items per part, so one call is bounded whatever a caller sends. */
const MAX_PARTS_PER_CALL = 500;
const MAX_ITEMS_PER_PART = 5_000;

const RELATION_TOP_K = new Map(
  Object.values(RELATIONS_BY_KIND).flatMap((relations) => Object.entries(relations).map(([relation, spec]) => [relation, spec.topK] as const)),
);

const MIGRATIONS: ObjectMigrations = [
  [
    // One row per call: its increments and message ids until folded (then its ids move to folded_ids).
    `CREATE TABLE calls (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, ids TEXT NOT NULL, body TEXT NOT NULL)`,
    // One row per item (ItemRecord as JSON); category and popularity as columns for the trending scan.
    `CREATE TABLE items (item TEXT PRIMARY KEY, category TEXT, popularity REAL NOT NULL, body TEXT NOT NULL) WITHOUT ROWID`,
    // The fold's bookkeeping, one row: last folded call, generation, items changed since materialised.
    `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
  ],
  [
    // Items on their way to the shard that owns them after N grew (rehome): sent, then deleted.
    `CREATE TABLE handover (id TEXT PRIMARY KEY, target INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID`,
  ],
  // 3: a fold deletes the calls it folded and keeps their message ids in a row of its own, so the
  // shard's storage holds ten minutes of increments, not APPLIED_RETENTION_MS of them (bench:scale's
  // half minute of a busy shard's calls logged 150 MB).
  [
    `CREATE TABLE folded_ids (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, ids TEXT NOT NULL)`,
    // Calls folded before kept their rows: their ids move, and every call left in calls is unfolded.
    `INSERT INTO folded_ids (at, ids) SELECT at, ids FROM calls WHERE seq <= COALESCE((SELECT value->>'folded' FROM state WHERE key = 'fold'), 0)`,
    `DELETE FROM calls WHERE seq <= COALESCE((SELECT value->>'folded' FROM state WHERE key = 'fold'), 0)`,
  ],
];

/** Customers a summary names at most. */
const SUMMARY_PROFILES = 1_000;

export interface ShardSummary {
  items: number;
  interestEntries: number;
  profiles: string[];
}

/** One queue message's increments for this shard, applied once by `id`. */
export interface ShardPart {
  id: string;
  items: ItemDelta[];
}

interface FoldState {
  /** The last call folded (a fold deletes the calls it folded, so nothing reads this to skip them). */
  folded: number;
  generation: number;
  /** Item → generation of its last change; cleared by markMaterialised. */
  changed: [string, number][];
  /** The layout the cron last told this shard; absent until then. */
  layout?: ShardLayout;
  /** The fold met an item another shard owns (a message sent under the old N): the next rehome moves it. */
  foreign?: boolean;
}

export interface ChangedLists {
  generation: number;
  lists: { item: string; lists: EdgeNeighbours }[];
}

/** Category ("" = the whole store) → its most popular items, with their decay-scaled popularity. */
export type ShardTrending = Record<string, { item: string; popularity: number }[]>;

function validPart(part: unknown): part is ShardPart {
  const p = part as ShardPart | null;
  return p !== null && typeof p === "object" && typeof p.id === "string" && p.id.length > 0 && Array.isArray(p.items) && p.items.length <= MAX_ITEMS_PER_PART;
}

export class RecsShardDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;
  /** Message ids applied within APPLIED_RETENTION_MS; loaded on first use. */
  private applied: Set<string> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.storage = meteredStorage(ctx.storage, env, "RecsShardDO");
    this.sql = this.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateObject(this.storage, MIGRATIONS));
  }

  private appliedIds(): Set<string> {
    if (!this.applied) {
      this.applied = new Set();
      for (const table of ["calls", "folded_ids"])
        for (const row of this.sql.exec<{ ids: string }>(`SELECT ids FROM ${table}`)) for (const id of JSON.parse(row.ids) as string[]) this.applied.add(id);
    }
    return this.applied;
  }

  private state(): FoldState {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM state WHERE key = 'fold'`).toArray()[0];
    return row ? (JSON.parse(row.value) as FoldState) : { folded: 0, generation: 0, changed: [] };
  }

  private saveState(state: FoldState): void {
    this.sql.exec(`INSERT INTO state (key, value) VALUES ('fold', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, JSON.stringify(state));
  }

  /**
   * Logs the parts not applied before as one row and answers once it is stored: the consumer acks
   * only then, so nothing acked is only in memory. A part already applied (a redelivered message)
   * adds nothing. Answers how many parts were new.
   */
  async add(parts: ShardPart[]): Promise<{ applied: number; duplicates: number; invalid?: true }> {
    if (!Array.isArray(parts) || parts.length > MAX_PARTS_PER_CALL || !parts.every(validPart)) return { applied: 0, duplicates: 0, invalid: true };
    const applied = this.appliedIds();
    const fresh = parts.filter((p, i) => !applied.has(p.id) && parts.findIndex((q) => q.id === p.id) === i);
    if (fresh.length > 0) {
      // One row per call; a call larger than CALL_ROW_BYTES (a batch of big carts) takes a few, each under SQLite's value limit.
      this.storage.transactionSync(() => {
        for (const rows of callRows(fresh)) this.sql.exec(`INSERT INTO calls (at, ids, body) VALUES (?, ?, ?)`, Date.now(), rows.ids, rows.body);
      });
      for (const part of fresh) applied.add(part.id);
      const alarm = await this.storage.getAlarm();
      if (alarm === null || alarm > Date.now() + FOLD_AFTER_MS) await this.storage.setAlarm(Date.now() + FOLD_AFTER_MS);
    }
    return { applied: fresh.length, duplicates: parts.length - fresh.length };
  }

  /**
   * Folds every logged call into the items' rows (one write per item touched, however many calls
   * touched it) and drops the calls past APPLIED_RETENTION_MS. One transaction.
   */
  private fold(now: number): FoldState {
    const state = this.state();
    // Every call still logged is unfolded (a fold deletes what it folded; seq numbers may then repeat).
    const calls = this.sql.exec<{ seq: number; body: string }>(`SELECT seq, body FROM calls ORDER BY seq`).toArray();
    if (calls.length > 0) {
      const deltas = new Map<string, ItemDelta[]>();
      for (const call of calls)
        for (const delta of JSON.parse(call.body) as ItemDelta[]) {
          const list = deltas.get(delta.item);
          if (list) list.push(delta);
          else deltas.set(delta.item, [delta]);
        }
      const records = this.records([...deltas.keys()]);
      state.generation += 1;
      const changed = new Map(state.changed);
      const rows: [string, string | null, number, string][] = [];
      for (const [item, list] of deltas) {
        if (state.layout && recsShardOf(item, state.layout.shards) !== state.layout.self) state.foreign = true;
        const record = records.get(item) ?? emptyRecord();
        applyDeltas(record, list, now);
        rows.push([item, record.category, record.popularity, JSON.stringify(record)]);
        changed.set(item, state.generation);
      }
      // Several statements when needed: one bound JSON value must stay under SQLite's 2 MB limit
      // (ten busy minutes of calls touch thousands of items, each row a few KB).
      for (const chunk of sizedChunks(rows, (row) => row[3].length + row[0].length + 64, CALL_ROW_BYTES))
        this.sql.exec(
          `INSERT INTO items (item, category, popularity, body) SELECT value->>0, value->>1, value->>2, value->>3 FROM json_each(?) WHERE true
           ON CONFLICT (item) DO UPDATE SET category = excluded.category, popularity = excluded.popularity, body = excluded.body`,
          JSON.stringify(chunk),
        );
      state.folded = calls.at(-1)!.seq;
      state.changed = [...changed];
    }
    // The folded calls' increments are in the item rows now; their ids stay (for redeliveries) in one
    // row per fold. (Calls folded before migration 3 kept their rows: their ids move the same way.)
    const done = calls.length ? this.sql.exec<{ ids: string }>(`DELETE FROM calls WHERE seq <= ? RETURNING ids`, calls.at(-1)!.seq).toArray() : [];
    const ids = done.flatMap((call) => JSON.parse(call.ids) as string[]);
    for (const chunk of sizedChunks(ids, (id) => id.length + 3, CALL_ROW_BYTES)) this.sql.exec(`INSERT INTO folded_ids (at, ids) VALUES (?, ?)`, now, JSON.stringify(chunk));
    const expired = this.sql.exec<{ ids: string }>(`DELETE FROM folded_ids WHERE at < ? RETURNING ids`, now - APPLIED_RETENTION_MS).toArray();
    if (expired.length > 0 && this.applied) for (const row of expired) for (const id of JSON.parse(row.ids) as string[]) this.applied.delete(id);
    if (calls.length > 0) this.saveState(state);
    return state;
  }

  private records(items: string[]): Map<string, ItemRecord> {
    const records = new Map<string, ItemRecord>();
    for (const row of this.sql.exec<{ item: string; body: string }>(`SELECT item, body FROM items WHERE item IN (SELECT value FROM json_each(?))`, JSON.stringify(items)))
      records.set(row.item, JSON.parse(row.body) as ItemRecord);
    return records;
  }

  private foldNow(now = Date.now()): FoldState {
    return this.storage.transactionSync(() => this.fold(now));
  }

  /** The fold, FOLD_AFTER_MS after the first unfolded call; re-armed for the next expiry of remembered ids. */
  override async alarm(): Promise<void> {
    countInvocation(this.env, "alarm", "RecsShardDO");
    this.foldNow();
    const oldest = this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM folded_ids`).one().at;
    if (oldest !== null) await this.storage.setAlarm(Math.max(Date.now() + FOLD_AFTER_MS, oldest + APPLIED_RETENTION_MS));
  }

  /**
   * The direct lists (views, pair relations) of up to `limit` items changed since they were last
   * materialised, at time `now`: each relation's top-K, best first, normalised so the best scores 1.
   */
  async changedLists(now: number, limit: number, layout: ShardLayout): Promise<ChangedLists> {
    await this.rehome(layout, now);
    const state = this.foldNow(now);
    const items = state.changed.slice(0, limit).map(([item]) => item);
    const nowScale = decayScale(now);
    const lists: ChangedLists["lists"] = [];
    for (const [item, record] of this.records(items)) {
      const entry: EdgeNeighbours = { views: record.views / nowScale };
      for (const [relation, pairs] of Object.entries(record.pairs))
        if (pairs.length) (entry as unknown as Record<string, unknown>)[relation] = topNeighbours(new Map(pairs), RELATION_TOP_K.get(relation) ?? 0);
      lists.push({ item, lists: entry });
    }
    return { generation: state.generation, lists };
  }

  /**
   * Moves the items this shard no longer owns under `layout` (N grew, or a message sent under the
   * old N arrived since) to their owners: first into `handover` with the items' rows deleted, in one
   * transaction, then each part sent as an `add` (applied once by its id), then forgotten. A part
   * left by a failed attempt is sent again by the next one.
   */
  private async rehome(layout: ShardLayout, now: number): Promise<void> {
    const before = this.foldNow(now);
    if (!before.layout || before.layout.shards !== layout.shards || before.layout.self !== layout.self || before.foreign)
      this.storage.transactionSync(() => {
        const state = this.state();
        const moving = new Map<string, ItemRecord>();
        for (const row of this.sql.exec<{ item: string; body: string }>(`SELECT item, body FROM items`))
          if (recsShardOf(row.item, layout.shards) !== layout.self) moving.set(row.item, JSON.parse(row.body) as ItemRecord);
        handoverParts(moving, layout, state.generation).forEach((part) =>
          this.sql.exec(`INSERT INTO handover (id, target, body) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`, part.id, part.target, JSON.stringify(part.items)),
        );
        if (moving.size) this.sql.exec(`DELETE FROM items WHERE item IN (SELECT value FROM json_each(?))`, JSON.stringify([...moving.keys()]));
        state.changed = state.changed.filter(([item]) => !moving.has(item));
        state.layout = layout;
        state.foreign = false;
        this.saveState(state);
      });
    for (const part of this.sql.exec<{ id: string; target: number; body: string }>(`SELECT id, target, body FROM handover`).toArray()) {
      await recsShard(this.env, layout.workspaceId, part.target).add([{ id: part.id, items: JSON.parse(part.body) as ItemDelta[] }]);
      this.sql.exec(`DELETE FROM handover WHERE id = ?`, part.id);
    }
  }

  /**
   * One materialisation of the workspace at a time (asked of shard 0): overlapping cron runs would
   * each patch a KV page read before the other wrote it, and the later write would drop the other's
   * lists for good. Answers whether this run may go on; a lease lapses after `ttlMs` (a run that died).
   */
  async claimMaterialisation(ttlMs: number): Promise<boolean> {
    const held = this.sql.exec<{ value: string }>(`SELECT value FROM state WHERE key = 'materialising'`).toArray()[0];
    if (held && Number(held.value) > Date.now()) return false;
    this.sql.exec(`INSERT INTO state (key, value) VALUES ('materialising', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(Date.now() + ttlMs));
    return true;
  }

  async releaseMaterialisation(): Promise<void> {
    this.sql.exec(`DELETE FROM state WHERE key = 'materialising'`);
  }

  /** Forgets that these items changed, unless they changed again after `generation`. */
  async markMaterialised(items: string[], generation: number): Promise<void> {
    const state = this.state();
    const done = new Set(items);
    const changed = state.changed.filter(([item, gen]) => !done.has(item) || gen > generation);
    if (changed.length === state.changed.length) return;
    state.changed = changed;
    this.saveState(state);
  }

  /** The most popular items per category and in the whole shard (a scan of two columns, no row written). */
  async trending(): Promise<ShardTrending> {
    this.foldNow();
    const top: ShardTrending = {};
    const rows = this.sql.exec<{ item: string; category: string | null; popularity: number }>(`SELECT item, category, popularity FROM items ORDER BY popularity DESC, item`);
    for (const { item, category, popularity } of rows)
      for (const key of category ? ["", category] : [""]) {
        const list = (top[key] ??= []);
        if (list.length < TRENDING_SIZE) list.push({ item, popularity });
      }
    return top;
  }

  /** Interested customers of one item (see interestedIn), in profile-key order after `cursor`. */
  async interested(item: string, since: number, cursor: string, limit: number): Promise<string[]> {
    this.foldNow();
    const record = this.records([item]).get(item);
    return record ? page(interestedIn(record, since), cursor, limit) : [];
  }

  /** Customers active on any of these items since `since` (new arrivals in their category), in profile-key order after `cursor`. */
  async activeCustomers(items: string[], since: number, cursor: string, limit: number): Promise<string[]> {
    this.foldNow();
    const keys = new Set<string>();
    for (const record of this.records(items).values()) for (const key of activeSince(record, since)) keys.add(key);
    return page([...keys], cursor, limit);
  }

  /** Privacy delete: the customers leave every item's interest list. */
  async forgetCustomers(profileKeys: string[]): Promise<void> {
    this.storage.transactionSync(() => {
      this.fold(Date.now());
      const gone = new Set(profileKeys);
      for (const row of this.sql.exec<{ item: string; body: string }>(`SELECT item, body FROM items`).toArray()) {
        const record = JSON.parse(row.body) as ItemRecord;
        const kept = record.interest.filter((e) => !gone.has(e[0]));
        if (kept.length === record.interest.length) continue;
        record.interest = kept;
        this.sql.exec(`UPDATE items SET body = ? WHERE item = ?`, JSON.stringify(record), row.item);
      }
    });
  }

  /** Some items' sums as stored (folded first), for operators and tests: why an item's lists are what they are. */
  async inspect(items: string[]): Promise<Record<string, ItemRecord>> {
    this.foldNow();
    return Object.fromEntries(this.records(Array.isArray(items) ? items.slice(0, MAX_ITEMS_PER_PART) : []));
  }

  /** What this shard holds (folded first), for operators and tests: items, interest entries, up to SUMMARY_PROFILES customers. */
  async summary(): Promise<ShardSummary> {
    this.foldNow();
    const summary: ShardSummary = { items: 0, interestEntries: 0, profiles: [] };
    const profiles = new Set<string>();
    for (const row of this.sql.exec<{ body: string }>(`SELECT body FROM items`)) {
      const record = JSON.parse(row.body) as ItemRecord;
      summary.items += 1;
      summary.interestEntries += record.interest.length;
      for (const [key] of record.interest) if (profiles.size < SUMMARY_PROFILES) profiles.add(key);
    }
    summary.profiles = [...profiles].sort();
    return summary;
  }
}

function page(keys: string[], cursor: string, limit: number): string[] {
  return keys
    .filter((k) => k > cursor)
    .sort()
    .slice(0, limit);
}
