// A customer's state in the Durable Object's SQLite: every write and read, no RPC, no routing.
import { commerceEffects, type CartOp, type ProductLine } from "../commerce/ecommerce.ts";
import type { ItemFact } from "../facts.ts";
import { isChannel, utmMedium } from "../ingest/channel.ts";
import { EMPTY_SNAPSHOT, type CustomerSnapshot } from "../identity/merge.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import type { RecommendationContext } from "../recs/serve.ts";
import type { CartView, SeamEvent, ViewedItemView, VisitorProfile } from "../schemas.ts";
import { CAPS, MIGRATIONS, SESSION_GAP_MS } from "./schema.ts";
import {
  cartLineView,
  cartView,
  iso,
  orderView,
  touchpointView,
  viewedItemView,
  type CustomerState,
} from "./views.ts";

export interface BatchOutcome {
  /** One per event, in the order given. */
  statuses: ("accepted" | "duplicate")[];
  facts: ItemFact[];
  /** The accepted events, in event-time order. */
  accepted: SeamEvent[];
  /** A verified email or phone was among them: the identity directory may need to hear of it. */
  verifiedContacts: boolean;
}

/** Every bounded list: the key its trim deletes by, its age column, its cap (newest rows stay). */
const BOUNDED = {
  seen_messages: ["seq", "seq", CAPS.seenMessages],
  touchpoints: ["seq", "seq", CAPS.touchpoints],
  recent_events: ["seq", "seq", CAPS.recentEvents],
  item_clicks: ["seq", "seq", CAPS.itemClicks],
  viewed_items: ["product_id", "last_seen", CAPS.viewedItems],
  orders: ["order_id", "ts", CAPS.orders],
  cart_lines: ["rowid", "updated_at", CAPS.cartLines],
  traits: ["key", "updated_at", CAPS.traits],
  identities: ["rowid", "last_seen", CAPS.identities],
} as const;
type BoundedTable = keyof typeof BOUNDED;

/**
 * How many rows a list may gain over its cap before it is cut back (see CustomerStore.trim): a
 * tenth of the cap, and at least 32 so small lists are not cut after every batch. Reads still
 * show at most the cap.
 */
export function trimSlack(cap: number): number {
  return Math.max(32, Math.ceil(cap * 0.1));
}

/** Snapshot tables in the order they are written back, with their columns. */
const SNAPSHOT_TABLES = {
  traits: ["key", "value", "updated_at"],
  identities: ["kind", "value", "verified", "claimed", "first_seen", "last_seen"],
  cart_lines: ["product_id", "variant", "quantity", "name", "price", "currency", "category", "brand", "url", "image_url", "channel", "device", "anonymous_id", "added_at", "updated_at"],
  viewed_items: ["product_id", "view_count", "first_seen", "last_seen", "name", "category", "price", "currency", "channel"],
  orders: ["order_id", "total", "revenue", "currency", "products", "channel", "ts"],
  touchpoints: ["ts", "channel", "type", "event", "utm_source", "utm_medium", "utm_campaign", "referrer", "message_id"],
  recent_events: ["message_id", "ts", "body"],
  seen_messages: ["message_id", "received_at"],
  consent: ["channel", "granted", "updated_at"],
  item_clicks: ["item", "category", "ts"],
} as const satisfies Record<Exclude<keyof CustomerSnapshot, "meta">, readonly string[]>;

/** Tables whose rows keep insertion order through an autoincrement `seq`. */
const SEQUENCED = new Set(["touchpoints", "recent_events", "seen_messages", "item_clicks"]);

function text(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, 1024) : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export class CustomerStore {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
  }

  /**
   * Applies the migrations this object has not run yet, all in one transaction and one call: a new
   * customer's first event pays for creating every table, so that must be a single round trip.
   */
  migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)`);
    const current = (this.sql.exec(`SELECT MAX(version) AS v FROM _schema`).one().v as number) ?? 0;
    if (current >= MIGRATIONS.length) return;
    const script = MIGRATIONS.slice(current)
      .flatMap((statements, i) => [...statements, `INSERT INTO _schema (version) VALUES (${current + i + 1})`])
      .join(";\n");
    this.storage.transactionSync(() => this.sql.exec(script));
  }

  // ---- meta -------------------------------------------------------------------------------
  // Small key/value facts (profile key, session counter, first/last seen) are read on every
  // event, so they live in memory, loaded once; writes are collected and flushed once per batch
  // inside the batch's transaction. The DO is the single writer, so memory cannot go stale.

  private metaCache: Map<string, string> | undefined;
  private readonly dirtyMeta = new Set<string>();

  private metaMap(): Map<string, string> {
    if (!this.metaCache) {
      this.metaCache = new Map();
      for (const row of this.sql.exec(`SELECT key, value FROM meta`))
        this.metaCache.set(String(row.key), String(row.value));
    }
    return this.metaCache;
  }

  meta(key: string): string | undefined {
    return this.metaMap().get(key);
  }

  setMeta(key: string, value: string | number): void {
    this.metaMap().set(key, String(value));
    this.dirtyMeta.add(key);
  }

  deleteMeta(key: string): void {
    this.metaMap().delete(key);
    this.dirtyMeta.add(key);
  }

  /** Every changed key in one statement (and deleted ones in one more): a batch changes about five. */
  private flushMeta(): void {
    const upserts: [string, string][] = [];
    const deletes: string[] = [];
    for (const key of this.dirtyMeta) {
      const value = this.metaCache?.get(key);
      if (value === undefined) deletes.push(key);
      else upserts.push([key, value]);
    }
    if (upserts.length)
      this.sql.exec(
        `INSERT INTO meta (key, value) SELECT value->>0, value->>1 FROM jsonb_each(?) WHERE true
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        JSON.stringify(upserts),
      );
    if (deletes.length) this.sql.exec(`DELETE FROM meta WHERE key IN (SELECT value FROM jsonb_each(?))`, JSON.stringify(deletes));
    this.dirtyMeta.clear();
  }

  /**
   * Runs `work` as one SQLite transaction with the meta writes it made. If it throws, the
   * transaction rolls back and the in-memory meta is dropped so it is re-read from disk.
   */
  transaction<T>(work: () => T): T {
    try {
      return this.storage.transactionSync(() => {
        const result = work();
        this.flushMeta();
        return result;
      });
    } catch (error) {
      this.metaCache = undefined;
      this.dirtyMeta.clear();
      throw error;
    }
  }

  // ---- ingest -----------------------------------------------------------------------------

  /**
   * Applies a batch of one customer's events atomically and answers per event whether it was
   * new or a duplicate (by messageId). Events are applied in event-time order, so a cart built
   * from a batch the SDK queued offline comes out the same as if it had been sent live.
   * The per-batch work is a handful of set-based statements, not a few per event: this is the hot
   * path of ingest. They read their rows with jsonb_each, which parses the bound JSON once; with
   * json_each every `value->>n` parses its row's text again (a third slower for a batch's views).
   */
  applyBatch(workspaceId: string, profileKey: string, events: SeamEvent[]): BatchOutcome {
    const statuses: BatchOutcome["statuses"] = events.map(() => "duplicate");
    const facts: ItemFact[] = [];
    const accepted: SeamEvent[] = [];
    this.touched.clear();
    this.pendingViews.length = 0;
    this.transaction(() => {
      if (this.meta("profile_key") === undefined) {
        this.setMeta("workspace_id", workspaceId);
        this.setMeta("profile_key", profileKey);
      }
      const fresh = this.claimMessageIds(events);
      const order: { event: SeamEvent; index: number }[] = [];
      events.forEach((event, index) => {
        // delete() makes the first of two same-id events in one batch the accepted one.
        if (fresh.delete(event.messageId)) {
          statuses[index] = "accepted";
          order.push({ event, index });
        }
      });
      if (order.length === 0) return;
      order.sort((a, b) => a.event.timestamp - b.event.timestamp || a.index - b.index);
      for (const { event } of order) accepted.push(event);
      this.recordHistory(accepted);
      this.recordIdentities(accepted);
      for (const event of accepted) this.applyEffects(event, profileKey, facts);
      this.flushViews();
      this.trim();
    });
    const verifiedContacts = accepted.some(
      (e) => e.verified && (normalizeEmail(e.traits.email) !== undefined || normalizePhone(e.traits.phone) !== undefined),
    );
    return { statuses, facts, accepted, verifiedContacts };
  }

  private readonly touched = new Set<BoundedTable>();

  /** Remembers the batch's message ids and returns those not seen before. */
  private claimMessageIds(events: SeamEvent[]): Set<string> {
    const ids = JSON.stringify(events.map((e) => e.messageId));
    const receivedAt = events[0]?.receivedAt ?? 0;
    // Known ids are filtered out before the insert: a conflicting insert would still use up an
    // AUTOINCREMENT number, and the trim keeps "the last N" by those numbers, so duplicates would
    // shrink the dedupe window. DISTINCT does the same for an id repeated inside the batch.
    const rows = this.sql.exec(
      `INSERT INTO seen_messages (message_id, received_at)
       SELECT DISTINCT value, ? FROM jsonb_each(?) WHERE value NOT IN (SELECT message_id FROM seen_messages)
       ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
      receivedAt,
      ids,
    );
    const fresh = new Set<string>();
    for (const row of rows) fresh.add(String(row.message_id));
    this.touch("seen_messages", fresh.size);
    return fresh;
  }

  /** One touchpoint and one raw-event row per event, written as two statements for the whole batch. */
  private recordHistory(events: SeamEvent[]): void {
    const touchpoints = events.map((e) => {
      const campaign = record(e.context.campaign);
      return [
        e.timestamp,
        e.channel,
        e.type,
        e.event ?? e.name ?? null,
        text(campaign.source),
        utmMedium(e.context) ?? null,
        text(campaign.name) ?? text(campaign.campaign),
        text(record(e.context.page).referrer) ?? text(e.context.referrer),
        e.messageId,
      ];
    });
    this.sql.exec(
      `INSERT INTO touchpoints (ts, channel, type, event, utm_source, utm_medium, utm_campaign, referrer, message_id)
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8
       FROM jsonb_each(?)`,
      JSON.stringify(touchpoints),
    );
    // Only the newest RECENT_EVENTS rows survive the trim, so only those are worth writing.
    const recent = events.slice(-CAPS.recentEvents).map((e) => [e.messageId, e.timestamp, e]);
    this.touch("touchpoints", events.length);
    this.touch("recent_events", recent.length);
    this.sql.exec(
      `INSERT INTO recent_events (message_id, ts, body) SELECT value->>0, value->>1, value->2 FROM jsonb_each(?)`,
      JSON.stringify(recent),
    );
    const first = Math.min(Number(this.meta("first_seen") ?? Infinity), events[0]!.timestamp);
    const last = Math.max(Number(this.meta("last_seen") ?? 0), events.at(-1)!.timestamp);
    this.setMeta("first_seen", first);
    this.setMeta("last_seen", last);
    this.setMeta("event_count", Number(this.meta("event_count") ?? 0) + events.length);
  }

  private applyEffects(event: SeamEvent, profileKey: string, facts: ItemFact[]): void {
    const session = this.sessionFor(event.timestamp, profileKey);
    if (event.type === "identify") this.recordTraits(event.traits, event.timestamp);
    if (event.type === "track" && /^consent updated$/i.test(event.event ?? ""))
      this.recordConsent(event.properties, event.timestamp);

    const effects = commerceEffects(event);
    const base = { customer: profileKey, session, ts: event.timestamp, channel: event.channel, messageId: event.messageId };
    if (effects.viewed) {
      this.recordView(effects.viewed, event);
      facts.push({ kind: "view", item: effects.viewed.productId, ...categoryOf(effects.viewed), ...base });
    }
    if (effects.cart) {
      this.applyCartOp(effects.cart, event);
      if (effects.cart.kind === "add")
        facts.push({
          kind: "cart",
          item: effects.cart.line.productId,
          quantity: effects.cart.line.quantity,
          ...categoryOf(effects.cart.line),
          ...base,
        });
    }
    if (effects.order) {
      this.touch("orders");
      const o = effects.order;
      this.sql.exec(
        `INSERT INTO orders (order_id, total, revenue, currency, products, channel, ts)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`,
        o.orderId,
        o.total ?? null,
        o.revenue ?? null,
        o.currency ?? null,
        JSON.stringify(o.products),
        o.channel,
        o.timestamp,
      );
      for (const p of o.products)
        facts.push({ kind: "buy", item: p.productId, quantity: p.quantity, ...categoryOf(p), ...(p.price === undefined ? {} : { price: p.price }), ...base });
    }
  }

  /** The customer's current session number; a gap over SESSION_GAP_MS starts the next one. */
  private sessionFor(ts: number, profileKey: string): string {
    let seq = Number(this.meta("session_seq") ?? 0);
    const lastTs = Number(this.meta("session_last_ts") ?? -Infinity);
    if (seq === 0 || ts - lastTs > SESSION_GAP_MS) {
      seq += 1;
      this.setMeta("session_seq", seq);
    }
    if (ts > lastTs) this.setMeta("session_last_ts", ts);
    return `${profileKey}#${seq}`;
  }

  /**
   * Upserts each identity the batch mentions once, with the batch's first and last time for it.
   * An identity is verified when an event that carried it was: sent with the secret key, or with a
   * valid userHash. Only verified emails and phones go to the identity directory.
   */
  private recordIdentities(events: SeamEvent[]): void {
    const seen = new Map<string, { kind: string; value: string; verified: number; first: number; last: number }>();
    for (const event of events) {
      const verified = event.verified ? 1 : 0;
      const found: [string, string | undefined, number][] = [
        ["user_id", event.userId, verified],
        ["anonymous_id", event.anonymousId, 0],
        ["email", normalizeEmail(event.traits.email), verified],
        ["phone", normalizePhone(event.traits.phone), verified],
      ];
      for (const [kind, value, isVerified] of found) {
        if (!value) continue;
        const key = `${kind}\u0000${value}`;
        const entry = seen.get(key);
        if (entry) {
          entry.last = Math.max(entry.last, event.timestamp);
          entry.verified = Math.max(entry.verified, isVerified);
        } else seen.set(key, { kind, value, verified: isVerified, first: event.timestamp, last: event.timestamp });
      }
    }
    // At most one new row per distinct identity (a storefront batch names one: its anonymousId).
    this.touch("identities", seen.size);
    for (const { kind, value, verified, first, last } of seen.values()) {
      this.sql.exec(
        `INSERT INTO identities (kind, value, verified, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, value) DO UPDATE SET
           verified = MAX(verified, excluded.verified),
           first_seen = MIN(first_seen, excluded.first_seen),
           last_seen = MAX(last_seen, excluded.last_seen)`,
        kind,
        value,
        verified,
        first,
        last,
      );
    }
  }

  /** Last write wins by event time, so a late, older identify never overwrites a newer trait. */
  private recordTraits(traits: Record<string, unknown>, ts: number): void {
    this.touch("traits", Object.keys(traits).length);
    for (const [key, value] of Object.entries(traits)) {
      if (value === undefined) continue;
      this.sql.exec(
        `INSERT INTO traits (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= traits.updated_at`,
        key.slice(0, 256),
        JSON.stringify(value),
        ts,
      );
    }
  }

  /** `Consent Updated` with `{ consent: { email: true, sms: false } }` (or the map as properties). */
  private recordConsent(properties: Record<string, unknown>, ts: number): void {
    const choices = record(properties.consent ?? properties);
    for (const [channel, granted] of Object.entries(choices)) {
      if (!isChannel(channel) || typeof granted !== "boolean") continue;
      this.sql.exec(
        `INSERT INTO consent (channel, granted, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (channel) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= consent.updated_at`,
        channel,
        granted ? 1 : 0,
        ts,
      );
    }
  }

  /** Views of the batch being applied; written in two statements when the batch is done. */
  private readonly pendingViews: (string | number | null)[][] = [];

  private recordView(item: ProductLine, event: SeamEvent): void {
    this.pendingViews.push([
      item.productId,
      event.timestamp,
      item.name ?? null,
      item.category ?? null,
      item.price ?? null,
      item.currency ?? null,
      event.channel,
    ]);
  }

  /**
   * Writes the batch's product views: the ordered click log and the per-item counts, one
   * statement each however many views (a view is the most frequent event, and a statement per
   * view was a third of the ingest cost). Rows go in event-time order, so a repeated item's upsert
   * sees its earlier row, as it would event by event.
   */
  private flushViews(): void {
    if (this.pendingViews.length === 0) return;
    this.touch("item_clicks", this.pendingViews.length);
    this.touch("viewed_items", this.pendingViews.length);
    const views = JSON.stringify(this.pendingViews);
    this.pendingViews.length = 0;
    this.sql.exec(`INSERT INTO item_clicks (item, category, ts) SELECT value->>0, value->>3, value->>1 FROM jsonb_each(?)`, views);
    this.sql.exec(
      `INSERT INTO viewed_items (product_id, view_count, first_seen, last_seen, name, category, price, currency, channel)
       SELECT value->>0, 1, value->>1, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM jsonb_each(?) WHERE true
       ON CONFLICT (product_id) DO UPDATE SET
         view_count = view_count + 1,
         first_seen = MIN(first_seen, excluded.first_seen),
         last_seen = MAX(last_seen, excluded.last_seen),
         name = COALESCE(excluded.name, name),
         category = COALESCE(excluded.category, category),
         price = COALESCE(excluded.price, price),
         currency = COALESCE(excluded.currency, currency),
         channel = excluded.channel`,
      views,
    );
  }

  private upsertCartLine(line: ProductLine, event: SeamEvent, mode: "add" | "set"): void {
    const quantity = mode === "add" ? "MIN(quantity + excluded.quantity, 10000)" : "excluded.quantity";
    this.sql.exec(
      `INSERT INTO cart_lines (product_id, variant, quantity, name, price, currency, category, brand, url, image_url,
                               channel, device, anonymous_id, added_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (product_id, variant) DO UPDATE SET
         quantity = ${quantity},
         name = COALESCE(excluded.name, name),
         price = COALESCE(excluded.price, price),
         currency = COALESCE(excluded.currency, currency),
         category = COALESCE(excluded.category, category),
         brand = COALESCE(excluded.brand, brand),
         url = COALESCE(excluded.url, url),
         image_url = COALESCE(excluded.image_url, image_url),
         channel = excluded.channel,
         device = excluded.device,
         anonymous_id = excluded.anonymous_id,
         updated_at = excluded.updated_at`,
      line.productId,
      line.variant,
      line.quantity,
      line.name ?? null,
      line.price ?? null,
      line.currency ?? null,
      line.category ?? null,
      line.brand ?? null,
      line.url ?? null,
      line.imageUrl ?? null,
      event.channel,
      deviceOf(event),
      event.anonymousId ?? null,
      event.timestamp,
      event.timestamp,
    );
  }

  private applyCartOp(op: CartOp, event: SeamEvent): void {
    this.touch("cart_lines");
    switch (op.kind) {
      case "add":
        this.upsertCartLine(op.line, event, "add");
        break;
      case "remove":
        if (op.quantity === undefined) {
          this.sql.exec(`DELETE FROM cart_lines WHERE product_id = ? AND variant = ?`, op.productId, op.variant);
        } else {
          this.sql.exec(
            `UPDATE cart_lines SET quantity = quantity - ?, updated_at = ?, channel = ?, device = ?, anonymous_id = ?
             WHERE product_id = ? AND variant = ?`,
            op.quantity,
            event.timestamp,
            event.channel,
            deviceOf(event),
            event.anonymousId ?? null,
            op.productId,
            op.variant,
          );
          this.sql.exec(`DELETE FROM cart_lines WHERE quantity <= 0`);
        }
        break;
      case "replace":
      case "checkout":
        if (op.lines) {
          this.sql.exec(`DELETE FROM cart_lines`);
          for (const line of op.lines) this.upsertCartLine(line, event, "set");
        }
        if (op.kind === "checkout") this.setMeta("checkout_started_at", event.timestamp);
        break;
      case "clear":
        this.sql.exec(`DELETE FROM cart_lines`);
        this.deleteMeta("checkout_started_at");
        break;
    }
    this.setMeta("cart_updated_at", event.timestamp);
  }

  /**
   * Rows each bounded list may have gained since it was last cut back to its cap. Trimming is
   * amortised: a list is cut once it may be `trimSlack(cap)` over its cap, not after every batch
   * (the cuts were a tenth of the ingest cost), so a list holds at most cap + trimSlack(cap) rows.
   * Starts unknown (after a wake-up), which cuts every list the first batch touches.
   */
  private readonly grownSinceTrim = new Map<BoundedTable, number>();

  /** Marks a bounded list as written by this batch, with how many rows it may have gained. */
  private touch(table: BoundedTable, rows = 1): void {
    this.touched.add(table);
    this.grownSinceTrim.set(table, (this.grownSinceTrim.get(table) ?? Number.POSITIVE_INFINITY) + rows);
  }

  private trim(): void {
    for (const [table, [key, time, cap]] of Object.entries(BOUNDED) as [BoundedTable, (typeof BOUNDED)[BoundedTable]][]) {
      if (!this.touched.has(table) || this.grownSinceTrim.get(table)! < trimSlack(cap)) continue;
      // Sequenced tables keep "the last N" by their monotonic seq: one range delete on the key.
      if (key === "seq") this.sql.exec(`DELETE FROM ${table} WHERE seq <= (SELECT MAX(seq) FROM ${table}) - ?`, cap);
      else
        this.sql.exec(
          `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} ORDER BY ${time} DESC LIMIT -1 OFFSET ?)`,
          cap,
        );
      this.grownSinceTrim.set(table, 0);
    }
  }

  // ---- reads ------------------------------------------------------------------------------


  /** Whether this object holds a customer's data (events of its own or merged in). */
  exists(): boolean {
    return this.meta("event_count") !== undefined;
  }

  /** The whole live state, or null when this customer has never sent an event. */
  state(linkedProfiles: string[]): CustomerState | null {
    const profileKey = this.meta("profile_key");
    if (profileKey === undefined || !this.exists()) return null;
    const traits: Record<string, unknown> = {};
    for (const row of this.sql.exec(`SELECT key, value FROM traits ORDER BY key`))
      traits[String(row.key)] = JSON.parse(String(row.value));
    return {
      workspace_id: this.meta("workspace_id") ?? "",
      profile_key: profileKey,
      first_seen: iso(Number(this.meta("first_seen") ?? 0)),
      last_seen: iso(Number(this.meta("last_seen") ?? 0)),
      event_count: Number(this.meta("event_count") ?? 0),
      traits,
      identities: this.sql
        .exec(`SELECT * FROM identities ORDER BY first_seen, kind`)
        .toArray()
        .map((r) => ({
          kind: String(r.kind),
          value: String(r.value),
          verified: r.verified === 1,
          first_seen: iso(Number(r.first_seen)),
          last_seen: iso(Number(r.last_seen)),
        })),
      identity_conflicts: this.sql
        .exec(`SELECT * FROM identity_conflicts ORDER BY seq`)
        .toArray()
        .map((r) => ({
          kind: String(r.kind),
          value: String(r.value),
          other_profile: String(r.other_profile),
          timestamp: iso(Number(r.ts)),
        })),
      linked_profiles: linkedProfiles,
      consent: this.consent(),
      cart: this.cart(),
      viewed_items: this.viewedItems(CAPS.viewedItems),
      orders: this.sql.exec(`SELECT * FROM orders ORDER BY ts DESC LIMIT ?`, CAPS.orders).toArray().map(orderView),
      channel_history: this.sql
        .exec(`SELECT * FROM touchpoints ORDER BY ts DESC, seq DESC LIMIT ?`, CAPS.touchpoints)
        .toArray()
        .map(touchpointView),
      recent_events: this.sql
        .exec(`SELECT body FROM recent_events ORDER BY ts DESC, seq DESC LIMIT ?`, CAPS.recentEvents)
        .toArray()
        .map((r) => JSON.parse(String(r.body)) as SeamEvent),
    };
  }

  /** What the visitor may see of itself: its cart, what it viewed recently, its consent. */
  visitorProfile(): VisitorProfile {
    return { cart: this.cart(), recently_viewed: this.viewedItems(20), consent: this.consent() };
  }

  consent(): Record<string, boolean> {
    const consent: Record<string, boolean> = {};
    for (const row of this.sql.exec(`SELECT channel, granted FROM consent ORDER BY channel`))
      consent[String(row.channel)] = row.granted === 1;
    return consent;
  }

  cart(): CartView {
    const lines = this.sql.exec(`SELECT * FROM cart_lines ORDER BY added_at, product_id, variant`).toArray();
    return cartView(lines.map(cartLineView), this.meta("cart_updated_at"), this.meta("checkout_started_at"));
  }

  /** Anonymous ids (devices) the cart's lines were last changed from. */
  cartDevices(): { anonymous_id: string | null; device: string | null; channel: string }[] {
    return this.sql
      .exec(`SELECT DISTINCT anonymous_id, device, channel FROM cart_lines ORDER BY anonymous_id, device, channel`)
      .toArray()
      .map((r) => ({ anonymous_id: r.anonymous_id as string | null, device: r.device as string | null, channel: String(r.channel) }));
  }

  viewedItems(limit: number): ViewedItemView[] {
    return this.sql
      .exec(`SELECT * FROM viewed_items ORDER BY last_seen DESC, product_id LIMIT ?`, limit)
      .toArray()
      .map(viewedItemView);
  }

  /**
   * What the recommendations exclude and score from. The whole recently-viewed list (up to its cap)
   * is read only for the type that shows it; every other type needs just the latest category.
   */
  recommendationContext({ recentlyViewed = false } = {}): RecommendationContext {
    const clicks = this.sql
      .exec(`SELECT item, ts FROM (SELECT item, ts, seq FROM item_clicks ORDER BY ts DESC, seq DESC LIMIT ?) ORDER BY ts, seq`, CAPS.itemClicks)
      .toArray()
      .map((r) => ({ item: String(r.item), ts: Number(r.ts) }));
    const purchased = new Set<string>();
    for (const row of this.sql.exec(`SELECT products FROM orders`))
      for (const p of JSON.parse(String(row.products)) as ProductLine[]) purchased.add(p.productId);
    const latestCategory = this.sql
      .exec(`SELECT category FROM viewed_items WHERE category IS NOT NULL AND category <> '' ORDER BY last_seen DESC, product_id LIMIT 1`)
      .toArray()[0]?.category;
    return {
      clicks,
      cart: this.sql.exec(`SELECT DISTINCT product_id FROM cart_lines`).toArray().map((r) => String(r.product_id)),
      purchased: [...purchased],
      recentlyViewed: recentlyViewed
        ? this.sql.exec(`SELECT product_id FROM viewed_items ORDER BY last_seen DESC, product_id`).toArray().map((r) => String(r.product_id))
        : [],
      lastCategory: typeof latestCategory === "string" ? latestCategory : null,
    };
  }

  // ---- identity ---------------------------------------------------------------------------

  /** Emails and phones learned from trusted events that the directory has not been told of yet. */
  unclaimedIdentities(): { kind: "email" | "phone"; value: string }[] {
    return this.sql
      .exec(`SELECT kind, value FROM identities WHERE kind IN ('email', 'phone') AND verified = 1 AND claimed = 0`)
      .toArray()
      .map((r) => ({ kind: r.kind as "email" | "phone", value: String(r.value) }));
  }

  markClaimed(kind: string, value: string): void {
    this.sql.exec(`UPDATE identities SET claimed = 1 WHERE kind = ? AND value = ?`, kind, value);
  }

  recordConflict(kind: string, value: string, otherProfile: string, ts: number): void {
    this.sql.exec(
      `INSERT INTO identity_conflicts (kind, value, other_profile, ts) VALUES (?, ?, ?, ?)`,
      kind,
      value,
      otherProfile,
      ts,
    );
    this.sql.exec(
      `DELETE FROM identity_conflicts WHERE seq <= (SELECT MAX(seq) FROM identity_conflicts) - ?`,
      CAPS.identityConflicts,
    );
  }

  /** Every row of the customer's state, for a merge into another object. */
  exportSnapshot(): CustomerSnapshot {
    const snapshot = { ...EMPTY_SNAPSHOT, meta: Object.fromEntries(this.metaMap()) } as CustomerSnapshot;
    for (const table of Object.keys(SNAPSHOT_TABLES) as (keyof typeof SNAPSHOT_TABLES)[]) {
      const order = SEQUENCED.has(table) ? " ORDER BY seq" : "";
      const columns = SNAPSHOT_TABLES[table].join(", ");
      (snapshot as unknown as Record<string, unknown[]>)[table] = this.sql.exec(`SELECT ${columns} FROM ${table}${order}`).toArray();
    }
    return snapshot;
  }

  /** Replaces the customer's state with a snapshot (the result of a merge), in one transaction. */
  replaceState(snapshot: CustomerSnapshot): void {
    this.transaction(() => {
      for (const [table, columns] of Object.entries(SNAPSHOT_TABLES)) {
        this.sql.exec(`DELETE FROM ${table}`);
        const rows = (snapshot as unknown as Record<string, Record<string, unknown>[]>)[table]!;
        if (rows.length === 0) continue;
        const select = columns.map((c) => `value->>'${c}'`).join(", ");
        this.sql.exec(`INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} FROM json_each(?)`, JSON.stringify(rows));
      }
      for (const [key, value] of Object.entries(snapshot.meta)) this.setMeta(key, value);
    });
  }

  /** Drops the customer's data but keeps the object's own identity (workspace, profile key, pointer). */
  clearData(): void {
    this.transaction(() => {
      for (const table of Object.keys(SNAPSHOT_TABLES)) this.sql.exec(`DELETE FROM ${table}`);
      for (const key of [...this.metaMap().keys()])
        if (!["workspace_id", "profile_key", "forward_to"].includes(key)) this.deleteMeta(key);
    });
  }

  /** Deletes everything, schema included, and starts over empty (privacy delete). */
  async erase(): Promise<void> {
    await this.storage.deleteAll();
    this.metaCache = undefined;
    this.dirtyMeta.clear();
    this.migrate();
  }
}

function categoryOf(line: ProductLine): { category?: string } {
  return line.category ? { category: line.category } : {};
}

/** The device a cart change came from: the SDK's device id, else the browser's anonymous id. */
function deviceOf(event: SeamEvent): string | null {
  return text(record(event.context.device).id) ?? event.anonymousId ?? null;
}
