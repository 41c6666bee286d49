// The shapes the widget reads from `GET /v1/recs` and the options a placeholder or `mount()` gives it.
// The answer's types are the worker's own (worker/src/contracts.ts), imported type-only: no byte of them ships.
import type { RecommendedItem, RecsResponse as RecsAnswer, RecType } from "../../worker/src/contracts.ts";

export type RecsType = RecType;
/** What a strip shows when its placeholder names no type. */
export const DEFAULT_TYPE = "for_you";
/** Cards per strip when the placeholder names no limit: a desktop row and a bit to scroll to. */
export const DEFAULT_LIMIT = 8;

/** One recommended product the strip can show: the API's item, with the name and link a card needs. */
export type RecItem = RecommendedItem & { name: string; url: string };

/** `GET /v1/recs`, keeping the items a card can show (client.ts drops the others). */
export interface RecsResponse extends Omit<RecsAnswer, "items"> {
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
