// The CustomerDO's SQLite schema as a forward-only list of numbered migrations, and its caps.
import { columnsOf, rebuilding } from "./lazy-tables.ts";

/** Every per-customer list is bounded (ARCHITECTURE rule 2). */
export const CAPS = {
  /**
   * Batches the journal keeps (customer/journal.ts, a ring of this many rows): their message ids are
   * the dedupe window (the ids of the last 1,000 batches, so at least 1,000 ids: far more than any
   * client's retry window), and the lists below are read from them.
   */
  journalBatches: 1_000,
  /** Message ids a merge carries over from both sides (the newest). */
  seenMessages: 10_000,
  viewedItems: 200,
  touchpoints: 1_000,
  recentEvents: 200,
  orders: 100,
  cartLines: 100,
  traits: 200,
  identities: 50,
  identityConflicts: 50,
  /** Ordered product views (repeats included) the recommendations score a session from. */
  itemClicks: 50,
  /** Anonymous visitors (devices) merged into one customer that still forward to it. */
  linkedProfiles: 500,
  /** Trigger runs kept (active ones always; the rest hold the re-entry and cool-down memory). */
  triggerRuns: 200,
  /** Finished schedule rows (sent, cancelled, dropped) kept for inspection; pending ones always stay. */
  scheduleHistory: 200,
  /** Messages kept in the log: caps look back weeks, channel learning uses the rest. */
  messageLog: 500,
  /** Marketing touches kept for attribution: more than a busy customer makes in a 30-day window. */
  touches: 200,
  /** Orders with their attribution (as many as the orders kept). */
  orderAttribution: 100,
  /**
   * Segment facts waiting for the events queue (normally sent right after they are made). Past
   * this the oldest are dropped: the D1 index then misses a change until a back-fill repairs it.
   */
  segmentOutbox: 1_000,
} as const;

/** Forwarding pointers are followed at most this many times (a → e → u), so no loop can spin. */
export const MAX_FORWARD_HOPS = 3;

/** A gap longer than this starts a new session (the convention of GA, Segment and session-rec). */
export const SESSION_GAP_MS = 30 * 60 * 1000;

/** Migrations 1 to 9, as they shipped (MIGRATIONS below). */
const THROUGH_9: readonly (readonly string[])[] = [
  [
    `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // seq is monotonic, so "keep the last N" is one range delete on the primary key.
    `CREATE TABLE seen_messages (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       message_id TEXT NOT NULL UNIQUE,
       received_at INTEGER NOT NULL)`,
    `CREATE TABLE traits (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
    `CREATE TABLE identities (
       kind TEXT NOT NULL,
       value TEXT NOT NULL,
       verified INTEGER NOT NULL DEFAULT 0,
       claimed INTEGER NOT NULL DEFAULT 0,
       first_seen INTEGER NOT NULL,
       last_seen INTEGER NOT NULL,
       PRIMARY KEY (kind, value))`,
    `CREATE TABLE cart_lines (
       product_id TEXT NOT NULL,
       variant TEXT NOT NULL DEFAULT '',
       quantity INTEGER NOT NULL,
       name TEXT, price REAL, currency TEXT, category TEXT, brand TEXT, url TEXT, image_url TEXT,
       channel TEXT NOT NULL,
       device TEXT,
       anonymous_id TEXT,
       added_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (product_id, variant))`,
    `CREATE TABLE viewed_items (
       product_id TEXT PRIMARY KEY,
       view_count INTEGER NOT NULL,
       first_seen INTEGER NOT NULL,
       last_seen INTEGER NOT NULL,
       name TEXT, category TEXT, price REAL, currency TEXT,
       channel TEXT NOT NULL)`,
    `CREATE INDEX viewed_items_last_seen ON viewed_items (last_seen)`,
    `CREATE TABLE orders (
       order_id TEXT PRIMARY KEY,
       total REAL, revenue REAL, currency TEXT,
       products TEXT NOT NULL,
       channel TEXT NOT NULL,
       ts INTEGER NOT NULL)`,
    `CREATE INDEX orders_ts ON orders (ts)`,
    `CREATE TABLE touchpoints (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       ts INTEGER NOT NULL,
       channel TEXT NOT NULL,
       type TEXT NOT NULL,
       event TEXT,
       utm_source TEXT, utm_medium TEXT, utm_campaign TEXT,
       referrer TEXT,
       message_id TEXT NOT NULL)`,
    `CREATE TABLE recent_events (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       message_id TEXT NOT NULL,
       ts INTEGER NOT NULL,
       body TEXT NOT NULL)`,
    `CREATE TABLE consent (channel TEXT PRIMARY KEY, granted INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
    // Profiles merged into this one, each holding a forwarding pointer here.
    `CREATE TABLE linked_profiles (profile_key TEXT PRIMARY KEY, linked_at INTEGER NOT NULL)`,
    `CREATE TABLE identity_conflicts (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       kind TEXT NOT NULL,
       value TEXT NOT NULL,
       other_profile TEXT NOT NULL,
       ts INTEGER NOT NULL)`,
  ],
  // 2: triggers and messages (customer/messaging-store.ts owns these tables). One run per customer per trigger entry; a
  // schedule row per pending step or cascade hop behind the single alarm; the message log.
  [
    `CREATE TABLE trigger_runs (
       run_id TEXT PRIMARY KEY,
       trigger_id TEXT NOT NULL,
       template TEXT NOT NULL,
       entry_key TEXT NOT NULL,
       status TEXT NOT NULL,
       reason TEXT,
       product_id TEXT,
       context TEXT NOT NULL DEFAULT '{}',
       started_at INTEGER NOT NULL,
       anchor_at INTEGER NOT NULL,
       next_step INTEGER NOT NULL,
       last_sent_at INTEGER,
       sent_count INTEGER NOT NULL DEFAULT 0,
       updated_at INTEGER NOT NULL)`,
    `CREATE INDEX trigger_runs_trigger ON trigger_runs (trigger_id, status)`,
    // id is deterministic (run, step, cascade hop), so scheduling the same thing twice is a no-op.
    `CREATE TABLE schedule (
       id TEXT PRIMARY KEY,
       run_id TEXT NOT NULL,
       trigger_id TEXT NOT NULL,
       kind TEXT NOT NULL,
       step INTEGER NOT NULL,
       channel_index INTEGER NOT NULL DEFAULT 0,
       channels TEXT,
       due_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       status TEXT NOT NULL,
       reason TEXT,
       attempts INTEGER NOT NULL DEFAULT 0,
       lease_until INTEGER,
       message_id TEXT,
       source_received_at INTEGER,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL)`,
    `CREATE INDEX schedule_due ON schedule (status, due_at)`,
    `CREATE INDEX schedule_run ON schedule (run_id, status)`,
    `CREATE TABLE message_log (
       message_id TEXT PRIMARY KEY,
       run_id TEXT NOT NULL,
       trigger_id TEXT NOT NULL,
       template TEXT NOT NULL,
       step INTEGER NOT NULL,
       channel TEXT NOT NULL,
       chosen_by TEXT,
       status TEXT NOT NULL,
       product_id TEXT,
       queued_at INTEGER NOT NULL,
       event_received_at INTEGER,
       enqueued_wall_at INTEGER,
       sent_at INTEGER,
       delivered_at INTEGER,
       failed_at INTEGER,
       opened_at INTEGER,
       clicked_at INTEGER,
       error TEXT)`,
    `CREATE INDEX message_log_queued ON message_log (queued_at)`,
    // Small facts of the messaging layer (armed alarm time, time zones), apart from the profile's meta
    // so a merge never copies one object's alarm into another.
    `CREATE TABLE messaging_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ],
  // 3: ordered product views for recommendations.
  [
    // Ordered product views, repeats included: the session the recommendation blend scores.
    `CREATE TABLE item_clicks (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       item TEXT NOT NULL,
       category TEXT,
       ts INTEGER NOT NULL)`,
  ],
  // 4: what ordered a step's channel plan (preference, learned, cascade), kept with a rescheduled
  // step so its message reports what decided.
  [`ALTER TABLE schedule ADD COLUMN chosen_by TEXT`],
  // 5: double opt-in. An email or phone is `confirmed` when the store's backend sent it (secret key)
  // or the customer clicked the confirmation link; `confirm_requested_at` is when the one
  // confirmation message for it was planned.
  [
    `ALTER TABLE identities ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE identities ADD COLUMN confirm_requested_at INTEGER`,
  ],
  // 6: segments (customer/segment-store.ts owns these): the segments the customer is in, the facts about them not yet handed to the
  // events queue, and the segment layer's own small facts (never merged into another object).
  [
    `CREATE TABLE segment_members (segment_id TEXT PRIMARY KEY, since INTEGER NOT NULL)`,
    `CREATE TABLE segment_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, fact TEXT NOT NULL)`,
    `CREATE TABLE segment_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ],
  // 7 (issue 12, attribution and KPIs; customer/attribution-store.ts owns these): marketing touches,
  // each order's credits under every model, and the day's "first of the day" marks the KPI counters
  // count unique customers by (kept two days, never merged: they are this object's own counting).
  [
    `CREATE TABLE touches (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       ts INTEGER NOT NULL,
       kind TEXT NOT NULL,
       channel TEXT NOT NULL,
       source TEXT NOT NULL,
       medium TEXT, campaign TEXT, content TEXT,
       trigger_id TEXT, message_id TEXT, rec_id TEXT, product_id TEXT,
       event_id TEXT NOT NULL)`,
    `CREATE TABLE order_attribution (
       order_id TEXT PRIMARY KEY,
       ts INTEGER NOT NULL,
       revenue REAL NOT NULL,
       window_days INTEGER NOT NULL,
       attribution TEXT NOT NULL)`,
    `CREATE TABLE kpi_marks (day TEXT NOT NULL, mark TEXT NOT NULL, PRIMARY KEY (day, mark)) WITHOUT ROWID`,
  ],
  // 8 (issue 15): the journal, one row per batch in a ring of CAPS.journalBatches slots upserted in
  // place (customer/journal.ts). It replaces seen_messages, touchpoints, recent_events and
  // item_clicks (about twenty billed rows a batch, with their trims): an object's rows there move
  // into one journal row (number 0) and the old tables are left empty. A batch's product views
  // wait in its row (views) and reach viewed_items only when the batch leaves the ring.
  // (Also issue 15, no schema change: new KPI "first of the day" marks are a profile meta value, and
  // kpi_marks is only read for marks made before.)
  [
    `CREATE TABLE journal (
       slot INTEGER PRIMARY KEY,
       seq INTEGER NOT NULL,
       received_at INTEGER NOT NULL,
       ids TEXT NOT NULL,
       touchpoints TEXT NOT NULL,
       clicks TEXT NOT NULL,
       views TEXT NOT NULL,
       bodies TEXT NOT NULL,
       meta TEXT) WITHOUT ROWID`,
    `INSERT INTO journal (slot, seq, received_at, ids, touchpoints, clicks, views, bodies, meta)
     SELECT 0, 0, COALESCE((SELECT MAX(received_at) FROM seen_messages), 0),
       (SELECT json_group_array(message_id) FROM (SELECT message_id FROM seen_messages ORDER BY seq)),
       (SELECT json_group_array(json_array(ts, channel, type, event, utm_source, utm_medium, utm_campaign, referrer, message_id))
          FROM (SELECT * FROM touchpoints ORDER BY seq)),
       (SELECT json_group_array(json_array(item, category, ts)) FROM (SELECT * FROM item_clicks ORDER BY seq)),
       '[]',
       (SELECT json_group_array(json(body)) FROM (SELECT body FROM recent_events ORDER BY seq)),
       NULL
     WHERE EXISTS (SELECT 1 FROM seen_messages) OR EXISTS (SELECT 1 FROM touchpoints)`,
    `DELETE FROM seen_messages`,
    `DELETE FROM touchpoints`,
    `DELETE FROM recent_events`,
    `DELETE FROM item_clicks`,
  ],
  // 9 (issue 15): no indexes. Every table of a customer is small (its caps above: at most a few
  // hundred rows), so a scan costs microseconds, while an index is a billed row written at its
  // creation and again with every insert and every update of a column it covers: a message's
  // schedule row moved both of its indexes with each status change.
  [
    `DROP INDEX IF EXISTS viewed_items_last_seen`,
    `DROP INDEX IF EXISTS orders_ts`,
    `DROP INDEX IF EXISTS trigger_runs_trigger`,
    `DROP INDEX IF EXISTS schedule_due`,
    `DROP INDEX IF EXISTS schedule_run`,
    `DROP INDEX IF EXISTS message_log_queued`,
  ],
];

/**
 * The profile meta key holding the schema version an object's tables created on first use are at
 * (set with its first write; kept by a clear, never taken from a merged profile).
 */
export const SCHEMA_VERSION_KEY = "schema_version";
/** The version of an object with tables created on first use but no version recorded: the first such version. */
export const LAZY_SINCE_VERSION = 8;

/** Tables only migration 8 reads (it moves their rows into the journal): a new object never needs them. */
const REPLACED_BY_JOURNAL = new Set(["seen_messages", "touchpoints", "recent_events", "item_clicks"]);

/**
 * The tables `migrations` leave behind, as one CREATE statement each (and their indexes): each
 * `ALTER TABLE … ADD COLUMN` folded into its table (after its last column, as the ALTER adds it),
 * without the indexes a later migration dropped, a rebuilt table under its own name, without the
 * tables the journal replaced and without the statements that move an old object's rows.
 */
function schemaAfter(migrations: readonly (readonly string[])[]): string[] {
  const creates: string[] = [];
  const at = (table: string) => creates.findIndex((c) => new RegExp(`^CREATE TABLE ${table} \\(`).test(c));
  for (const statement of migrations.flat()) {
    const alter = /^ALTER TABLE (\w+) ADD COLUMN ([\s\S]+)$/.exec(statement);
    if (alter) {
      // After the last column: before a table constraint (`, PRIMARY KEY (…)`), else before the
      // table's closing parenthesis (the last one: WITHOUT ROWID comes after it).
      const i = at(alter[1]!);
      const create = creates[i]!;
      const constraint = create.search(/,\s*PRIMARY KEY \(/);
      const end = constraint >= 0 ? constraint : create.lastIndexOf(")");
      creates[i] = `${create.slice(0, end)}, ${alter[2]}${create.slice(end)}`;
      continue;
    }
    const renamed = /^ALTER TABLE (\w+) RENAME TO (\w+)$/.exec(statement);
    if (renamed) {
      const i = at(renamed[1]!);
      creates[i] = creates[i]!.replace(`CREATE TABLE ${renamed[1]} (`, `CREATE TABLE ${renamed[2]} (`);
      continue;
    }
    const droppedTable = /^DROP TABLE (\w+)$/.exec(statement);
    if (droppedTable) {
      creates.splice(at(droppedTable[1]!), 1);
      continue;
    }
    const dropped = /^DROP INDEX (?:IF EXISTS )?(\w+)$/.exec(statement);
    if (dropped) {
      creates.splice(creates.findIndex((c) => c.startsWith(`CREATE INDEX ${dropped[1]} ON `)), 1);
      continue;
    }
    const created = /^CREATE (?:TABLE|INDEX) (\w+)(?: ON (\w+))?/.exec(statement);
    if (!created) continue; // rows moved by a migration: a new object has none
    const table = created[2] ?? created[1]!;
    if (!REPLACED_BY_JOURNAL.has(table)) creates.push(statement);
  }
  return creates;
}

/**
 * A table rebuilt WITHOUT ROWID, its rows copied: an insert into a rowid table with a primary key
 * writes 2 billed rows (the table and its key's index), into a WITHOUT ROWID table 1; creating it
 * is 2 rows instead of 3.
 */
function withoutRowid(create: string): string[] {
  const table = /^CREATE TABLE (\w+) \(/.exec(create)![1]!;
  const columns = columnsOf(create).join(", ");
  return [
    `${create.replace(`CREATE TABLE ${table} (`, `CREATE TABLE ${rebuilding(table)} (`)} WITHOUT ROWID`,
    `INSERT INTO ${rebuilding(table)} (${columns}) SELECT ${columns} FROM ${table}`,
    `DROP TABLE ${table}`,
    `ALTER TABLE ${rebuilding(table)} RENAME TO ${table}`,
  ];
}

/**
 * 10 (issue 15): every table keyed by a primary key of its own becomes WITHOUT ROWID (the journal
 * and kpi_marks already are): a new customer's cart line, identity, trait, order, trigger run,
 * schedule row or message is then one billed row instead of two, and its table 2 rows to create
 * instead of 3. Tables keyed by an AUTOINCREMENT sequence (touches, identity_conflicts) stay.
 */
const WITHOUT_ROWID = [
  "meta", "traits", "identities", "cart_lines", "viewed_items", "orders", "consent", "linked_profiles",
  "trigger_runs", "schedule", "message_log", "messaging_meta", "segment_members", "segment_meta", "order_attribution",
];

/**
 * Migration N is `MIGRATIONS[N - 1]`. Never edit one that has shipped: append a new one. Objects
 * made before tables were created on first use run the ones they have not (customer/store.ts
 * migrate); any other object creates each table from FRESH_SCHEMA on first use, so a new migration
 * reaches it only for the tables it has (customer/lazy-tables.ts lazyMigration).
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  ...THROUGH_9,
  schemaAfter(THROUGH_9)
    .filter((create) => WITHOUT_ROWID.includes(/^CREATE TABLE (\w+) \(/.exec(create)?.[1] ?? ""))
    .flatMap(withoutRowid),
];

/**
 * Today's tables, each created on its first use (customer/lazy-tables.ts): what MIGRATIONS leave
 * behind (schemaAfter). Creating a table or index is billed (2–3 rows a table, 1 an index):
 * a new customer's first event paid ~82 rows for every migration in turn, ~66 for this whole schema,
 * while an anonymous visitor needs a handful of its tables.
 * worker/test/customer-fresh-schema.test.ts checks it equals the migrated schema table by table.
 */
export const FRESH_SCHEMA: readonly string[] = schemaAfter(MIGRATIONS);
