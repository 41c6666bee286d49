// The customer store: the one owner of a customer's profile tables (traits, identities, cart,
// viewed items, orders, consent, history, linked profiles) in the Durable Object's SQLite. Batch
// writes live in store-batch.ts, reads in store-reads.ts; the messaging tables have their own
// owner (messaging-store.ts). No RPC, no routing.
import { EMPTY_SNAPSHOT, type CustomerSnapshot } from "../identity/merge.ts";
import type { SeamEvent } from "../schemas.ts";
import { LAST_SEEN_KEY, withLastSeen, withOwnIdentity } from "./identity-seen.ts";
import { entryOf, Journal } from "./journal.ts";
import { MetaCache, savepoints, transactions, type Transaction } from "./meta.ts";
import { lazyMigration, lazyTables } from "./lazy-tables.ts";
import { CAPS, FRESH_SCHEMA, LAZY_SINCE_VERSION, MIGRATIONS, SCHEMA_VERSION_KEY } from "./schema.ts";
import { AttributionStore, HELD_TOUCHES_KEY } from "./attribution-store.ts";
import { withAttribution } from "./attribution-views.ts";
import { sqlOver, type Sql } from "./sql.ts";
import { CART_LINES_KEY, CartLines } from "./cart-lines.ts";
import { heldTraits, TRAITS_KEY, type HeldRows } from "./held-rows.ts";
import type { TraitRow } from "./rows.ts";
import { BatchWriter, type BatchOutcome } from "./store-batch.ts";
import { CustomerReads } from "./store-reads.ts";
import type { CustomerState } from "./views.ts";

export { trimSlack, type BatchOutcome } from "./store-batch.ts";

/** Snapshot tables in the order they are written back, with their columns (the history lists live in the journal). */
const SNAPSHOT_TABLES = {
  identities: ["kind", "value", "verified", "claimed", "first_seen", "last_seen", "confirmed", "confirm_requested_at"],
  viewed_items: ["product_id", "view_count", "first_seen", "last_seen", "name", "category", "price", "currency", "channel"],
  orders: ["order_id", "total", "revenue", "currency", "products", "channel", "ts"],
  consent: ["channel", "granted", "updated_at"],
  touches: ["ts", "kind", "channel", "source", "medium", "campaign", "content", "trigger_id", "message_id", "rec_id", "product_id", "event_id"],
  order_attribution: ["order_id", "ts", "revenue", "window_days", "attribution"],
} as const satisfies Record<Exclude<keyof CustomerSnapshot, "meta" | "cart_lines" | "traits" | JournalList>, readonly string[]>;
type SnapshotTable = keyof typeof SNAPSHOT_TABLES;
/** A snapshot's lists the journal holds (customer/journal.ts). */
type JournalList = "touchpoints" | "recent_events" | "seen_messages" | "item_clicks";

/** Tables whose rows keep insertion order through an autoincrement `seq`. */
const SEQUENCED = new Set<SnapshotTable>(["touches"]);

/** An emptied history (a cleared profile): the journal's one row then holds only the meta. */
const EMPTY_HISTORY = { touchpoints: [], recent_events: [], seen_messages: [], item_clicks: [] };

/** Meta keys that name the object itself: a cleared object keeps them. */
const OBJECT_META = new Set(["workspace_id", "profile_key", "forward_to", SCHEMA_VERSION_KEY]);

/** Today's tables, each created on its first use (customer/lazy-tables.ts). */
const TABLES = lazyTables(FRESH_SCHEMA);

export class CustomerStore {
  private readonly storage: DurableObjectStorage;
  readonly sql: Sql;
  /** The profile's small facts (merged with it). */
  readonly meta: MetaCache;
  /** The messaging layer's own small facts (armed alarm, time zones): never merged into another object. */
  readonly messagingMeta: MetaCache;
  /** The segment layer's own small facts (definitions evaluated, next change times): never merged either. */
  readonly segmentMeta: MetaCache;
  /** The object's one way to write: commits the work with both metas, or rolls back and forgets them. */
  readonly transaction: Transaction;
  /** Inside a transaction: work that may fail alone (meta.ts savepoints). */
  readonly savepoint: <T>(work: () => T) => T;
  readonly reads: CustomerReads;
  /** Touches, order credits, lead source and the KPI counters' daily marks (customer/attribution-store.ts). */
  readonly attribution: AttributionStore;
  /** One row per batch: message ids, touchpoints, clicks, raw events and the profile meta (customer/journal.ts). */
  private readonly journal: Journal;
  private readonly batch: BatchWriter;
  /** The cart's lines and the traits, held in the profile meta (customer/held-rows.ts). */
  private readonly cart: CartLines;
  private readonly traits: HeldRows<TraitRow>;
  /** Profiles merged into this one (they forward here); loaded once, kept in step with the table. */
  private linked: Set<string> | undefined;
  /** Whether the object has tables; undefined until asked (see hasSchema). */
  private schema: boolean | undefined;
  /** Whether the object predates tables created on first use (it has `_schema`, see migrate). */
  private legacy = false;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = sqlOver(storage.sql, TABLES);
    this.journal = new Journal(this.sql);
    this.meta = new MetaCache(this.sql, "meta", this.journal);
    this.messagingMeta = new MetaCache(this.sql, "messaging_meta", this.journal);
    this.segmentMeta = new MetaCache(this.sql, "segment_meta", this.journal);
    this.transaction = transactions(storage, [this.meta, this.messagingMeta, this.segmentMeta], this.journal);
    this.savepoint = savepoints(storage, [this.meta, this.messagingMeta, this.segmentMeta]);
    this.cart = new CartLines(this.sql, this.meta);
    this.traits = heldTraits(this.sql, this.meta);
    const held = { cart: this.cart, traits: this.traits };
    this.reads = new CustomerReads(this.sql, this.meta, this.journal, held);
    this.batch = new BatchWriter(this.sql, this.meta, this.journal, this.transaction, held);
    this.attribution = new AttributionStore(this.sql, this.meta);
  }

  /**
   * Brings an object's tables to today's schema. An object made before tables were created on first
   * use has them all and a `_schema` table: it runs the migrations it has not, in one transaction,
   * statement by statement (a cursor reports only its last statement's rows written, so a joined
   * script would hide what they cost). Any other object creates each table on first use from today's
   * schema (customer/lazy-tables.ts), so a later migration only alters or indexes the tables it has.
   */
  migrate(): void {
    const { legacy, tables } = this.sql<{ legacy: number; tables: number }>`
      SELECT COALESCE(SUM(name = '_schema'), 0) AS legacy, COUNT(*) AS tables FROM sqlite_master
      WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' AND substr(name, 1, 4) <> '_cf_'`[0]!;
    this.schema = tables > 0;
    this.legacy = legacy > 0;
    if (this.legacy) {
      const current = this.sql<{ v: number | null }>`SELECT MAX(version) AS v FROM _schema`[0]?.v ?? 0;
      if (current >= MIGRATIONS.length) return;
      this.storage.transactionSync(() =>
        MIGRATIONS.slice(current).forEach((statements, i) => {
          for (const statement of statements) this.sql.text(statement);
          this.sql.text(`INSERT INTO _schema (version) VALUES (?)`, current + i + 1);
        }),
      );
      return;
    }
    if (!this.schema) return;
    const current = Number(this.meta.get(SCHEMA_VERSION_KEY) ?? LAZY_SINCE_VERSION);
    if (current >= MIGRATIONS.length) return;
    const exists = (table: string) => this.sql<{ n: number }>`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ${table}`[0]!.n > 0;
    this.transaction(() => {
      for (const statements of MIGRATIONS.slice(current)) for (const statement of lazyMigration(statements, exists)) this.sql.text(statement);
      this.meta.set(SCHEMA_VERSION_KEY, MIGRATIONS.length);
    });
  }

  /**
   * Whether this object has any table: one never written has none, and reads of a customer never seen
   * answer at once (a read never creates a table).
   */
  hasSchema(): boolean {
    if (this.schema === undefined) this.migrate();
    return this.schema!;
  }

  /**
   * Before anything that may write: the object is migrated, and one with no version yet records
   * today's (it rides in the first batch's journal row), so a later migration knows what its tables are.
   */
  ensureSchema(): void {
    if (this.schema === undefined) this.migrate();
    this.schema = true;
    if (!this.legacy && this.meta.get(SCHEMA_VERSION_KEY) === undefined) this.meta.set(SCHEMA_VERSION_KEY, MIGRATIONS.length);
  }

  /** `after` runs inside the batch's transaction once events were accepted (see BatchWriter.applyBatch). */
  applyBatch<After = undefined>(workspaceId: string, profileKey: string, events: SeamEvent[], after?: (accepted: SeamEvent[]) => After): BatchOutcome<After> {
    return this.batch.applyBatch(workspaceId, profileKey, events, after);
  }

  /** Whether this object holds a customer's data (events of its own or merged in). */
  exists(): boolean {
    return this.meta.get("event_count") !== undefined;
  }

  /** The whole live state, or null when this customer has never sent an event. */
  state(): CustomerState | null {
    const state = this.reads.state([...this.linkedProfiles()].sort());
    return state && withAttribution(state, this.attribution);
  }

  // ---- identity ---------------------------------------------------------------------------------

  /** Emails and phones learned from trusted events that the directory has not been told of yet. */
  unclaimedIdentities(): { kind: "email" | "phone"; value: string }[] {
    return this.sql<{ kind: "email" | "phone"; value: string }>`
      SELECT kind, value FROM identities WHERE kind IN ('email', 'phone') AND verified = 1 AND claimed = 0`;
  }

  /** The one confirmation message for this address is planned: it is never asked for again. */
  markConfirmationRequested(kind: string, value: string, now: number): void {
    this.sql`UPDATE identities SET confirm_requested_at = COALESCE(confirm_requested_at, ${now}) WHERE kind = ${kind} AND value = ${value}`;
  }

  /** The customer clicked the confirmation link: the address may get marketing messages. False when it is not this customer's. */
  confirmContact(kind: string, value: string): boolean {
    return this.sql`UPDATE identities SET confirmed = 1 WHERE kind = ${kind} AND value = ${value} RETURNING kind`.length > 0;
  }

  markClaimed(kind: string, value: string): void {
    this.sql`UPDATE identities SET claimed = 1 WHERE kind = ${kind} AND value = ${value}`;
  }

  recordConflict(kind: string, value: string, otherProfile: string, ts: number): void {
    this.sql`INSERT INTO identity_conflicts (kind, value, other_profile, ts) VALUES (${kind}, ${value}, ${otherProfile}, ${ts})`;
    this.sql`DELETE FROM identity_conflicts WHERE seq <= (SELECT MAX(seq) FROM identity_conflicts) - ${CAPS.identityConflicts}`;
  }

  // ---- linked profiles ----------------------------------------------------------------------------

  linkedProfiles(): ReadonlySet<string> {
    this.linked ??= new Set(this.sql<{ profile_key: string }>`SELECT profile_key FROM linked_profiles`.map((r) => r.profile_key));
    return this.linked;
  }

  /** Records a profile merged into this one. Bounded like every list: the oldest links go (their objects keep forwarding, holding no data). */
  link(profileKey: string, now: number): void {
    const linked = this.linkedProfiles() as Set<string>;
    this.sql`INSERT INTO linked_profiles (profile_key, linked_at) VALUES (${profileKey}, ${now}) ON CONFLICT DO NOTHING`;
    for (const row of this.sql<{ profile_key: string }>`
      DELETE FROM linked_profiles WHERE profile_key IN
        (SELECT profile_key FROM linked_profiles ORDER BY linked_at DESC LIMIT -1 OFFSET ${CAPS.linkedProfiles}) RETURNING profile_key`)
      linked.delete(row.profile_key);
    linked.add(profileKey);
  }

  unlink(profileKey: string): void {
    this.sql`DELETE FROM linked_profiles WHERE profile_key = ${profileKey}`;
    (this.linkedProfiles() as Set<string>).delete(profileKey);
  }

  // ---- snapshots (merges) and privacy -------------------------------------------------------------

  /** Every row of the customer's state, for a merge into another object. */
  exportSnapshot(): CustomerSnapshot {
    const snapshot: CustomerSnapshot = { ...EMPTY_SNAPSHOT, meta: Object.fromEntries(this.meta.entries()), ...this.journal.snapshot() };
    for (const table of Object.keys(SNAPSHOT_TABLES) as SnapshotTable[]) {
      const order = SEQUENCED.has(table) ? " ORDER BY seq" : "";
      (snapshot as Record<SnapshotTable, object[]>)[table] = this.sql.text(`SELECT ${SNAPSHOT_TABLES[table].join(", ")} FROM ${table}${order}`);
    }
    // The table holds only the views folded out of the journal; the rest wait in journal rows.
    snapshot.viewed_items = this.journal.viewedItems();
    // Identities with their true last-seen times (customer/identity-seen.ts), so the meta's copy goes.
    snapshot.identities = withLastSeen(withOwnIdentity(snapshot.identities, this.meta), this.meta);
    delete snapshot.meta[LAST_SEEN_KEY];
    // The touches the meta holds, after the table's (the order they were written in).
    snapshot.touches = [...snapshot.touches, ...this.attribution.held()].slice(-CAPS.touches);
    delete snapshot.meta[HELD_TOUCHES_KEY];
    // The cart's lines and the traits, wherever they are (the meta, or the tables of an object made before).
    snapshot.cart_lines = [...this.cart.lines()];
    snapshot.traits = [...this.traits.rows()];
    delete snapshot.meta[CART_LINES_KEY];
    delete snapshot.meta[TRAITS_KEY];
    return snapshot;
  }

  /** Replaces the customer's state with a snapshot (the result of a merge), in one transaction. */
  replaceState(snapshot: CustomerSnapshot): void {
    this.transaction(() => {
      for (const [table, columns] of Object.entries(SNAPSHOT_TABLES) as [SnapshotTable, readonly string[]][]) {
        this.sql.text(`DELETE FROM ${table}`);
        const rows = snapshot[table];
        if (rows.length === 0) continue;
        const select = columns.map((c) => `value->>'${c}'`).join(", ");
        this.sql.text(`INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} FROM json_each(?)`, JSON.stringify(rows));
      }
      this.journal.replace(entryOf(snapshot, Math.max(0, ...snapshot.seen_messages.map((m) => m.received_at))));
      for (const [key, value] of Object.entries(snapshot.meta)) this.meta.set(key, value);
      // The snapshot's identity rows carry their last-seen times, and its touches are all in the table.
      this.meta.delete(LAST_SEEN_KEY);
      this.meta.delete(HELD_TOUCHES_KEY);
      this.cart.replace(snapshot.cart_lines);
      this.traits.save(snapshot.traits);
    });
  }

  /** Drops the customer's data but keeps the object's own identity (workspace, profile key, pointer). */
  clearData(): void {
    this.transaction(() => {
      for (const table of [...Object.keys(SNAPSHOT_TABLES), "cart_lines", "traits"]) this.sql.text(`DELETE FROM ${table}`);
      this.journal.replace(entryOf(EMPTY_HISTORY, 0));
      for (const [key] of this.meta.entries()) if (!OBJECT_META.has(key)) this.meta.delete(key);
    });
  }

  /** Deletes everything, tables included, and starts over as a new object (privacy delete). */
  async erase(): Promise<void> {
    await this.storage.deleteAll();
    this.meta.forget();
    this.messagingMeta.forget();
    this.segmentMeta.forget();
    this.journal.forget();
    this.batch.forget();
    this.linked = undefined;
    this.schema = undefined;
    this.legacy = false;
  }
}
