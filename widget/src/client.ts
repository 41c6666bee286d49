// How the widget talks to Seam: through the page's SDK when there is one, else straight to the edge.
import { DEFAULT_TYPE, type RecItem, type RecsResponse, type SeamSdk, type WidgetOptions } from "./types.ts";

/**
 * The SDK's identity record in localStorage (`{"a": anonymousId, …}`). Without the SDK on the page
 * the widget reads and, for a new visitor, writes the same record, so the SDK loaded later (or on
 * another page) carries on with the same visitor.
 */
export const IDENTITY_KEY = "seam";
/**
 * How long to wait for `window.seam.getRecommendations` before asking the edge directly. The SDK's
 * snippet queues calls until seam.js loads; if that script is blocked or slow, the strip would keep
 * its skeleton forever without this.
 */
export const SDK_TIMEOUT_MS = 3000;
export const WIDGET_VERSION = "0.1.0";

const SDK_TIMED_OUT = Symbol("timeout");

/** The page's Seam SDK, looked up on every call: it may load after the widget. */
export function seamSdk(): SeamSdk | undefined {
  const seam = (globalThis as { seam?: SeamSdk }).seam;
  return seam && typeof seam === "object" ? seam : undefined;
}

function uuid(): string {
  // randomUUID exists only in secure contexts; a store's plain-http staging site still gets ids.
  return crypto.randomUUID?.() ?? Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/** The id of this page view when storage is off, so its impression and clicks still join up. */
let pageAnonymousId: string | undefined;

/** The visitor's anonymous id without the SDK: given, else stored, else created and stored. */
export function anonymousId(options: WidgetOptions): string {
  if (options.anonymousId) return options.anonymousId;
  try {
    let id = (JSON.parse(localStorage.getItem(IDENTITY_KEY) || "{}") as { a?: string }).a;
    if (!id) localStorage.setItem(IDENTITY_KEY, JSON.stringify({ a: (id = uuid()) }));
    return id;
  } catch {
    // Safari private mode, a sandboxed iframe, a full quota: storage throws.
    return (pageAnonymousId ||= uuid());
  }
}

/** A Seam URL; `host` may come with a trailing slash from a hand-written data-host. */
function endpoint(options: WidgetOptions, path: string): string {
  return (options.host || "").replace(/\/+$/, "") + path;
}

function recsParams(options: WidgetOptions): Record<string, string | number> {
  const params: Record<string, string | number> = { type: options.type || DEFAULT_TYPE };
  if (options.item) params.item = options.item;
  if (options.category) params.category = options.category;
  if (options.limit) params.limit = options.limit;
  return params;
}

function isItem(value: unknown): value is RecItem {
  const item = value as RecItem | null;
  return !!item && typeof item.product_id === "string" && typeof item.url === "string" && typeof item.name === "string";
}

/** Keeps only a well-formed, non-empty answer; anything else means "render nothing". */
function usable(body: unknown, limit: number | undefined): RecsResponse | null {
  const response = body as RecsResponse | null;
  if (!response || !Array.isArray(response.items)) return null;
  const items = response.items.filter(isItem).slice(0, limit || undefined);
  return items.length ? { ...response, items } : null;
}

async function fetchRecs(options: WidgetOptions): Promise<unknown> {
  const query: Record<string, string | number> = { ...recsParams(options), anonymousId: anonymousId(options) };
  if (options.userId && options.userHash) {
    query.userId = options.userId;
    query.userHash = options.userHash;
  }
  if (options.writeKey) query.writeKey = options.writeKey;
  // A plain GET with the key in the query: no custom header, so the browser sends no CORS preflight.
  const response = await fetch(`${endpoint(options, "/v1/recs")}?${new URLSearchParams(query as Record<string, string>)}`);
  return response.ok ? response.json() : null;
}

/**
 * Loads a strip's recommendations. Resolves to null (never rejects) on an error answer, a network
 * failure or an empty list, so a broken edge leaves the product page as it was.
 */
export async function loadRecs(options: WidgetOptions): Promise<RecsResponse | null> {
  try {
    const sdk = seamSdk();
    let body: unknown = SDK_TIMED_OUT;
    if (typeof sdk?.getRecommendations === "function") {
      // The SDK knows the signed-in user and its userHash; the widget alone only knows the device.
      body = await Promise.race([
        sdk.getRecommendations(recsParams(options)),
        new Promise((resolve) => setTimeout(resolve, SDK_TIMEOUT_MS, SDK_TIMED_OUT)),
      ]);
    }
    if (body === SDK_TIMED_OUT) body = await fetchRecs(options);
    return usable(body, options.limit);
  } catch {
    return null;
  }
}

/**
 * Sends one track event without delaying the page: through the SDK's queue when it is there, else as
 * a beacon, which the browser delivers even while it navigates away.
 */
export function track(options: WidgetOptions, event: string, properties: Record<string, unknown>): void {
  try {
    const sdk = seamSdk();
    if (typeof sdk?.track === "function") {
      sdk.track(event, properties);
      return;
    }
    const context: Record<string, unknown> = {
      library: { name: "seam-widget", version: WIDGET_VERSION },
      // A page and no explicit channel: the edge records the web channel, as for the SDK's own events.
      page: { url: location.href },
    };
    const body: Record<string, unknown> = {
      type: "track",
      event,
      properties,
      writeKey: options.writeKey,
      anonymousId: anonymousId(options),
      messageId: uuid(),
      timestamp: new Date().toISOString(),
      context,
    };
    if (options.userId && options.userHash) {
      body.userId = options.userId;
      context.userHash = options.userHash;
    }
    const url = endpoint(options, "/v1/track");
    // A string body goes as text/plain: a simple request, so no preflight can hold it up.
    const payload = JSON.stringify(body);
    if (!navigator.sendBeacon?.(url, payload)) fetch(url, { method: "POST", body: payload, keepalive: true }).catch(() => {});
  } catch {
    // Analytics must never break the shop.
  }
}
