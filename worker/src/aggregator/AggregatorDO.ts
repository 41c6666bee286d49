// One shard of a workspace's global sums (`${workspace}:${shard}`): a keyed-sum store, idempotent by
// fact id. Each call is one logged row (its fact ids and summed increments); the alarm folds the log
// into one row per key at most once a minute, so a counter bumped by every batch costs a row a
// minute, not a row a batch. Its user is the daily KPI counters (kpis/).
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { countInvocation, meteredEnv, meteredStorage } from "../metering.ts";
import { migrateObject, type ObjectMigrations } from "../object-migrations.ts";
import type { KeyRange, SumFact } from "./shards.ts";

/**
 * A fact id is remembered this long, beyond the events queue's whole retry horizon (12 retries
 * backing off to 20 minutes: under two hours), so a redelivered fact is always recognised. The ids
 * are held in memory (loaded from the logged calls on wake-up): a shard holds the ids of the facts
 * that reached it in the last three hours.
 */
export const FACT_ID_RETENTION_MS = 3 * 60 * 60 * 1000;
/** Logged calls wait this long for the fold: a key every call touches is written once a minute. */
export const FOLD_AFTER_MS = 60_000;
/** How often calls past their retention are forgotten while any remain (one range delete an hour). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** Facts per call and increments per fact, so one call is bounded whatever a caller sends. */
const MAX_FACTS_PER_CALL = 5_000;
const MAX_SUMS_PER_FACT = 2_000;
/** Ranges per read, and rows a read answers at most. */
const MAX_RANGES_PER_READ = 20;
const MAX_ROWS_PER_READ = 100_000;

const MIGRATIONS: ObjectMigrations = [
  [
    // WITHOUT ROWID: the key is the row, so an upsert writes one b-tree, not a table and an index.
    `CREATE TABLE sums (key TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID`,
    `CREATE TABLE applied (fact_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  ],
  // 2 (issue 15): one row per call instead of one per fact id and per key. `applied` keeps the ids
  // recorded before (read with the calls' ids until they age out); `fold` is the last call folded.
  [
    `CREATE TABLE calls (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, ids TEXT NOT NULL, sums TEXT NOT NULL)`,
    `CREATE TABLE fold (id INTEGER PRIMARY KEY CHECK (id = 1), folded INTEGER NOT NULL)`,
  ],
];

export interface AddResult {
  /** Facts applied now; duplicates were applied before (a redelivery) and added nothing. */
  applied: number;
  duplicates: number;
  /** SQLite rows the write that carried this call wrote (its logged row): the cost. */
  rowsWritten: number;
  /** The call was malformed and nothing was written (a caller's bug: retrying cannot fix it). */
  invalid?: true;
}

interface Pending {
  facts: SumFact[];
  resolve: (result: AddResult) => void;
  reject: (error: unknown) => void;
}

function validFact(fact: unknown): fact is SumFact {
  const f = fact as SumFact | null;
  return (
    f !== null &&
    typeof f === "object" &&
    typeof f.id === "string" &&
    f.id.length > 0 &&
    Array.isArray(f.sums) &&
    f.sums.length <= MAX_SUMS_PER_FACT &&
    f.sums.every((s) => Array.isArray(s) && typeof s[0] === "string" && typeof s[1] === "number" && Number.isFinite(s[1]))
  );
}

const addTo = (totals: Map<string, number>, key: string, delta: number) => totals.set(key, (totals.get(key) ?? 0) + delta);

export class AggregatorDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** ctx.storage, counted under the dev-only meter (metering.ts). */
  private readonly storage: DurableObjectStorage;
  /** Calls waiting for the next write: every call delivered while one waits joins the same transaction. */
  private pending: Pending[] = [];
  private flushScheduled = false;
  /** What memory holds of the log (loaded once per wake-up): every id applied, and the sums not folded yet. */
  private log: { applied: Map<string, number>; unfolded: Map<string, number>; lastSeq: number } | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.storage = meteredStorage(ctx.storage, env, "AggregatorDO");
    this.sql = this.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateObject(this.storage, MIGRATIONS));
  }

  private folded(): number {
    return Number(this.sql.exec<{ folded: number }>(`SELECT folded FROM fold WHERE id = 1`).toArray()[0]?.folded ?? 0);
  }

  private loadLog() {
    if (this.log) return this.log;
    const folded = this.folded();
    const log = { applied: new Map<string, number>(), unfolded: new Map<string, number>(), lastSeq: folded };
    const since = Date.now() - FACT_ID_RETENTION_MS;
    for (const row of this.sql.exec<{ fact_id: string; at: number }>(`SELECT fact_id, at FROM applied WHERE at >= ?`, since)) log.applied.set(row.fact_id, row.at);
    for (const row of this.sql.exec<{ seq: number; at: number; ids: string; sums: string }>(`SELECT seq, at, ids, sums FROM calls ORDER BY seq`)) {
      if (row.at >= since) for (const id of JSON.parse(row.ids) as string[]) log.applied.set(id, row.at);
      if (row.seq > folded) for (const [key, delta] of JSON.parse(row.sums) as [string, number][]) addTo(log.unfolded, key, delta);
      log.lastSeq = Math.max(log.lastSeq, row.seq);
    }
    return (this.log = log);
  }

  /**
   * Adds the facts' sums, each fact once (by id). Answers when the row that logged it is written:
   * the queue consumer acks only then, so nothing acked is ever only in memory. Calls that arrive
   * while one waits for its write share it, so concurrent consumers cost one row.
   */
  async add(facts: SumFact[]): Promise<AddResult> {
    if (!Array.isArray(facts) || facts.length > MAX_FACTS_PER_CALL || !facts.every(validFact)) return { applied: 0, duplicates: 0, rowsWritten: 0, invalid: true };
    return new Promise<AddResult>((resolve, reject) => {
      this.pending.push({ facts, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // The next turn: calls already delivered to the object by then join this write. (scheduler.wait,
      // not setTimeout: a test's fake timers replace the isolate's setTimeout and would run the flush
      // from the test's context, where this object's storage cannot be touched.)
      void scheduler.wait(0).then(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    let logged: { fresh: Set<string>; totals: Map<string, number>; rowsWritten: number };
    try {
      logged = this.storage.transactionSync(() => this.write(batch.flatMap((p) => p.facts)));
    } catch (error) {
      // The log in memory may hold ids the rollback removed: read it again from disk.
      this.log = undefined;
      for (const { reject } of batch) reject(error);
      return;
    }
    const log = this.loadLog();
    const at = Date.now();
    for (const id of logged.fresh) log.applied.set(id, at);
    for (const [key, delta] of logged.totals) addTo(log.unfolded, key, delta);
    for (const { facts, resolve } of batch) {
      let applied = 0;
      for (const fact of facts) if (logged.fresh.delete(fact.id)) applied += 1;
      resolve({ applied, duplicates: facts.length - applied, rowsWritten: logged.rowsWritten });
    }
    if (logged.totals.size > 0) this.ctx.waitUntil(this.armAlarm(Date.now() + FOLD_AFTER_MS));
  }

  /** One logged row for the new facts (a known id is skipped with its sums), their sums summed per key. */
  private write(facts: SumFact[]): { fresh: Set<string>; totals: Map<string, number>; rowsWritten: number } {
    const { applied } = this.loadLog();
    const fresh = new Set<string>();
    const totals = new Map<string, number>();
    for (const fact of facts) {
      // The same id twice in one write (a message delivered twice at once) counts once.
      if (applied.has(fact.id) || fresh.has(fact.id)) continue;
      fresh.add(fact.id);
      for (const [key, delta] of fact.sums) addTo(totals, key, delta);
    }
    if (fresh.size === 0) return { fresh, totals, rowsWritten: 0 };
    const cursor = this.sql.exec(`INSERT INTO calls (at, ids, sums) VALUES (?, ?, ?) RETURNING seq`, Date.now(), JSON.stringify([...fresh]), JSON.stringify([...totals]));
    this.loadLog().lastSeq = Number(cursor.one().seq);
    return { fresh, totals, rowsWritten: cursor.rowsWritten };
  }

  /** The sums whose keys fall in the ranges ([from, to) each), in key order, as two columns: folded and logged alike. */
  async read(ranges: KeyRange[]): Promise<{ keys: string[]; values: number[] }> {
    const keys: string[] = [];
    const values: number[] = [];
    // Callers build their ranges (kpis/counters.ts kpiRange): a malformed read answers nothing.
    if (!Array.isArray(ranges) || ranges.length > MAX_RANGES_PER_READ || !ranges.every((r) => typeof r?.from === "string" && typeof r.to === "string")) return { keys, values };
    const { unfolded } = this.loadLog();
    for (const { from, to } of ranges) {
      const found = new Map<string, number>();
      for (const row of this.sql.exec<{ key: string; value: number }>(`SELECT key, value FROM sums WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`, from, to, MAX_ROWS_PER_READ - keys.length))
        found.set(row.key, row.value);
      for (const [key, delta] of unfolded) if (key >= from && key < to) addTo(found, key, delta);
      for (const key of [...found.keys()].sort()) {
        if (keys.length >= MAX_ROWS_PER_READ) break;
        keys.push(key);
        values.push(found.get(key)!);
      }
    }
    return { keys, values };
  }

  private async armAlarm(at: number): Promise<void> {
    const armed = await this.storage.getAlarm();
    if (armed === null || armed > at) await this.storage.setAlarm(at);
  }

  /**
   * Folds the logged calls into the sums (one row per key, however many calls touched it) and
   * forgets calls and old ids past FACT_ID_RETENTION_MS; re-armed while calls remain to forget.
   */
  override async alarm(): Promise<void> {
    countInvocation(this.env, "alarm", "AggregatorDO");
    const log = this.loadLog();
    const now = Date.now();
    this.storage.transactionSync(() => {
      if (log.unfolded.size > 0) {
        this.sql.exec(
          `INSERT INTO sums (key, value) SELECT value->>0, value->>1 FROM json_each(?) WHERE true
           ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`,
          JSON.stringify([...log.unfolded]),
        );
        this.sql.exec(`INSERT INTO fold (id, folded) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET folded = excluded.folded`, log.lastSeq);
      }
      this.sql.exec(`DELETE FROM calls WHERE at < ? AND seq <= ?`, now - FACT_ID_RETENTION_MS, log.lastSeq);
      this.sql.exec(`DELETE FROM applied WHERE at < ?`, now - FACT_ID_RETENTION_MS);
    });
    log.unfolded.clear();
    for (const [id, at] of log.applied) if (at < now - FACT_ID_RETENTION_MS) log.applied.delete(id);
    const remaining = this.sql.exec(`SELECT 1 FROM calls LIMIT 1`).toArray().length + this.sql.exec(`SELECT 1 FROM applied LIMIT 1`).toArray().length > 0;
    if (remaining) await this.armAlarm(now + PRUNE_EVERY_MS);
  }
}
