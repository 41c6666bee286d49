// Dev-only meter of every billable operation (`npm run bench:cost`): wraps the bindings and a Durable
// Object's storage so Worker and DO requests, DO SQLite rows, D1 rows, queue operations and KV
// operations are counted from the runtime's own answers (cursor `rowsRead`/`rowsWritten`, D1
// `meta`). Active only when the worker runs with `SEAM_DEV_METER=on` (a `--var` the benchmark passes,
// never in wrangler.toml); anywhere else every hook hands back the binding untouched, so production
// pays one property check per entry and exposes nothing (GET /__meter is then a plain 404).
import type { Env } from "./env.ts";

export const METER_VAR_VALUE = "on";
export const METER_PATH = "/__meter";
/** Cloudflare Queues bill one operation per 64 KB (KB = 1,000 bytes) written, read or deleted. */
const QUEUE_OPERATION_BYTES = 64_000;
/** Per-message metadata Queues count towards a message's size. */
const QUEUE_MESSAGE_OVERHEAD_BYTES = 100;
/** Cursors still read after their statement: settled once this many newer statements ran. */
const CURSORS_KEPT = 32;

export interface MeterCounts {
  worker_requests: number;
  worker_requests_by_kind: Record<string, number>;
  do_requests: number;
  do_requests_by_class: Record<string, number>;
  do_alarm_invocations: number;
  /** Wall time of DO calls as their callers saw it: the basis of the duration *estimate*. */
  do_call_wall_ms: number;
  do_rows_read: number;
  do_rows_written: number;
  do_rows_written_by_class: Record<string, number>;
  /** Rows written per statement (its first words): where a Durable Object's writes go. */
  do_rows_written_by_statement: Record<string, number>;
  do_alarm_writes: number;
  d1_rows_read: number;
  d1_rows_written: number;
  d1_rows_written_by_table: Record<string, number>;
  d1_queries: number;
  queue_messages_written: number;
  queue_operations: number;
  queue_messages_by_queue: Record<string, number>;
  kv_reads: number;
  kv_writes: number;
  kv_deletes: number;
  kv_lists: number;
  kv_writes_by_prefix: Record<string, number>;
  kv_reads_by_prefix: Record<string, number>;
  /** SQLite database size of the objects seen, per class (docs/scale.md's storage per object). */
  do_storage_by_class: Record<string, { objects: number; total_bytes: number; max_bytes: number }>;
}

function emptyCounts(): MeterCounts {
  return {
    worker_requests: 0,
    worker_requests_by_kind: {},
    do_requests: 0,
    do_requests_by_class: {},
    do_alarm_invocations: 0,
    do_call_wall_ms: 0,
    do_rows_read: 0,
    do_rows_written: 0,
    do_rows_written_by_class: {},
    do_rows_written_by_statement: {},
    do_alarm_writes: 0,
    d1_rows_read: 0,
    d1_rows_written: 0,
    d1_rows_written_by_table: {},
    d1_queries: 0,
    queue_messages_written: 0,
    queue_operations: 0,
    queue_messages_by_queue: {},
    kv_reads: 0,
    kv_writes: 0,
    kv_deletes: 0,
    kv_lists: 0,
    kv_writes_by_prefix: {},
    kv_reads_by_prefix: {},
    do_storage_by_class: {},
  };
}

/** Module state: one isolate runs the worker, its Durable Objects and its consumers locally. */
let counts = emptyCounts();
const bump = (map: Record<string, number>, key: string, by = 1) => void (map[key] = (map[key] ?? 0) + by);

export function meterActive(env: Pick<Env, "SEAM_DEV_METER">): boolean {
  return env.SEAM_DEV_METER === METER_VAR_VALUE;
}

const queueOperations = (body: unknown) =>
  Math.max(1, Math.ceil((JSON.stringify(body ?? null).length + QUEUE_MESSAGE_OVERHEAD_BYTES) / QUEUE_OPERATION_BYTES));

// ---- D1 ------------------------------------------------------------------------------------------

const statementTable = (query: string) =>
  /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?(\w+)/i.exec(query)?.[1] ?? "(read)";

function countD1(meta: D1Meta | undefined, query: string): void {
  counts.d1_queries += 1;
  counts.d1_rows_read += meta?.rows_read ?? 0;
  const written = meta?.rows_written ?? 0;
  counts.d1_rows_written += written;
  if (written) bump(counts.d1_rows_written_by_table, statementTable(query), written);
}

/** A prepared statement whose answers are counted; `first()` and `raw()` go through `all()` for its meta. */
class MeteredStatement {
  readonly inner: D1PreparedStatement;
  readonly query: string;
  constructor(inner: D1PreparedStatement, query: string) {
    this.inner = inner;
    this.query = query;
  }
  bind(...values: unknown[]): MeteredStatement {
    return new MeteredStatement(this.inner.bind(...values), this.query);
  }
  async run<T>(): Promise<D1Result<T>> {
    const result = await this.inner.run<T>();
    countD1(result.meta, this.query);
    return result;
  }
  async all<T>(): Promise<D1Result<T>> {
    const result = await this.inner.all<T>();
    countD1(result.meta, this.query);
    return result;
  }
  async first<T>(column?: string): Promise<T | null> {
    const row = (await this.all<Record<string, unknown>>()).results[0];
    if (row === undefined) return null;
    return (column === undefined ? row : (row[column] ?? null)) as T | null;
  }
  async raw<T extends unknown[]>(): Promise<T[]> {
    return (await this.all<Record<string, unknown>>()).results.map((row) => Object.values(row) as T);
  }
}

function meteredD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => new MeteredStatement(target.prepare(query), query);
      if (prop === "batch")
        return async (statements: MeteredStatement[]) => {
          const results = await target.batch(statements.map((s) => s.inner));
          results.forEach((result, i) => countD1(result.meta, statements[i]!.query));
          return results;
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// ---- KV, queues, Durable Object stubs --------------------------------------------------------------

const kvPrefix = (key: string) => key.split(":", 1)[0] ?? key;

function meteredKv(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const key = args[0];
        if (prop === "get" || prop === "getWithMetadata")
          for (const one of Array.isArray(key) ? key : [key]) {
            counts.kv_reads += 1;
            bump(counts.kv_reads_by_prefix, kvPrefix(String(one)));
          }
        else if (prop === "put") {
          counts.kv_writes += 1;
          bump(counts.kv_writes_by_prefix, kvPrefix(String(key)));
        } else if (prop === "delete") counts.kv_deletes += 1;
        else if (prop === "list") counts.kv_lists += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
}

function meteredQueue(queue: Queue<unknown>, name: string): Queue<unknown> {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const bodies = prop === "send" ? [args[0]] : prop === "sendBatch" ? (args[0] as { body: unknown }[]).map((m) => m.body) : [];
        for (const body of bodies) {
          counts.queue_messages_written += 1;
          counts.queue_operations += queueOperations(body);
          bump(counts.queue_messages_by_queue, name);
        }
        return Reflect.apply(value, target, args);
      };
    },
  });
}

function meteredStub<T extends object>(stub: T, className: string): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      // `then` must stay absent, or awaiting a stub would look like an RPC call.
      if (typeof value !== "function" || prop === "then" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        counts.do_requests += 1;
        bump(counts.do_requests_by_class, className);
        const started = Date.now();
        const answer = Reflect.apply(value, target, args) as Promise<unknown>;
        return Promise.resolve(answer).finally(() => void (counts.do_call_wall_ms += Date.now() - started));
      };
    },
  });
}

function meteredNamespace<T extends object>(namespace: T, className: string): T {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "get" || prop === "getByName")
        return (...args: unknown[]) => meteredStub(Reflect.apply(value as (...a: unknown[]) => object, target, args), className);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const envs = new WeakMap<Env, Env>();

/** The bindings, counted when the meter is on; `env` itself otherwise (the production path). */
export function meteredEnv(env: Env): Env {
  if (!meterActive(env)) return env;
  let wrapped = envs.get(env);
  if (!wrapped) {
    wrapped = {
      ...env,
      DB: meteredD1(env.DB),
      RECS_KV: meteredKv(env.RECS_KV),
      CONFIG_KV: meteredKv(env.CONFIG_KV),
      EVENTS: meteredQueue(env.EVENTS, "events") as Env["EVENTS"],
      MESSAGES: meteredQueue(env.MESSAGES, "messages") as Env["MESSAGES"],
      CUSTOMER: meteredNamespace(env.CUSTOMER, "CustomerDO"),
      RATE_LIMITER: meteredNamespace(env.RATE_LIMITER, "RateLimiterDO"),
      AGGREGATOR: meteredNamespace(env.AGGREGATOR, "AggregatorDO"),
      RECS_SHARDS: meteredNamespace(env.RECS_SHARDS, "RecsShardDO"),
      INDEX_SHARDS: meteredNamespace(env.INDEX_SHARDS, "IndexShardDO"),
    };
    envs.set(env, wrapped);
  }
  return wrapped;
}

// ---- a Durable Object's own storage -----------------------------------------------------------------

interface OpenCursor {
  cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
  className: string;
  statement: string;
  read: number;
  written: number;
}
const openCursors: OpenCursor[] = [];

/** Adds what open cursors read and wrote since last looked at; forgets all but the newest few. */
function settleCursors(keep: number): void {
  for (const open of openCursors) {
    const read = open.cursor.rowsRead;
    const written = open.cursor.rowsWritten;
    counts.do_rows_read += read - open.read;
    counts.do_rows_written += written - open.written;
    if (written > open.written) {
      bump(counts.do_rows_written_by_class, open.className, written - open.written);
      bump(counts.do_rows_written_by_statement, open.statement, written - open.written);
    }
    open.read = read;
    open.written = written;
  }
  if (openCursors.length > keep) openCursors.splice(0, openCursors.length - keep);
}

/** Each object's storage seen, with its database size when last looked at (an evicted object's stays as it was). */
const storages = new Map<SqlStorage, { className: string; bytes: number }>();

function settleStorageSizes(): void {
  counts.do_storage_by_class = {};
  for (const [sql, seen] of storages) {
    try {
      seen.bytes = sql.databaseSize;
    } catch {}
    const c = (counts.do_storage_by_class[seen.className] ??= { objects: 0, total_bytes: 0, max_bytes: 0 });
    c.objects += 1;
    c.total_bytes += seen.bytes;
    c.max_bytes = Math.max(c.max_bytes, seen.bytes);
  }
}

function meteredSql(sql: SqlStorage, className: string): SqlStorage {
  return new Proxy(sql, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "exec")
        return (query: string, ...bindings: unknown[]) => {
          settleCursors(CURSORS_KEPT);
          storages.set(target, { className, bytes: target.databaseSize });
          const cursor = target.exec(query, ...bindings);
          openCursors.push({ cursor, className, statement: `${className}: ${query.replace(/\s+/g, " ").trim().slice(0, 70)}`, read: 0, written: 0 });
          return cursor;
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * A Durable Object's storage, counted when the meter is on: SQL rows through the cursors, and each
 * alarm set or deleted (a write of the object's alarm row). `storage` itself otherwise.
 */
export function meteredStorage(storage: DurableObjectStorage, env: Env, className: string): DurableObjectStorage {
  if (!meterActive(env)) return storage;
  const sql = meteredSql(storage.sql, className);
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === "sql") return sql;
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      if (prop === "setAlarm" || prop === "deleteAlarm")
        return (...args: unknown[]) => {
          counts.do_alarm_writes += 1;
          return Reflect.apply(value, target, args);
        };
      return value.bind(target);
    },
  });
}

// ---- entry points -------------------------------------------------------------------------------

/** One Worker invocation (a request, a queue batch, a cron run) or one DO alarm. */
export function countInvocation(env: Env, kind: "fetch" | "queue" | "scheduled" | "alarm", className?: string): void {
  if (!meterActive(env)) return;
  if (kind === "alarm") {
    counts.do_requests += 1;
    counts.do_alarm_invocations += 1;
    bump(counts.do_requests_by_class, className ?? "?");
    return;
  }
  counts.worker_requests += 1;
  bump(counts.worker_requests_by_kind, kind);
}

/**
 * A queue batch as delivered: each message read once per delivery, and deleted once acked
 * (explicitly, or implicitly when the consumer returns without a retry). Call `finished` after it.
 */
export function countQueueDelivery(env: Env, batch: MessageBatch<unknown>): { batch: MessageBatch<unknown>; finished: () => void } {
  if (!meterActive(env)) return { batch, finished: () => {} };
  const operations = batch.messages.map((m) => queueOperations(m.body));
  counts.queue_operations += operations.reduce((a, b) => a + b, 0);
  const outcome = new Map<number, "ack" | "retry">();
  const settle = (i: number, how: "ack" | "retry") => void (outcome.has(i) || outcome.set(i, how));
  const messages = batch.messages.map((message, i) => ({
    id: message.id,
    body: message.body,
    attempts: message.attempts,
    timestamp: message.timestamp,
    ack: () => (settle(i, "ack"), message.ack()),
    retry: (options?: QueueRetryOptions) => (settle(i, "retry"), message.retry(options)),
  })) as unknown as Message<unknown>[];
  const wrapped = {
    queue: batch.queue,
    messages,
    ackAll: () => (messages.forEach((_, i) => settle(i, "ack")), batch.ackAll()),
    retryAll: (options?: QueueRetryOptions) => (messages.forEach((_, i) => settle(i, "retry")), batch.retryAll(options)),
  } as unknown as MessageBatch<unknown>;
  const finished = () => operations.forEach((ops, i) => void (outcome.get(i) !== "retry" && (counts.queue_operations += ops)));
  return { batch: wrapped, finished };
}

/** GET /__meter: the counts so far; DELETE /__meter: start again. Only while the meter is on. */
export function meterResponse(request: Request): Response {
  settleCursors(0);
  settleStorageSizes();
  if (request.method === "DELETE") counts = emptyCounts();
  return Response.json(counts);
}
