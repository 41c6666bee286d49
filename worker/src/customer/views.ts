// How the CustomerDO's rows look through the API: snake_case JSON with ISO times.
import type { ProductLine } from "../commerce/ecommerce.ts";
import type { CartLineView, CartView, Channel, SeamEvent, ViewedItemView } from "../schemas.ts";
import type { LeadSource } from "./attribution-store.ts";
import type { OrderAttributionView, TouchView } from "./attribution-views.ts";
import type { CartLineRow, OrderRow, TouchpointRow, ViewedItemRow } from "./rows.ts";

export interface OrderView {
  order_id: string;
  total: number | null;
  revenue: number | null;
  currency: string | null;
  products: OrderProductView[];
  channel: Channel;
  timestamp: string;
  /** The order's credits under every attribution model (customer/attribution-views.ts); set by the customer store. */
  attribution?: OrderAttributionView | null;
}

/** A product of an order as the API shows it: Segment's snake_case, only the fields that were sent. */
export interface OrderProductView {
  product_id: string;
  variant: string | null;
  quantity: number;
  price?: number;
  currency?: string;
  name?: string;
  category?: string;
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
  /** `confirmed` (emails and phones): the address may get marketing messages under double opt-in. */
  identities: { kind: string; value: string; verified: boolean; confirmed?: boolean; first_seen: string; last_seen: string }[];
  identity_conflicts: { kind: string; value: string; other_profile: string; timestamp: string }[];
  /** Profiles (anonymous visitors, email-only customers) merged into this one; they forward here. */
  linked_profiles: string[];
  consent: Record<string, boolean>;
  cart: CartView;
  viewed_items: ViewedItemView[];
  orders: OrderView[];
  channel_history: TouchpointView[];
  recent_events: SeamEvent[];
  /** Attribution (customer/attribution-views.ts), set by the customer store: the customer's lead source and marketing touches, newest first. */
  lead_source?: LeadSource | null;
  touches?: TouchView[];
  /** The segments the customer is in now (ids). */
  segments?: string[];
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function isoOrNull(ms: string | number | null | undefined): string | null {
  return ms === undefined || ms === null ? null : iso(Number(ms));
}

export function orderProductView(p: ProductLine): OrderProductView {
  const view: OrderProductView = { product_id: p.productId, variant: p.variant || null, quantity: p.quantity };
  if (p.price !== undefined) view.price = p.price;
  if (p.currency !== undefined) view.currency = p.currency;
  if (p.name !== undefined) view.name = p.name;
  if (p.category !== undefined) view.category = p.category;
  return view;
}

export function orderView(r: OrderRow): OrderView {
  return {
    order_id: r.order_id,
    total: r.total,
    revenue: r.revenue,
    currency: r.currency,
    products: (JSON.parse(r.products) as ProductLine[]).map(orderProductView),
    channel: r.channel as Channel,
    timestamp: iso(r.ts),
  };
}

export function touchpointView(r: TouchpointRow): TouchpointView {
  return {
    timestamp: iso(r.ts),
    channel: r.channel as Channel,
    type: r.type,
    event: r.event,
    utm: { source: r.utm_source, medium: r.utm_medium, campaign: r.utm_campaign },
    referrer: r.referrer,
    message_id: r.message_id,
  };
}

export function viewedItemView(r: ViewedItemRow): ViewedItemView {
  return {
    product_id: r.product_id,
    view_count: r.view_count,
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
    name: r.name,
    category: r.category,
    price: r.price,
  };
}

export function cartLineView(r: CartLineRow): CartLineView {
  return {
    product_id: r.product_id,
    variant: r.variant || null,
    quantity: r.quantity,
    name: r.name,
    price: r.price,
    currency: r.currency,
    category: r.category,
    brand: r.brand,
    url: r.url,
    image_url: r.image_url,
    source: { channel: r.channel as Channel, device: r.device },
    added_at: iso(r.added_at),
    updated_at: iso(r.updated_at),
  };
}

/** A cart from its lines: counts, subtotal in the first priced line's currency. */
export function cartView(lines: CartLineView[], updatedAt: string | undefined, checkoutStartedAt: string | undefined): CartView {
  const subtotal = lines.reduce((sum, l) => sum + (l.price ?? 0) * l.quantity, 0);
  return {
    lines,
    item_count: lines.reduce((sum, l) => sum + l.quantity, 0),
    subtotal: Math.round(subtotal * 100) / 100,
    currency: lines.find((l) => l.currency)?.currency ?? null,
    updated_at: isoOrNull(updatedAt),
    checkout_started_at: isoOrNull(checkoutStartedAt),
  };
}
