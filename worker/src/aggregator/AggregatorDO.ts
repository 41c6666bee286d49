// One shard of a workspace's global sums (`${workspace}:${shard}`): a keyed-sum store, idempotent by
// fact id, written once per batch. Its first user is the daily KPI counters (kpis/); issue 15's
// recommendation pair sums are meant to be its second (another key prefix, same store).
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { countInvocation, meteredEnv, meteredStorage } from "../metering.ts";
import { migrateObject, type ObjectMigrations } from "../object-migrations.ts";
import type { KeyRange, SumFact } from "./shards.ts";

/**
 * A fact id is remembered this long, far beyond the events queue's whole retry horizon (12 retries
 * backing off to 20 minutes: under two hours), so a redelivered fact is always recognised.
 */
export const FACT_ID_RETENTION_MS = 3 * 24 * 60 * 60 * 1000;
/** How often the alarm forgets fact ids past their retention (one scan of the ids, not one per flush). */
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
];

export interface AddResult {
  /** Facts applied now; duplicates were applied before (a redelivery) and added nothing. */
  applied: number;
  duplicates: number;
  /** SQLite rows the flush that carried this call wrote (sums upserted, fact ids recorded): the cost. */
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

export class AggregatorDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** ctx.storage, counted under the dev-only meter (metering.ts). */
  private readonly storage: DurableObjectStorage;
  /** Calls waiting for the next write: every call delivered while one waits joins the same transaction. */
  private pending: Pending[] = [];
  private flushScheduled = false;
  private pruneArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meteredEnv(env));
    this.storage = meteredStorage(ctx.storage, env, "AggregatorDO");
    this.sql = this.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateObject(this.storage, MIGRATIONS));
  }

  /**
   * Adds the facts' sums, each fact once (by id). Answers when the write that carried it is
   * done: the queue consumer acks only then, so nothing acked is ever only in memory. Calls that
   * arrive while one waits for its write share it, so concurrent consumers cost one transaction.
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
    try {
      const { fresh, rowsWritten } = this.storage.transactionSync(() => this.write(batch.flatMap((p) => p.facts)));
      for (const { facts, resolve } of batch) {
        let applied = 0;
        for (const fact of facts) if (fresh.delete(fact.id)) applied += 1;
        resolve({ applied, duplicates: facts.length - applied, rowsWritten });
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    this.armPrune();
  }

  /**
   * One transaction: records the new fact ids (a known one is skipped with its sums), then upserts
   * each key once with the sum of every new fact's delta for it. Rows written = new fact ids +
   * distinct keys, however many increments the facts held.
   */
  private write(facts: SumFact[]): { fresh: Set<string>; rowsWritten: number } {
    let rowsWritten = 0;
    const ids = [...new Set(facts.map((f) => f.id))];
    const inserted = this.sql.exec<{ fact_id: string }>(
      `INSERT INTO applied (fact_id, at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (fact_id) DO NOTHING RETURNING fact_id`,
      Date.now(),
      JSON.stringify(ids),
    );
    const fresh = new Set(inserted.toArray().map((r) => r.fact_id));
    rowsWritten += inserted.rowsWritten;
    const totals = new Map<string, number>();
    const counted = new Set<string>();
    for (const fact of facts) {
      // The same id twice in one flush (a message delivered twice at once) counts once.
      if (!fresh.has(fact.id) || counted.has(fact.id)) continue;
      counted.add(fact.id);
      for (const [key, delta] of fact.sums) totals.set(key, (totals.get(key) ?? 0) + delta);
    }
    if (totals.size > 0) {
      const upsert = this.sql.exec(
        `INSERT INTO sums (key, value) SELECT value->>0, value->>1 FROM json_each(?) WHERE true
         ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`,
        JSON.stringify([...totals]),
      );
      upsert.toArray();
      rowsWritten += upsert.rowsWritten;
    }
    return { fresh, rowsWritten };
  }

  /** The sums whose keys fall in the ranges ([from, to) each), in key order, as two columns. */
  async read(ranges: KeyRange[]): Promise<{ keys: string[]; values: number[] }> {
    const keys: string[] = [];
    const values: number[] = [];
    // Callers build their ranges (kpis/counters.ts kpiRange): a malformed read answers nothing.
    if (!Array.isArray(ranges) || ranges.length > MAX_RANGES_PER_READ || !ranges.every((r) => typeof r?.from === "string" && typeof r.to === "string")) return { keys, values };
    for (const { from, to } of ranges) {
      const cursor = this.sql.exec<{ key: string; value: number }>(`SELECT key, value FROM sums WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`, from, to, MAX_ROWS_PER_READ - keys.length);
      for (const row of cursor) {
        keys.push(row.key);
        values.push(row.value);
      }
    }
    return { keys, values };
  }

  /** Arms the hourly prune of old fact ids once per wake-up (the alarm re-arms itself while ids remain). */
  private armPrune(): void {
    if (this.pruneArmed) return;
    this.pruneArmed = true;
    this.ctx.waitUntil(
      (async () => {
        if ((await this.storage.getAlarm()) === null) await this.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
      })(),
    );
  }

  /** Forgets fact ids past FACT_ID_RETENTION_MS; one scan an hour instead of an index written with every fact. */
  override async alarm(): Promise<void> {
    countInvocation(this.env, "alarm", "AggregatorDO");
    this.sql.exec(`DELETE FROM applied WHERE at < ?`, Date.now() - FACT_ID_RETENTION_MS);
    const remaining = this.sql.exec(`SELECT 1 FROM applied LIMIT 1`).toArray().length > 0;
    if (remaining) await this.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
    else this.pruneArmed = false;
  }
}
