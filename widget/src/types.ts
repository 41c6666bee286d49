// The shapes the widget reads from `GET /v1/recs` and the options a placeholder or `mount()` gives it.
// The recs response mirrors the /v1/recs contract; it moves to worker/src/schemas.ts when that route lands.

export const RECS_TYPES = ["for_you", "similar", "bought_together", "trending", "recently_viewed", "cart"] as const;
export type RecsType = (typeof RECS_TYPES)[number];
/** What a strip shows when its placeholder names no type. */
export const DEFAULT_TYPE = "for_you";
/** Cards per strip when the placeholder names no limit: a desktop row and a bit to scroll to. */
export const DEFAULT_LIMIT = 8;

/** One recommended product, snake_case like Segment's product fields. */
export interface RecItem {
  product_id: string;
  name: string;
  url: string;
  image_url?: string | null;
  price?: number | null;
  currency?: string | null;
  category?: string | null;
  brand?: string | null;
  in_stock?: boolean;
  score?: number;
}

export interface RecsResponse {
  recId: string;
  type: RecsType;
  /** Set when the visitor is new and the list is a trending fallback. */
  fallback: "category_trending" | "global_trending" | "catalog_newest" | null;
  items: RecItem[];
}

/** What one strip shows and how it reaches Seam. */
export interface WidgetOptions {
  /** Which list: `similar`, `bought_together`, `trending`, ... (default `for_you`). */
  type?: string;
  /** The product the list is about (`similar`, `bought_together`). */
  item?: string;
  category?: string;
  /** How many cards at most (default 8). */
  limit?: number;
  /** Heading and accessible name of the strip (default: an English title per type). */
  title?: string;
  /** The workspace's public write key. */
  writeKey?: string;
  /** Origin of the Seam edge worker, e.g. `https://seam.example` (default: same origin). */
  host?: string;
  /** Identity when `window.seam` is absent (default: the SDK's localStorage record `seam`, else a new id stored there). */
  anonymousId?: string;
  userId?: string;
  /** HMAC of userId computed by the store's backend (identity verification). */
  userHash?: string;
  /** BCP 47 locale for prices (default: `<html lang>`, else the browser's). */
  locale?: string;
}

/** The part of the Seam SDK (`window.seam`) the widget uses, when the page loads it. */
export interface SeamSdk {
  track?(event: string, properties: Record<string, unknown>): unknown;
  getRecommendations?(options: Record<string, string | number>): Promise<unknown>;
}
