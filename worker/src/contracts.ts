// The API's answers as plain types: what the worker returns, and what the SDK and the widget read
// (they import these type-only, so a change here is a compile error there, not a surprise in a
// shopper's browser). No imports: the SDK's published declarations include this file as it is.

/** Every channel a customer can reach or be reached through. */
export const CHANNELS = [
  "web",
  "app",
  "email",
  "sms",
  "messenger",
  "push",
  "pos",
  "call_centre",
  "server",
] as const;
export type Channel = (typeof CHANNELS)[number];

export const EVENT_TYPES = ["track", "identify", "page", "screen", "alias", "group"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type EventStatus = "accepted" | "duplicate" | "rejected";

/** Per-event outcome in an ingest response, in request order. */
export interface EventResult {
  messageId: string | null;
  status: EventStatus;
  /** Present when rejected: a stable machine-readable code. */
  code?: string;
  reason?: string;
}

export interface IngestResponse {
  success: boolean;
  accepted: number;
  duplicate: number;
  rejected: number;
  results: EventResult[];
  /** After a verified identify or alias: the signed-in customer's profile, merge included. */
  profile?: VisitorProfile;
  /**
   * The first-party cookie's visitor id, when the SDK sent a batch marked `fresh` (its storage was
   * empty) and the HttpOnly cookie remembered the visitor: the SDK adopts it.
   */
  anonymousId?: string;
  /** The recommendations the batch asked for (`recs`), one answer per list, in order: a malformed list gets its error. */
  recs?: (RecsResponse | ErrorBody)[];
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** `GET /v1/recs`: the list types, and what an answer holds. */
export const REC_TYPES = ["for_you", "similar", "bought_together", "trending", "recently_viewed", "cart"] as const;
export type RecType = (typeof REC_TYPES)[number];

/**
 * Which list answered when the customer's own signals had nothing (new visitors, unknown items),
 * or, `catalog_newest`, when the store has no trending list yet (no aggregates: a new store).
 */
export type RecsFallback = "category_trending" | "global_trending" | "catalog_newest" | null;

/** A recommended product: the catalog's card and the score that ranked it. */
export interface RecommendedItem {
  product_id: string;
  name: string | null;
  url: string | null;
  image_url: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
  in_stock: boolean;
  score: number;
}

export interface RecsResponse {
  /** An id for this answer: impressions and clicks that carry it (`rec_id`) are attributed to it. */
  recId: string;
  type: RecType;
  fallback: RecsFallback;
  items: RecommendedItem[];
}

/** A cart line as every read API returns it (snake_case like Segment's product fields). */
export interface CartLineView {
  product_id: string;
  variant: string | null;
  quantity: number;
  name: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
  url: string | null;
  image_url: string | null;
  /** Where the line was last changed from. */
  source: { channel: Channel; device: string | null };
  added_at: string;
  updated_at: string;
}

export interface CartView {
  lines: CartLineView[];
  item_count: number;
  /** Sum of price × quantity over lines with a known price, in the first line's currency. */
  subtotal: number;
  currency: string | null;
  updated_at: string | null;
  checkout_started_at: string | null;
}

export interface ViewedItemView {
  product_id: string;
  view_count: number;
  first_seen: string;
  last_seen: string;
  name: string | null;
  category: string | null;
  price: number | null;
}

/** `GET /v1/cart`: the cart, and whether lines came from another device than the one asking. */
export interface CartRead extends CartView {
  /** True when some line was last changed on another device than the one asking. */
  restored: boolean;
  restored_from: { device: string | null; channel: string }[];
}

/** One of the store's shops the visitor is within reach of (from the edge's location of their request). */
export interface NearStoreView {
  store_id: string;
  name: string;
  /** Distance when the visitor came within the store's radius. */
  distance_km: number;
  since: string;
}

/** What a visitor may see of itself through `/v1/profile`: never another customer's data. */
export interface VisitorProfile {
  cart: CartView;
  recently_viewed: ViewedItemView[];
  consent: Record<string, boolean>;
  /** The store the visitor is near, for a banner ("We're 300 m away"); null when none. */
  near_store: NearStoreView | null;
}

// ---- reports (secret key or dashboard session; worker/src/kpis/reports.ts builds them) ----------

/** How an order's value is shared among the touches before it (attribution/models.ts). */
export type AttributionModel = "first_touch" | "last_touch" | "linear" | "position_based";
/** What a report row is per: the field naming it in each row of that report. */
export type ReportKey = "channel" | "campaign" | "trigger" | "source";

/** One row of the channels, campaigns, triggers or sources report (named by its dimension: `channel`, `campaign` …). */
export type ReportRow = { [K in ReportKey]?: string } & {
  touches: number;
  customers: number;
  new_leads: number;
  orders: number;
  revenue: number;
  messages_sent: number;
  messages_delivered: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  /** The triggers report only: runs started, and runs ended early per reason (order_completed, cart_emptied …). */
  entered?: number;
  exits?: Record<string, number>;
};

/** `GET /v1/reports/channels|campaigns|triggers|sources`. */
export interface Report {
  model: AttributionModel;
  from: string;
  to: string;
  rows: ReportRow[];
}

/** `GET /v1/reports/timeseries`: one point per day (0 where nothing happened) per key, the largest keys. */
export interface Timeseries {
  metric: "revenue" | "orders" | "touches";
  by: ReportKey;
  model: AttributionModel;
  from: string;
  to: string;
  series: { key: string; total: number; points: { date: string; value: number }[] }[];
}

/** `GET /v1/reports/funnel`. */
export interface FunnelReport {
  from: string;
  to: string;
  /** Customers who viewed a product, added one to the cart, ordered: per day, summed over the range (a customer active on two days counts twice). */
  steps: { step: "views" | "carts" | "orders"; customers: number }[];
}

/** `GET /v1/reports/recs`: one row per list type; orders and revenue of products clicked in that list. */
export interface RecsReport {
  from: string;
  to: string;
  rows: { type: string; impressions: number; clicks: number; orders: number; revenue: number }[];
}
