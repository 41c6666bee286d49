// The merge rules for two profiles of one person, as a pure function over snapshots of their state.
import type {
  CartLineRow,
  ConsentRow,
  IdentityRow,
  ItemClickRow,
  OrderAttributionRow,
  OrderRow,
  RecentEventRow,
  SeenMessageRow,
  TouchpointRow,
  TouchRow,
  TraitRow,
  ViewedItemRow,
} from "../customer/rows.ts";
import { CAPS, SCHEMA_VERSION_KEY } from "../customer/schema.ts";

/** One row per table, as stored; what a CustomerDO exports when it hands its state over. */
export interface CustomerSnapshot {
  meta: Record<string, string>;
  traits: TraitRow[];
  identities: IdentityRow[];
  cart_lines: CartLineRow[];
  viewed_items: ViewedItemRow[];
  orders: OrderRow[];
  touchpoints: TouchpointRow[];
  recent_events: RecentEventRow[];
  seen_messages: SeenMessageRow[];
  consent: ConsentRow[];
  item_clicks: ItemClickRow[];
  touches: TouchRow[];
  order_attribution: OrderAttributionRow[];
}

export type { CartLineRow };

export const EMPTY_SNAPSHOT: CustomerSnapshot = {
  meta: {},
  traits: [],
  identities: [],
  cart_lines: [],
  viewed_items: [],
  orders: [],
  touchpoints: [],
  recent_events: [],
  seen_messages: [],
  consent: [],
  item_clicks: [],
  touches: [],
  order_attribution: [],
};

/** Meta keys that describe the object itself, not the person: never taken from the other side (kpi_marks: the object's own daily counting). */
const OWN_META = new Set([
  "workspace_id", "profile_key", "forward_to", SCHEMA_VERSION_KEY, "session_seq", "session_last_ts", "marks_day", "kpi_marks",
  // The current session's clicks kept for pairing (customer/session-pairs.ts): this object's session only.
  "pair_window_view", "pair_window_cart", "pair_window_buy",
]);

function byKey<T>(rows: T[], key: (row: T) => string): Map<string, T> {
  return new Map(rows.map((row) => [key(row), row]));
}

/** Union of two row lists by key; `pick` decides between two rows with the same key. */
function unionBy<T>(into: T[], from: T[], key: (row: T) => string, pick: (a: T, b: T) => T): T[] {
  const merged = byKey(into, key);
  for (const row of from) {
    const k = key(row);
    const existing = merged.get(k);
    merged.set(k, existing ? pick(existing, row) : row);
  }
  return [...merged.values()];
}

function newest<T>(rows: T[], time: (row: T) => number, cap: number): T[] {
  return rows.sort((a, b) => time(b) - time(a)).slice(0, cap);
}

function numberMeta(meta: Record<string, string>, key: string): number | undefined {
  return meta[key] === undefined ? undefined : Number(meta[key]);
}

/**
 * Merges `from` (usually an anonymous visitor) into `into` (the identified customer):
 * - cart: union line by line; for the same product and variant the most recently changed line wins;
 * - viewed items: counts summed, first seen = earliest, last seen = latest;
 * - channel history, orders, raw events, marketing touches and order credits: concatenated in time
 *   order (orders, messages and touches by id), so the customer's orders are credited to touches
 *   made while they were still anonymous;
 * - traits: last write wins by event time; identities: union;
 * - consent: the most restrictive answer wins (a "no" on either side stays a "no");
 * - every list is cut back to its cap, newest kept.
 * Pure, so it is tested directly; the CustomerDO guards against merging the same source twice.
 */
export function mergeSnapshots(into: CustomerSnapshot, from: CustomerSnapshot): CustomerSnapshot {
  const later = <T extends { updated_at: number }>(a: T, b: T) => (b.updated_at > a.updated_at ? b : a);

  const cart_lines = newest(
    unionBy(into.cart_lines, from.cart_lines, (l) => `${l.product_id}\u0000${l.variant}`, (a, b) =>
      b.updated_at > a.updated_at ? { ...b, added_at: Math.min(a.added_at, b.added_at) } : { ...a, added_at: Math.min(a.added_at, b.added_at) },
    ),
    (l) => l.updated_at,
    CAPS.cartLines,
  );

  const viewed_items = newest(
    unionBy(into.viewed_items, from.viewed_items, (v) => v.product_id, (a, b) => {
      const recent = b.last_seen > a.last_seen ? b : a;
      return {
        ...recent,
        view_count: a.view_count + b.view_count,
        first_seen: Math.min(a.first_seen, b.first_seen),
        last_seen: Math.max(a.last_seen, b.last_seen),
        name: recent.name ?? a.name ?? b.name,
        category: recent.category ?? a.category ?? b.category,
        price: recent.price ?? a.price ?? b.price,
      };
    }),
    (v) => v.last_seen,
    CAPS.viewedItems,
  );

  const consent = unionBy(into.consent, from.consent, (c) => c.channel, (a, b) =>
    a.granted === 0 || b.granted === 0
      ? { channel: a.channel, granted: 0, updated_at: Math.max(a.updated_at, b.updated_at) }
      : later(a, b),
  );

  // An identity new to `into` is not in the directory under `into`'s name yet: it must be claimed.
  const fromIdentities = from.identities.map((i) => ({ ...i, claimed: 0 }));
  const identities = newest(
    unionBy(into.identities, fromIdentities, (i) => `${i.kind}\u0000${i.value}`, (a, b) => ({
      ...a,
      verified: Math.max(a.verified, b.verified),
      // A confirmation on either device holds for the address; one request for it is enough.
      confirmed: Math.max(a.confirmed, b.confirmed),
      confirm_requested_at: a.confirm_requested_at ?? b.confirm_requested_at,
      first_seen: Math.min(a.first_seen, b.first_seen),
      last_seen: Math.max(a.last_seen, b.last_seen),
    })),
    (i) => i.last_seen,
    CAPS.identities,
  );

  const meta = { ...into.meta };
  const min = (key: string) => {
    const values = [numberMeta(into.meta, key), numberMeta(from.meta, key)].filter((v) => v !== undefined);
    if (values.length) meta[key] = String(Math.min(...values));
  };
  const max = (key: string) => {
    const values = [numberMeta(into.meta, key), numberMeta(from.meta, key)].filter((v) => v !== undefined);
    if (values.length) meta[key] = String(Math.max(...values));
  };
  min("first_seen");
  max("last_seen");
  max("cart_updated_at");
  max("checkout_started_at");
  // The visit in progress is the side's that was active last (a sign-in continues the visitor's visit, no new touch).
  if (Number(from.meta.visit_at ?? -Infinity) > Number(into.meta.visit_at ?? -Infinity))
    for (const key of ["visit_at", "visit_touch"]) if (from.meta[key] !== undefined) meta[key] = from.meta[key]!;
  meta.event_count = String((numberMeta(into.meta, "event_count") ?? 0) + (numberMeta(from.meta, "event_count") ?? 0));
  for (const [key, value] of Object.entries(from.meta))
    if (!OWN_META.has(key) && meta[key] === undefined) meta[key] = value;

  return {
    meta,
    traits: newest(unionBy(into.traits, from.traits, (t) => t.key, later), (t) => t.updated_at, CAPS.traits),
    identities,
    cart_lines,
    viewed_items,
    orders: newest(unionBy(into.orders, from.orders, (o) => o.order_id, (a) => a), (o) => o.ts, CAPS.orders),
    touchpoints: newest(
      unionBy(into.touchpoints, from.touchpoints, (t) => t.message_id, (a) => a),
      (t) => t.ts,
      CAPS.touchpoints,
    ).reverse(),
    recent_events: newest(
      unionBy(into.recent_events, from.recent_events, (e) => e.message_id, (a) => a),
      (e) => e.ts,
      CAPS.recentEvents,
    ).reverse(),
    seen_messages: newest(
      unionBy(into.seen_messages, from.seen_messages, (m) => m.message_id, (a) => a),
      (m) => m.received_at,
      CAPS.seenMessages,
    ).reverse(),
    consent,
    // Both devices' clicks, interleaved in time: the merged customer's recent session.
    item_clicks: newest([...into.item_clicks, ...from.item_clicks], (c) => c.ts, CAPS.itemClicks).reverse(),
    touches: newest(unionBy(into.touches, from.touches, (t) => t.event_id, (a) => a), (t) => t.ts, CAPS.touches).reverse(),
    order_attribution: newest(unionBy(into.order_attribution, from.order_attribution, (o) => o.order_id, (a) => a), (o) => o.ts, CAPS.orderAttribution),
  };
}
