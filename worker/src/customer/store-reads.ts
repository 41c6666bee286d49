// Reads of one customer's tables: what the API shows, what recommendations score from, and the
// facts the messaging layer decides and writes with. Part of the customer store (customer/store.ts).
import type { ProductLine } from "../commerce/ecommerce.ts";
import { normalizeEmail, normalizePhone } from "../identity/normalize.ts";
import type { ContactKind } from "../identity/profile-keys.ts";
import type { ProductSources } from "../messages/content.ts";
import type { RecommendationContext } from "../recs/serve.ts";
import { EMPTY_INPUTS, orderFact, type SegmentInput, type SegmentInputs } from "../segments/inputs.ts";
import type { CartRead, CartView, NearStoreView, SeamEvent, ViewedItemView, VisitorProfile } from "../schemas.ts";
import type { Contact } from "../triggers/channels.ts";
import type { ProductInterest } from "../triggers/catalog-triggers.ts";
import { cartVersion, type CartSnapshot } from "../triggers/evaluate.ts";
import type { CategoryActivity } from "../triggers/favourite-category.ts";
import { withLastSeen, withOwnIdentity } from "./identity-seen.ts";
import type { CartLines } from "./cart-lines.ts";
import { compareText } from "../compare.ts";
import type { HeldRows } from "./held-rows.ts";
import type { Journal } from "./journal.ts";
import type { MetaCache } from "./meta.ts";
import type { CartLineRow, IdentityConflictRow, IdentityRow, OrderRow, TraitRow, ViewedItemRow } from "./rows.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";
import { cartLineView, cartView, iso, orderView, touchpointView, viewedItemView, type CustomerState } from "./views.ts";

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/** The customer's time facts a due step is checked against (triggers/evaluate.ts stepStillWanted). */
export interface CustomerSendFacts {
  cartLineCount: number;
  cartProductIds: ReadonlySet<string>;
  lastOrderAt: number | null;
  productBoughtAt(productId: string): number | null;
}

export class CustomerReads {
  private readonly sql: Sql;
  private readonly meta: MetaCache;
  /** The history: touchpoints, clicks, raw events (customer/journal.ts). */
  private readonly journal: Journal;

  /** The cart's lines and the traits, held in the profile meta (customer/held-rows.ts). */
  private readonly cartLines: CartLines;
  private readonly heldTraits: HeldRows<TraitRow>;

  constructor(sql: Sql, meta: MetaCache, journal: Journal, held: { cart: CartLines; traits: HeldRows<TraitRow> }) {
    this.sql = sql;
    this.meta = meta;
    this.journal = journal;
    this.cartLines = held.cart;
    this.heldTraits = held.traits;
  }

  // ---- the API ------------------------------------------------------------------------------

  /** The whole live state, or null when this customer has never sent an event. */
  state(linkedProfiles: string[]): CustomerState | null {
    const profileKey = this.meta.get("profile_key");
    if (profileKey === undefined || this.meta.get("event_count") === undefined) return null;
    return {
      workspace_id: this.meta.get("workspace_id") ?? "",
      profile_key: profileKey,
      first_seen: iso(Number(this.meta.get("first_seen") ?? 0)),
      last_seen: iso(Number(this.meta.get("last_seen") ?? 0)),
      event_count: Number(this.meta.get("event_count") ?? 0),
      traits: this.traits(),
      identities: withLastSeen(
        withOwnIdentity(this.sql<IdentityRow>`SELECT kind, value, verified, claimed, first_seen, last_seen, confirmed, confirm_requested_at FROM identities ORDER BY first_seen, kind`, this.meta),
        this.meta,
      ).map((r) => ({
        kind: r.kind,
        value: r.value,
        verified: r.verified === 1,
        ...(r.kind === "email" || r.kind === "phone" ? { confirmed: r.confirmed === 1 } : {}),
        first_seen: iso(r.first_seen),
        last_seen: iso(r.last_seen),
      })),
      identity_conflicts: this.sql<IdentityConflictRow>`SELECT kind, value, other_profile, ts FROM identity_conflicts ORDER BY seq`.map((r) => ({
        kind: r.kind,
        value: r.value,
        other_profile: r.other_profile,
        timestamp: iso(r.ts),
      })),
      linked_profiles: linkedProfiles,
      consent: this.consent(),
      cart: this.cart(),
      viewed_items: this.viewedItems(CAPS.viewedItems),
      orders: this.sql<OrderRow>`SELECT order_id, total, revenue, currency, products, channel, ts FROM orders ORDER BY ts DESC LIMIT ${CAPS.orders}`.map(orderView),
      channel_history: this.journal.channelHistory().map(touchpointView),
      recent_events: this.journal.recentEvents(),
    };
  }

  /** What the visitor may see of itself: its cart, what it viewed recently, its consent. */
  visitorProfile(): VisitorProfile {
    const nearStore = this.meta.get("near_store");
    return { cart: this.cart(), recently_viewed: this.viewedItems(20), consent: this.consent(), near_store: nearStore ? (JSON.parse(nearStore) as NearStoreView) : null };
  }

  consent(): Record<string, boolean> {
    const consent: Record<string, boolean> = {};
    for (const row of this.sql<{ channel: string; granted: number }>`SELECT channel, granted FROM consent ORDER BY channel`)
      consent[row.channel] = row.granted === 1;
    return consent;
  }

  cart(): CartView {
    return cartView(this.cartLines.lines().map(cartLineView), this.meta.get("cart_updated_at"), this.meta.get("checkout_started_at"));
  }

  /** The cart for a restore, and whether lines came from another device than `anonymousId` (the one asking). */
  cartRead(anonymousId: string | null): CartRead {
    // Each other device once, in the order of (anonymous id, device, channel), a missing device first.
    const key = (l: CartLineRow) => [l.anonymous_id ?? "", l.device === null ? "" : `\u0001${l.device}`, l.channel].join("\u0000");
    const others = new Map<string, { device: string | null; channel: string }>();
    for (const line of this.cartLines.lines())
      if (line.anonymous_id !== null && line.anonymous_id !== anonymousId) others.set(key(line), { device: line.device, channel: line.channel });
    const from = [...others].sort(([a], [b]) => compareText(a, b)).map(([, d]) => d);
    return { ...this.cart(), restored: from.length > 0, restored_from: from };
  }

  viewedItems(limit: number): ViewedItemView[] {
    return this.journal.viewedItems().slice(0, limit).map(viewedItemView);
  }

  /** The viewed items of these products, by product. */
  private viewedOf(productIds: readonly string[]): Map<string, ViewedItemRow> {
    const wanted = new Set(productIds);
    return new Map(this.journal.viewedItems().filter((v) => wanted.has(v.product_id)).map((v) => [v.product_id, v]));
  }

  /**
   * What the recommendations exclude and score from. The whole recently-viewed list (up to its cap)
   * is read only for the type that shows it; every other type needs just the latest category.
   */
  recommendationContext({ recentlyViewed = false } = {}): RecommendationContext {
    const clicks = this.journal.clicks();
    const purchased = new Set<string>();
    for (const row of this.sql<{ products: string }>`SELECT products FROM orders`)
      for (const p of JSON.parse(row.products) as ProductLine[]) purchased.add(p.productId);
    const viewed = this.journal.viewedItems();
    return {
      clicks,
      cart: this.cartProductIds(),
      purchased: [...purchased],
      recentlyViewed: recentlyViewed ? viewed.map((v) => v.product_id) : [],
      lastCategory: viewed.find((v) => v.category)?.category ?? null,
    };
  }

  // ---- facts for messaging ---------------------------------------------------------------------

  /** Traits, parsed, in key order (held so: customer/held-rows.ts). */
  traits(): Record<string, unknown> {
    const traits: Record<string, unknown> = {};
    for (const row of this.heldTraits.rows()) traits[row.key] = JSON.parse(row.value);
    return traits;
  }

  /** The latest identity of a kind (`user_id`, `email`, `phone`), or null. */
  /** Whether this exact address of the customer is confirmed (double opt-in). */
  contactConfirmed(kind: ContactKind, value: string): boolean {
    return this.sql`SELECT 1 FROM identities WHERE kind = ${kind} AND value = ${value} AND confirmed = 1`.length > 0;
  }

  identity(kind: "user_id" | ContactKind): string | null {
    return this.identitiesOf(kind)[0]?.value ?? null;
  }

  /** How the customer can be reached: traits first, then the identities their events carried. */
  contact(traits: Record<string, unknown>): Contact {
    const email = this.contactAddress("email", normalizeEmail(traits.email));
    const phone = this.contactAddress("phone", normalizePhone(traits.phone));
    return {
      email: email.address,
      phone: phone.address,
      messengerId: str(traits.messenger_id),
      push: str(traits.push_token) !== null || this.journal.hasChannel("app"),
      emailConfirmed: email.confirmed,
      phoneConfirmed: phone.confirmed,
    };
  }

  /**
   * The address messages of a kind go to: the one in the traits when it is confirmed, else the
   * newest confirmed one (a browser's new, unconfirmed email does not take over from the one the
   * store vouched for), else the traits' or newest one, unconfirmed.
   */
  private contactAddress(kind: ContactKind, fromTraits: string | undefined): { address: string | null; confirmed: boolean } {
    const known = this.identitiesOf(kind).sort((a, b) => b.confirmed - a.confirmed);
    const traitRow = fromTraits === undefined ? undefined : known.find((r) => r.value === fromTraits);
    if (traitRow?.confirmed === 1) return { address: fromTraits!, confirmed: true };
    if (known[0]?.confirmed === 1) return { address: known[0].value, confirmed: true };
    return { address: fromTraits ?? known[0]?.value ?? null, confirmed: false };
  }

  /** The customer's identities of a kind, last seen first (identity-seen.ts: the time may be in the meta). */
  private identitiesOf(kind: string): { kind: string; value: string; confirmed: number; last_seen: number }[] {
    const rows = this.sql<{ kind: string; value: string; confirmed: number; last_seen: number }>`
      SELECT kind, value, confirmed, last_seen FROM identities WHERE kind = ${kind} ORDER BY last_seen DESC`;
    return withLastSeen(rows, this.meta).sort((a, b) => b.last_seen - a.last_seen);
  }

  /**
   * Contacts a confirmation message should go to: the email or phone in the customer's traits
   * (what they gave last) while it is unconfirmed and was never asked for (one confirmation per
   * address, ever).
   */
  contactsToConfirm(traits: Record<string, unknown>): { kind: ContactKind; value: string }[] {
    const given: [ContactKind, string | undefined][] = [
      ["email", normalizeEmail(traits.email)],
      ["phone", normalizePhone(traits.phone)],
    ];
    return given
      .filter(
        ([kind, value]) =>
          value !== undefined &&
          this.sql`SELECT 1 FROM identities WHERE kind = ${kind} AND value = ${value} AND confirmed = 0 AND confirm_requested_at IS NULL`.length > 0,
      )
      .map(([kind, value]) => ({ kind, value: value! }));
  }

  cartProductIds(): string[] {
    return [...new Set(this.cartLines.lines().map((l) => l.product_id))];
  }

  /** The cart as the trigger planner sees it: line count, version, last change, products. */
  cartSnapshot(): CartSnapshot {
    const lines = this.cartLines.lines();
    const updated = this.meta.get("cart_updated_at");
    return {
      lineCount: lines.length,
      version: cartVersion(lines),
      updatedAt: updated === undefined ? null : Number(updated),
      productIds: new Set(lines.map((l) => l.product_id)),
    };
  }

  viewCounts(productIds: readonly string[]): Map<string, number> {
    return new Map([...this.viewedOf(productIds)].map(([productId, v]) => [productId, v.view_count]));
  }

  /** The last order containing the product, or null. */
  productBoughtAt(productId: string): number | null {
    const [row] = this.sql<{ t: number | null }>`SELECT MAX(o.ts) AS t FROM orders o, json_each(o.products) p WHERE p.value->>'productId' = ${productId}`;
    return row?.t ?? null;
  }

  /** What this customer's own state says about their interest in one product (a catalog change). */
  productInterest(productId: string): ProductInterest {
    return {
      viewedAt: this.viewedOf([productId]).get(productId)?.last_seen ?? null,
      inCart: this.cartLines.lines().some((l) => l.product_id === productId),
      boughtAt: this.productBoughtAt(productId),
    };
  }

  sendFacts(): CustomerSendFacts {
    const [last] = this.sql<{ t: number | null }>`SELECT MAX(ts) AS t FROM orders`;
    const cartProductIds = new Set(this.cartProductIds());
    return {
      cartLineCount: this.cartLines.lines().length,
      cartProductIds,
      lastOrderAt: last?.t ?? null,
      productBoughtAt: (productId) => this.productBoughtAt(productId),
    };
  }

  /** Views and orders per category since `since`: what a favourite category is chosen from. */
  categoryActivity(since: number): CategoryActivity[] {
    const views = new Map<string, number>();
    for (const v of this.journal.viewedItems())
      if (v.category && v.last_seen >= since) views.set(v.category, (views.get(v.category) ?? 0) + v.view_count);
    const orders = this.sql<{ category: string; orders: number }>`
      SELECT p.value->>'category' AS category, COUNT(DISTINCT o.order_id) AS orders FROM orders o, json_each(o.products) p
      WHERE o.ts >= ${since} AND p.value->>'category' IS NOT NULL AND p.value->>'category' <> '' GROUP BY 1`;
    const byCategory = new Map<string, CategoryActivity>();
    for (const [category, count] of views) byCategory.set(category, { category, views: count, orders: 0 });
    for (const o of orders) byCategory.set(o.category, { category: o.category, views: byCategory.get(o.category)?.views ?? 0, orders: o.orders });
    return [...byCategory.values()];
  }

  /** Products the customer already knows (viewed, in the cart, bought): a "new to you" list leaves them out. */
  seenProducts(productIds: readonly string[]): Set<string> {
    const ids = JSON.stringify(productIds);
    const rows = this.sql<{ product_id: string }>`
      SELECT p.value->>'productId' AS product_id FROM orders o, json_each(o.products) p WHERE p.value->>'productId' IN (SELECT value FROM json_each(${ids}))`;
    const wanted = new Set(productIds);
    const inCart = this.cartLines.lines().filter((l) => wanted.has(l.product_id)).map((l) => l.product_id);
    return new Set([...this.viewedOf(productIds).keys(), ...inCart, ...rows.map((r) => r.product_id)]);
  }

  /** What the customer's own state knows of a product: the last cart line, the view, the latest order line. */
  productSources(productId: string): ProductSources {
    const viewed = this.viewedOf([productId]).get(productId);
    const line = this.cartLines
      .lines()
      .filter((l) => l.product_id === productId)
      .reduce<CartLineRow | undefined>((latest, l) => (latest === undefined || l.updated_at > latest.updated_at ? l : latest), undefined);
    // The latest order line of the product, for what neither the cart nor the views know (a clicked cross-sell).
    const [ordered] = this.sql<{ line: string }>`
      SELECT p.value AS line FROM orders o, json_each(o.products) p WHERE p.value->>'productId' = ${productId} ORDER BY o.ts DESC LIMIT 1`;
    return { viewed, line, ordered: ordered ? (JSON.parse(ordered.line) as ProductLine) : undefined };
  }

  // ---- facts for segments ----------------------------------------------------------------------

  /** What segment rules read (segments/inputs.ts), only the parts asked for: a cart change reads no history. */
  segmentInputs(needed: ReadonlySet<SegmentInput>): SegmentInputs {
    const inputs: SegmentInputs = { ...EMPTY_INPUTS };
    if (needed.has("orders"))
      inputs.orders = this.sql<{ total: number | null; revenue: number | null; products: string; ts: number }>`SELECT total, revenue, products, ts FROM orders`.map(
        (r) => orderFact({ ...r, products: JSON.parse(r.products) as ProductLine[] }),
      );
    if (needed.has("cart")) {
      const updated = this.meta.get("cart_updated_at");
      inputs.cart = { lines: this.cartLines.lines().length, updatedAt: updated === undefined ? null : Number(updated) };
    }
    if (needed.has("consent")) inputs.consent = this.consent();
    if (needed.has("traits")) inputs.traits = this.traits();
    if (needed.has("identity")) {
      const kinds = new Set(this.sql<{ kind: string }>`SELECT DISTINCT kind FROM identities WHERE kind != 'user_id' OR verified = 1`.map((r) => r.kind));
      inputs.identities = { userId: kinds.has("user_id"), email: kinds.has("email"), phone: kinds.has("phone") };
    }
    if (needed.has("events"))
      inputs.events = this.journal.latestTouchpoints().map((r) => ({ name: r.event ?? "", channel: r.channel, ts: r.ts }));
    if (needed.has("views"))
      inputs.views = this.journal.viewedItems().map((r) => ({ productId: r.product_id, category: r.category, lastSeen: r.last_seen, viewCount: r.view_count }));
    return inputs;
  }

  order(orderId: string): OrderRow | undefined {
    return this.sql<OrderRow>`SELECT order_id, total, revenue, currency, products, channel, ts FROM orders WHERE order_id = ${orderId}`[0];
  }
}

/** A customer never seen, answered without creating their object's tables (CustomerDO's reads). */
export const EMPTY_VISITOR_PROFILE: VisitorProfile = { cart: cartView([], undefined, undefined), recently_viewed: [], consent: {}, near_store: null };
export const EMPTY_CART_READ: CartRead = { ...EMPTY_VISITOR_PROFILE.cart, restored: false, restored_from: [] };
export const EMPTY_RECOMMENDATION_CONTEXT: RecommendationContext = { clicks: [], cart: [], purchased: [], recentlyViewed: [], lastCategory: null };
