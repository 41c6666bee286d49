// One customer's live state: profile, identities, cart, viewed items, orders and channel history.
import { DurableObject } from "cloudflare:workers";
import { commerceEffects, type CartOp, type ProductLine } from "../commerce/ecommerce.ts";
import { isChannel, utmMedium } from "../ingest/channel.ts";
import type { Env } from "../env.ts";
import type { ItemFact } from "../facts.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import type {
  CartLineView,
  CartView,
  Channel,
  SeamEvent,
  ViewedItemView,
  VisitorProfile,
} from "../schemas.ts";
import { CAPS, MIGRATIONS, SESSION_GAP_MS } from "./schema.ts";

export interface IngestRequest {
  workspaceId: string;
  profileKey: string;
  events: SeamEvent[];
}

export interface IngestOutcome {
  /** One per request event, in request order. */
  statuses: ("accepted" | "duplicate")[];
  facts: ItemFact[];
}

export interface OrderView {
  order_id: string;
  total: number | null;
  revenue: number | null;
  currency: string | null;
  products: ProductLine[];
  channel: Channel;
  timestamp: string;
}

export interface TouchpointView {
  timestamp: string;
  channel: Channel;
  type: string;
  event: string | null;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  message_id: string;
}

export interface CustomerState {
  workspace_id: string;
  profile_key: string;
  first_seen: string;
  last_seen: string;
  event_count: number;
  traits: Record<string, unknown>;
  identities: { kind: string; value: string; verified: boolean; first_seen: string; last_seen: string }[];
  consent: Record<string, boolean>;
  cart: CartView;
  viewed_items: ViewedItemView[];
  orders: OrderView[];
  channel_history: TouchpointView[];
  recent_events: SeamEvent[];
}

type Row = Record<string, SqlStorageValue>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: SqlStorageValue | undefined) => (typeof ms === "number" ? iso(ms) : null);

function text(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, 1024) : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export class CustomerDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Nothing may read a table before its migration ran; this is the only blocking work.
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)`);
    const current = (this.sql.exec(`SELECT MAX(version) AS v FROM _schema`).one().v as number) ?? 0;
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      this.ctx.storage.transactionSync(() => {
        for (const statement of MIGRATIONS[v - 1]!) this.sql.exec(statement);
        this.sql.exec(`INSERT INTO _schema (version) VALUES (?)`, v);
      });
    }
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

  private meta(key: string): string | undefined {
    return this.metaMap().get(key);
  }

  private setMeta(key: string, value: string | number): void {
    this.metaMap().set(key, String(value));
    this.dirtyMeta.add(key);
  }

  private deleteMeta(key: string): void {
    this.metaMap().delete(key);
    this.dirtyMeta.add(key);
  }

  private flushMeta(): void {
    for (const key of this.dirtyMeta) {
      const value = this.metaCache?.get(key);
      if (value === undefined) this.sql.exec(`DELETE FROM meta WHERE key = ?`, key);
      else
        this.sql.exec(
          `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          key,
          value,
        );
    }
    this.dirtyMeta.clear();
  }

  /**
   * Runs `work` as one SQLite transaction with the meta writes it made. If it throws, the
   * transaction rolls back and the in-memory meta is dropped so it is re-read from disk.
   */
  private transaction<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(() => {
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
   */
  async ingest(request: IngestRequest): Promise<IngestOutcome> {
    const statuses: IngestOutcome["statuses"] = new Array(request.events.length);
    const facts: ItemFact[] = [];
    const order = request.events
      .map((event, index) => ({ event, index }))
      .sort((a, b) => a.event.timestamp - b.event.timestamp || a.index - b.index);

    this.transaction(() => {
      if (this.meta("profile_key") === undefined) {
        this.setMeta("workspace_id", request.workspaceId);
        this.setMeta("profile_key", request.profileKey);
      }
      for (const { event, index } of order) {
        // Look up, then insert: an `ON CONFLICT DO NOTHING` insert still takes an AUTOINCREMENT seq
        // (so every duplicate would shrink the keep-the-last-N window) and workerd counts it in
        // rowsWritten. The DO is the only writer and this runs in one transaction, so it is safe.
        if (this.sql.exec(`SELECT 1 FROM seen_messages WHERE message_id = ?`, event.messageId).toArray().length) {
          statuses[index] = "duplicate";
          continue;
        }
        this.sql.exec(
          `INSERT INTO seen_messages (message_id, received_at) VALUES (?, ?)`,
          event.messageId,
          event.receivedAt,
        );
        statuses[index] = "accepted";
        this.apply(event, request.profileKey, facts);
      }
      this.trim();
    });
    return { statuses, facts };
  }

  private apply(event: SeamEvent, profileKey: string, facts: ItemFact[]): void {
    const session = this.sessionFor(event.timestamp, profileKey);
    const firstSeen = Number(this.meta("first_seen") ?? Infinity);
    const lastSeen = Number(this.meta("last_seen") ?? 0);
    this.setMeta("first_seen", Math.min(firstSeen, event.timestamp));
    this.setMeta("last_seen", Math.max(lastSeen, event.timestamp));
    this.setMeta("event_count", Number(this.meta("event_count") ?? 0) + 1);

    const campaign = record(event.context.campaign);
    const page = record(event.context.page);
    this.sql.exec(
      `INSERT INTO touchpoints (ts, channel, type, event, utm_source, utm_medium, utm_campaign, referrer, message_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      event.timestamp,
      event.channel,
      event.type,
      event.event ?? event.name ?? null,
      text(campaign.source),
      utmMedium(event.context) ?? null,
      text(campaign.name) ?? text(campaign.campaign),
      text(page.referrer) ?? text(event.context.referrer),
      event.messageId,
    );
    this.sql.exec(
      `INSERT INTO recent_events (message_id, ts, body) VALUES (?, ?, ?)`,
      event.messageId,
      event.timestamp,
      JSON.stringify(event),
    );

    this.recordIdentities(event);
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

  private recordIdentities(event: SeamEvent): void {
    const found: [string, string | undefined][] = [
      ["user_id", event.userId],
      ["anonymous_id", event.anonymousId],
      ["email", normalizeEmail(event.traits.email)],
      ["phone", normalizePhone(event.traits.phone)],
    ];
    for (const [kind, value] of found) {
      if (!value) continue;
      this.sql.exec(
        `INSERT INTO identities (kind, value, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, value) DO UPDATE SET
           first_seen = MIN(first_seen, excluded.first_seen),
           last_seen = MAX(last_seen, excluded.last_seen)`,
        kind,
        value,
        event.timestamp,
        event.timestamp,
      );
    }
  }

  /** Last write wins by event time, so a late, older identify never overwrites a newer trait. */
  private recordTraits(traits: Record<string, unknown>, ts: number): void {
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

  private recordView(item: ProductLine, event: SeamEvent): void {
    this.sql.exec(
      `INSERT INTO viewed_items (product_id, view_count, first_seen, last_seen, name, category, price, currency, channel)
       VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (product_id) DO UPDATE SET
         view_count = view_count + 1,
         first_seen = MIN(first_seen, excluded.first_seen),
         last_seen = MAX(last_seen, excluded.last_seen),
         name = COALESCE(excluded.name, name),
         category = COALESCE(excluded.category, category),
         price = COALESCE(excluded.price, price),
         currency = COALESCE(excluded.currency, currency),
         channel = excluded.channel`,
      item.productId,
      event.timestamp,
      event.timestamp,
      item.name ?? null,
      item.category ?? null,
      item.price ?? null,
      item.currency ?? null,
      event.channel,
    );
  }

  private upsertCartLine(line: ProductLine, event: SeamEvent, mode: "add" | "set"): void {
    const quantity = mode === "add" ? "MIN(quantity + excluded.quantity, 10000)" : "excluded.quantity";
    this.sql.exec(
      `INSERT INTO cart_lines (product_id, variant, quantity, name, price, currency, category, brand, url, image_url,
                               channel, device, added_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
      event.timestamp,
      event.timestamp,
    );
  }

  private applyCartOp(op: CartOp, event: SeamEvent): void {
    switch (op.kind) {
      case "add":
        this.upsertCartLine(op.line, event, "add");
        break;
      case "remove":
        if (op.quantity === undefined) {
          this.sql.exec(`DELETE FROM cart_lines WHERE product_id = ? AND variant = ?`, op.productId, op.variant);
        } else {
          this.sql.exec(
            `UPDATE cart_lines SET quantity = quantity - ?, updated_at = ?, channel = ?, device = ?
             WHERE product_id = ? AND variant = ?`,
            op.quantity,
            event.timestamp,
            event.channel,
            deviceOf(event),
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

  /** Keeps every list within its cap: the oldest rows go first. */
  private trim(): void {
    for (const table of ["seen_messages", "touchpoints", "recent_events"] as const) {
      const cap = { seen_messages: CAPS.seenMessages, touchpoints: CAPS.touchpoints, recent_events: CAPS.recentEvents }[table];
      this.sql.exec(`DELETE FROM ${table} WHERE seq <= (SELECT MAX(seq) FROM ${table}) - ?`, cap);
    }
    this.sql.exec(
      `DELETE FROM viewed_items WHERE product_id IN
         (SELECT product_id FROM viewed_items ORDER BY last_seen DESC LIMIT -1 OFFSET ?)`,
      CAPS.viewedItems,
    );
    this.sql.exec(
      `DELETE FROM orders WHERE order_id IN (SELECT order_id FROM orders ORDER BY ts DESC LIMIT -1 OFFSET ?)`,
      CAPS.orders,
    );
    this.sql.exec(
      `DELETE FROM cart_lines WHERE rowid IN (SELECT rowid FROM cart_lines ORDER BY updated_at DESC LIMIT -1 OFFSET ?)`,
      CAPS.cartLines,
    );
    this.sql.exec(
      `DELETE FROM traits WHERE key IN (SELECT key FROM traits ORDER BY updated_at DESC LIMIT -1 OFFSET ?)`,
      CAPS.traits,
    );
    this.sql.exec(
      `DELETE FROM identities WHERE rowid IN (SELECT rowid FROM identities ORDER BY last_seen DESC LIMIT -1 OFFSET ?)`,
      CAPS.identities,
    );
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The whole live state, or null when this customer has never sent an event. */
  async getState(): Promise<CustomerState | null> {
    const profileKey = this.meta("profile_key");
    if (profileKey === undefined) return null;
    const traits: Record<string, unknown> = {};
    for (const row of this.sql.exec(`SELECT key, value FROM traits ORDER BY key`))
      traits[String(row.key)] = JSON.parse(String(row.value));
    return {
      workspace_id: this.meta("workspace_id") ?? "",
      profile_key: profileKey,
      first_seen: iso(Number(this.meta("first_seen"))),
      last_seen: iso(Number(this.meta("last_seen"))),
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
      consent: this.consent(),
      cart: this.cart(),
      viewed_items: this.viewedItems(CAPS.viewedItems),
      orders: this.sql
        .exec(`SELECT * FROM orders ORDER BY ts DESC`)
        .toArray()
        .map((r) => ({
          order_id: String(r.order_id),
          total: r.total as number | null,
          revenue: r.revenue as number | null,
          currency: r.currency as string | null,
          products: JSON.parse(String(r.products)) as ProductLine[],
          channel: r.channel as Channel,
          timestamp: iso(Number(r.ts)),
        })),
      channel_history: this.sql
        .exec(`SELECT * FROM touchpoints ORDER BY ts DESC, seq DESC`)
        .toArray()
        .map((r) => ({
          timestamp: iso(Number(r.ts)),
          channel: r.channel as Channel,
          type: String(r.type),
          event: r.event as string | null,
          utm: {
            source: r.utm_source as string | null,
            medium: r.utm_medium as string | null,
            campaign: r.utm_campaign as string | null,
          },
          referrer: r.referrer as string | null,
          message_id: String(r.message_id),
        })),
      recent_events: this.sql
        .exec(`SELECT body FROM recent_events ORDER BY seq DESC`)
        .toArray()
        .map((r) => JSON.parse(String(r.body)) as SeamEvent),
    };
  }

  /** What the visitor may see of itself: its cart, what it viewed recently, its consent. */
  async getVisitorProfile(): Promise<VisitorProfile> {
    return { cart: this.cart(), recently_viewed: this.viewedItems(20), consent: this.consent() };
  }

  private consent(): Record<string, boolean> {
    const consent: Record<string, boolean> = {};
    for (const row of this.sql.exec(`SELECT channel, granted FROM consent ORDER BY channel`))
      consent[String(row.channel)] = row.granted === 1;
    return consent;
  }

  private cart(): CartView {
    const lines = this.sql
      .exec(`SELECT * FROM cart_lines ORDER BY added_at, product_id, variant`)
      .toArray()
      .map(cartLineView);
    const currency = lines.find((l) => l.currency)?.currency ?? null;
    const subtotal = lines.reduce((sum, l) => sum + (l.price ?? 0) * l.quantity, 0);
    return {
      lines,
      item_count: lines.reduce((sum, l) => sum + l.quantity, 0),
      subtotal: Math.round(subtotal * 100) / 100,
      currency,
      updated_at: isoOrNull(numberOrUndefined(this.meta("cart_updated_at"))),
      checkout_started_at: isoOrNull(numberOrUndefined(this.meta("checkout_started_at"))),
    };
  }

  private viewedItems(limit: number): ViewedItemView[] {
    return this.sql
      .exec(`SELECT * FROM viewed_items ORDER BY last_seen DESC, product_id LIMIT ?`, limit)
      .toArray()
      .map((r) => ({
        product_id: String(r.product_id),
        view_count: Number(r.view_count),
        first_seen: iso(Number(r.first_seen)),
        last_seen: iso(Number(r.last_seen)),
        name: r.name as string | null,
        category: r.category as string | null,
        price: r.price as number | null,
      }));
  }
}

function numberOrUndefined(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function categoryOf(line: ProductLine): { category?: string } {
  return line.category ? { category: line.category } : {};
}

/** The device a cart change came from: the SDK's device id, else the browser's anonymous id. */
function deviceOf(event: SeamEvent): string | null {
  return text(record(event.context.device).id) ?? event.anonymousId ?? null;
}

function cartLineView(r: Row): CartLineView {
  return {
    product_id: String(r.product_id),
    variant: r.variant ? String(r.variant) : null,
    quantity: Number(r.quantity),
    name: r.name as string | null,
    price: r.price as number | null,
    currency: r.currency as string | null,
    category: r.category as string | null,
    brand: r.brand as string | null,
    url: r.url as string | null,
    image_url: r.image_url as string | null,
    source: { channel: r.channel as Channel, device: r.device as string | null },
    added_at: iso(Number(r.added_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}
