// Applying a batch of one customer's events to their tables: history, identities, traits, consent,
// views, cart, orders, and the bounded lists' trims. Part of the customer store (customer/store.ts).
import { commerceEffects, type CartOp, type ProductLine } from "../commerce/ecommerce.ts";
import type { ItemFact } from "../facts.ts";
import { utmMedium } from "../ingest/channel.ts";
import { consentChoices, type ConsentChoice } from "../ingest/consent.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import type { SeamEvent } from "../schemas.ts";
import { noteLastSeen, ownAnonymousId, takeLastSeen } from "./identity-seen.ts";
import type { CartLines } from "./cart-lines.ts";
import type { Journal } from "./journal.ts";
import type { MetaCache, Transaction } from "./meta.ts";
import { compareText } from "../compare.ts";
import { newestRows, type HeldRows } from "./held-rows.ts";
import type { CartLineRow, TouchpointRow, TraitRow } from "./rows.ts";
import { attachSessionPairs } from "./session-pairs.ts";
import { CAPS, SESSION_GAP_MS } from "./schema.ts";
import type { ViewTuple } from "./viewed-items.ts";
import type { Sql } from "./sql.ts";

export interface BatchOutcome<After = undefined> {
  /** One per event, in the order given. */
  statuses: ("accepted" | "duplicate")[];
  facts: ItemFact[];
  /** The accepted events, in event-time order. */
  accepted: SeamEvent[];
  /** A verified email or phone was among them: the identity directory may need to hear of it. */
  verifiedContacts: boolean;
  /** What `after` answered (applyBatch), when events were accepted. */
  after: After | undefined;
}

/** Every bounded list: the primary key its trim deletes by, its age column, its cap (newest rows stay). */
const BOUNDED = {
  orders: ["order_id", "ts", CAPS.orders],
  identities: ["kind, value", "last_seen", CAPS.identities],
} as const;
type BoundedTable = keyof typeof BOUNDED;

/**
 * How many rows a list may gain over its cap before it is cut back (see BatchWriter.trim): a
 * tenth of the cap, and at least 32 so small lists are not cut after every batch. Reads still
 * show at most the cap.
 */
export function trimSlack(cap: number): number {
  return Math.max(32, Math.ceil(cap * 0.1));
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, 1024) : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function categoryOf(line: ProductLine): { category?: string } {
  return line.category ? { category: line.category } : {};
}

/** Where a cart change came from: its channel, the device (the SDK's device id, else the browser's anonymous id), the anonymous id. */
function changedFrom(event: SeamEvent): Pick<CartLineRow, "channel" | "device" | "anonymous_id"> {
  return { channel: event.channel, device: deviceOf(event), anonymous_id: event.anonymousId ?? null };
}

/** The device a cart change came from: the SDK's device id, else the browser's anonymous id. */
function deviceOf(event: SeamEvent): string | null {
  return text(record(event.context.device).id) ?? event.anonymousId ?? null;
}

/** Writes consent choices: the later answer per channel wins (the one writer of the consent table). */
export function writeConsent(sql: Sql, choices: readonly ConsentChoice[], ts: number): void {
  for (const { channel, granted } of choices)
    sql`INSERT INTO consent (channel, granted, updated_at) VALUES (${channel}, ${granted ? 1 : 0}, ${ts})
        ON CONFLICT (channel) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at
        WHERE excluded.updated_at >= consent.updated_at`;
}

export class BatchWriter {
  private readonly sql: Sql;
  private readonly meta: MetaCache;
  private readonly journal: Journal;
  private readonly transaction: Transaction;
  private readonly touched = new Set<BoundedTable>();
  /** Views of the batch being applied; staged into its journal row when the batch is done. */
  private readonly pendingViews: ViewTuple[] = [];
  /**
   * Rows each bounded list may have gained since it was last cut back to its cap. Trimming is
   * amortised: a list is cut once it may be `trimSlack(cap)` over its cap, not after every batch
   * (the cuts were a tenth of the ingest cost), so a list holds at most cap + trimSlack(cap) rows.
   * Starts unknown (after a wake-up), which cuts every list the first batch touches.
   */
  private readonly grownSinceTrim = new Map<BoundedTable, number>();

  /** The cart's lines and the traits, held in the profile meta (customer/held-rows.ts). */
  private readonly cart: CartLines;
  private readonly traits: HeldRows<TraitRow>;

  constructor(sql: Sql, meta: MetaCache, journal: Journal, transaction: Transaction, held: { cart: CartLines; traits: HeldRows<TraitRow> }) {
    this.sql = sql;
    this.meta = meta;
    this.journal = journal;
    this.transaction = transaction;
    this.cart = held.cart;
    this.traits = held.traits;
  }

  /**
   * Applies a batch of one customer's events atomically and answers per event whether it was
   * new or a duplicate (by messageId). Events are applied in event-time order, so a cart built
   * from a batch the SDK queued offline comes out the same as if it had been sent live.
   * The per-batch work is a handful of set-based statements, not a few per event: this is the hot
   * path of ingest. They read their rows with jsonb_each, which parses the bound JSON once; with
   * json_each every `value->>n` parses its row's text again (a third slower for a batch's views).
   * `after` runs in the same transaction once events were accepted (the batch's attribution), so
   * the meta it changes travels in the batch's one journal row instead of a row of its own.
   */
  applyBatch<After = undefined>(workspaceId: string, profileKey: string, events: SeamEvent[], after?: (accepted: SeamEvent[]) => After): BatchOutcome<After> {
    const statuses: BatchOutcome["statuses"] = events.map(() => "duplicate");
    const facts: ItemFact[] = [];
    const accepted: SeamEvent[] = [];
    let afterResult: After | undefined;
    this.touched.clear();
    this.pendingViews.length = 0;
    this.transaction(() => {
      if (this.meta.get("profile_key") === undefined) {
        this.meta.set("workspace_id", workspaceId);
        this.meta.set("profile_key", profileKey);
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
      const made: ItemFact[] = [];
      for (const event of accepted) this.applyEffects(event, profileKey, made);
      facts.push(...attachSessionPairs(this.meta, made));
      this.flushViews();
      this.trim();
      if (after) afterResult = after(accepted);
    });
    const verifiedContacts = accepted.some(
      (e) => e.verified && (normalizeEmail(e.traits.email) !== undefined || normalizePhone(e.traits.phone) !== undefined),
    );
    return { statuses, facts, accepted, verifiedContacts, after: afterResult };
  }

  /**
   * The batch's message ids not seen before: those of the journal's retained batches, held in
   * memory (read once per wake-up); the batch's own journal row remembers the new ones.
   */
  private claimMessageIds(events: SeamEvent[]): Set<string> {
    return this.journal.unseen(events.map((e) => e.messageId));
  }

  /** The batch's touchpoints and raw events, staged as its one journal row (written with the meta when the transaction ends). */
  private recordHistory(events: SeamEvent[]): void {
    const touchpoints = events.map((e): TouchpointRow => {
      const campaign = record(e.context.campaign);
      return {
        ts: e.timestamp,
        channel: e.channel,
        type: e.type,
        event: e.event ?? e.name ?? null,
        utm_source: text(campaign.source),
        utm_medium: utmMedium(e.context) ?? null,
        utm_campaign: text(campaign.name) ?? text(campaign.campaign),
        referrer: text(record(e.context.page).referrer) ?? text(e.context.referrer),
        message_id: e.messageId,
      };
    });
    this.journal.stage({
      receivedAt: events[0]!.receivedAt,
      ids: events.map((e) => e.messageId),
      touchpoints,
      clicks: [],
      views: [],
      // Only the newest CAPS.recentEvents can ever be shown, so only those are kept.
      bodies: events.slice(-CAPS.recentEvents),
    });
    this.meta.set("first_seen", Math.min(Number(this.meta.get("first_seen") ?? Infinity), events[0]!.timestamp));
    this.meta.set("last_seen", Math.max(Number(this.meta.get("last_seen") ?? 0), events.at(-1)!.timestamp));
    this.meta.set("event_count", Number(this.meta.get("event_count") ?? 0) + events.length);
  }

  private applyEffects(event: SeamEvent, profileKey: string, facts: ItemFact[]): void {
    const session = this.sessionFor(event.timestamp, profileKey);
    if (event.type === "identify") this.recordTraits(event.traits, event.timestamp);
    writeConsent(this.sql, consentChoices(event), event.timestamp);

    const effects = commerceEffects(event);
    const base = { customer: profileKey, session, ts: event.timestamp, channel: event.channel, messageId: event.messageId };
    if (effects.viewed) {
      this.recordView(effects.viewed, event);
      facts.push({ kind: "view", item: effects.viewed.productId, ...categoryOf(effects.viewed), ...base });
    }
    if (effects.cart) {
      this.applyCartOp(effects.cart, event);
      if (effects.cart.kind === "add")
        facts.push({ kind: "cart", item: effects.cart.line.productId, quantity: effects.cart.line.quantity, ...categoryOf(effects.cart.line), ...base });
    }
    if (effects.order) {
      this.touch("orders");
      const o = effects.order;
      this.sql`INSERT INTO orders (order_id, total, revenue, currency, products, channel, ts)
               VALUES (${o.orderId}, ${o.total ?? null}, ${o.revenue ?? null}, ${o.currency ?? null}, ${JSON.stringify(o.products)}, ${o.channel}, ${o.timestamp})
               ON CONFLICT (order_id) DO NOTHING`;
      for (const p of o.products)
        facts.push({ kind: "buy", item: p.productId, quantity: p.quantity, ...categoryOf(p), ...(p.price === undefined ? {} : { price: p.price }), ...base });
    }
  }

  /** The customer's current session number; a gap over SESSION_GAP_MS starts the next one. */
  private sessionFor(ts: number, profileKey: string): string {
    let seq = Number(this.meta.get("session_seq") ?? 0);
    const lastTs = Number(this.meta.get("session_last_ts") ?? -Infinity);
    if (seq === 0 || ts - lastTs > SESSION_GAP_MS) {
      seq += 1;
      this.meta.set("session_seq", seq);
    }
    if (ts > lastTs) this.meta.set("session_last_ts", ts);
    return `${profileKey}#${seq}`;
  }

  /**
   * Upserts each identity the batch mentions once, with the batch's first and last time for it.
   * An identity is verified when an event that carried it was: sent with the secret key, or with a
   * valid userHash. Only verified emails and phones go to the identity directory.
   */
  private recordIdentities(events: SeamEvent[]): void {
    const seen = new Map<string, { kind: string; value: string; verified: number; confirmed: number; first: number; last: number }>();
    for (const event of events) {
      const verified = event.verified ? 1 : 0;
      // A contact is confirmed only when the store's backend sent it; a browser's needs the customer's click.
      const confirmed = event.trusted ? 1 : 0;
      const found: [string, string | undefined, number, number][] = [
        ["user_id", event.userId, verified, 0],
        ["anonymous_id", event.anonymousId, 0, 0],
        ["email", normalizeEmail(event.traits.email), verified, confirmed],
        ["phone", normalizePhone(event.traits.phone), verified, confirmed],
      ];
      for (const [kind, value, isVerified, isConfirmed] of found) {
        if (!value) continue;
        const key = `${kind}\u0000${value}`;
        const entry = seen.get(key);
        if (entry) {
          entry.last = Math.max(entry.last, event.timestamp);
          entry.verified = Math.max(entry.verified, isVerified);
          entry.confirmed = Math.max(entry.confirmed, isConfirmed);
        } else seen.set(key, { kind, value, verified: isVerified, confirmed: isConfirmed, first: event.timestamp, last: event.timestamp });
      }
    }
    const stored = new Map(
      this.sql<{ kind: string; value: string; verified: number; confirmed: number; first_seen: number; last_seen: number }>`
        SELECT kind, value, verified, confirmed, first_seen, last_seen FROM identities`.map((r) => [`${r.kind}\u0000${r.value}`, r]),
    );
    const own = ownAnonymousId(this.meta);
    for (const [key, { kind, value, verified, confirmed, first, last }] of seen) {
      // The visitor's own anonymous id: its times are the profile's (identity-seen.ts withOwnIdentity).
      if (kind === "anonymous_id" && value === own && !stored.has(key)) continue;
      const row = stored.get(key);
      // Seen again, nothing else new (a storefront batch's anonymousId): the time goes in the meta, no row is written.
      if (row && verified <= row.verified && confirmed <= row.confirmed && first >= row.first_seen) {
        noteLastSeen(this.meta, kind, value, last, row.last_seen);
        continue;
      }
      if (!row) this.touch("identities");
      const lastSeen = Math.max(last, takeLastSeen(this.meta, kind, value));
      this.sql`INSERT INTO identities (kind, value, verified, confirmed, first_seen, last_seen) VALUES (${kind}, ${value}, ${verified}, ${confirmed}, ${first}, ${lastSeen})
               ON CONFLICT (kind, value) DO UPDATE SET
                 verified = MAX(verified, excluded.verified),
                 confirmed = MAX(confirmed, excluded.confirmed),
                 first_seen = MIN(first_seen, excluded.first_seen),
                 last_seen = MAX(last_seen, excluded.last_seen)`;
    }
  }

  /** Last write wins by event time, so a late, older identify never overwrites a newer trait; the newest CAPS.traits stay. */
  private recordTraits(traits: Record<string, unknown>, ts: number): void {
    const rows = new Map(this.traits.rows().map((row) => [row.key, row]));
    let changed = false;
    for (const [name, value] of Object.entries(traits)) {
      if (value === undefined) continue;
      const key = name.slice(0, 256);
      const old = rows.get(key);
      const row = { key, value: JSON.stringify(value), updated_at: ts };
      if (old && (old.updated_at > ts || (old.value === row.value && old.updated_at === ts))) continue;
      rows.set(key, row);
      changed = true;
    }
    if (changed) this.traits.save(newestRows([...rows.values()], CAPS.traits, (row) => row.updated_at).sort((a, b) => compareText(a.key, b.key)));
  }

  private recordView(item: ProductLine, event: SeamEvent): void {
    this.pendingViews.push([item.productId, event.timestamp, item.name ?? null, item.category ?? null, item.price ?? null, item.currency ?? null, event.channel]);
  }

  /**
   * Stages the batch's product views, in event-time order, into its journal row: the ordered
   * clicks recommendations score and the views the viewed items are made of (customer/viewed-items.ts).
   * No row of their own: a view was three billed rows (row, key, last_seen index).
   */
  private flushViews(): void {
    if (this.pendingViews.length === 0) return;
    this.journal.stageViews(this.pendingViews.splice(0));
  }

  private upsertCartLine(line: ProductLine, event: SeamEvent, mode: "add" | "set"): void {
    this.cart.upsert(
      {
        product_id: line.productId, variant: line.variant, quantity: line.quantity, name: line.name ?? null, price: line.price ?? null,
        currency: line.currency ?? null, category: line.category ?? null, brand: line.brand ?? null, url: line.url ?? null,
        image_url: line.imageUrl ?? null, ...changedFrom(event), at: event.timestamp,
      },
      mode,
    );
  }

  private applyCartOp(op: CartOp, event: SeamEvent): void {
    switch (op.kind) {
      case "add":
        this.upsertCartLine(op.line, event, "add");
        break;
      case "remove":
        this.cart.remove(op.productId, op.variant, op.quantity, changedFrom(event), event.timestamp);
        break;
      case "replace":
      case "checkout":
        if (op.lines) {
          this.cart.replace([]);
          for (const line of op.lines) this.upsertCartLine(line, event, "set");
        }
        if (op.kind === "checkout") this.meta.set("checkout_started_at", event.timestamp);
        break;
      case "clear":
        this.cart.replace([]);
        this.meta.delete("checkout_started_at");
        break;
    }
    this.meta.set("cart_updated_at", event.timestamp);
  }

  /** Marks a bounded list as written by this batch, with how many rows it may have gained. */
  private touch(table: BoundedTable, rows = 1): void {
    this.touched.add(table);
    this.grownSinceTrim.set(table, (this.grownSinceTrim.get(table) ?? Number.POSITIVE_INFINITY) + rows);
  }

  private trim(): void {
    for (const [table, [key, time, cap]] of Object.entries(BOUNDED) as [BoundedTable, (typeof BOUNDED)[BoundedTable]][]) {
      if (!this.touched.has(table) || this.grownSinceTrim.get(table)! < trimSlack(cap)) continue;
      this.sql.text(`DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} ORDER BY ${time} DESC LIMIT -1 OFFSET ?)`, cap);
      this.grownSinceTrim.set(table, 0);
    }
  }

  /** After the object's storage was erased: every list is of unknown length again. */
  forget(): void {
    this.grownSinceTrim.clear();
  }
}
