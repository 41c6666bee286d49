// Tracking links: open pixel, click redirect and one-click unsubscribe carry a sealed token, never an id in clear.
import type { MessageChannel } from "../triggers/definitions.ts";
import type { LinkPlan } from "./payload.ts";

/** What a token says. Short keys: every byte is in every link of every message. */
export interface LinkClaims {
  /** o = open pixel, c = click, u = unsubscribe, v = confirm an address: a token for one use cannot be used for another. */
  k: "o" | "c" | "u" | "v";
  /** Workspace and profile key: where the customer's object is. */
  w: string;
  p: string;
  /** Message id, channel and trigger id: what was opened or clicked. */
  m: string;
  ch: MessageChannel;
  t: string;
  /** Click only: the destination, the product it shows, and which link it was (`cart`, `p:<id>`, `r:<id>`). */
  u?: string;
  pid?: string;
  l?: string;
  /** Confirmation only: the email or phone it confirms (sealed, so never in clear in the link). */
  a?: string;
}

const TOKEN_VERSION = "v1";
const IV_BYTES = 12;
/** Binds ciphertexts to this use, so a token sealed for something else with the same key never opens here. */
const AAD = new TextEncoder().encode("seam-link-token-v1");
/** Longer tokens are refused before any crypto: a real one is a few hundred characters. */
export const MAX_TOKEN_LENGTH = 4096;

const keys = new Map<string, Promise<CryptoKey>>();

/** AES-256-GCM key derived (HKDF-SHA-256) from the LINK_SECRET, cached per isolate. */
function linkKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("seam tracking links") },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(secret, key);
  }
  return key;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Seals claims with AES-GCM: the customer's profile key and the message id are encrypted (a
 * forwarded email reveals nothing), and any change to the token makes it fail to open (signed).
 */
export async function sealLinkToken(secret: string, claims: LinkClaims): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plain = new TextEncoder().encode(JSON.stringify(claims));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, await linkKey(secret), plain));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return `${TOKEN_VERSION}.${base64url(out)}`;
}

/** Opens a token, or null when it is malformed, tampered with or sealed with another secret. */
export async function openLinkToken(secret: string, token: string): Promise<LinkClaims | null> {
  if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(`${TOKEN_VERSION}.`)) return null;
  const bytes = fromBase64url(token.slice(TOKEN_VERSION.length + 1));
  if (!bytes || bytes.byteLength <= IV_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: AAD },
      await linkKey(secret),
      bytes.slice(IV_BYTES),
    );
    const claims = JSON.parse(new TextDecoder().decode(plain)) as LinkClaims;
    return typeof claims.w === "string" && typeof claims.p === "string" && typeof claims.m === "string" ? claims : null;
  } catch {
    return null;
  }
}

/** Public paths of the tracking endpoints (routes/tracking.ts serves them). */
export const TRACKING_PATHS = { open: "/v1/t/o/", click: "/v1/t/c/", unsubscribe: "/v1/unsubscribe/", confirm: "/v1/confirm/" } as const;

export function trackingUrl(base: string, kind: keyof typeof TRACKING_PATHS, token: string): string {
  return `${base.replace(/\/+$/, "")}${TRACKING_PATHS[kind]}${token}`;
}

/**
 * The destination of a click with UTM parameters for the channel and trigger, so the visit that
 * follows lands in the customer's history on the message's channel. Parameters the store put on
 * the URL itself win.
 */
export function withUtm(url: string, channel: MessageChannel, triggerId: string, messageId: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const utm = { utm_source: "seam", utm_medium: channel, utm_campaign: triggerId, utm_content: messageId };
  for (const [key, value] of Object.entries(utm)) if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

/** Where tracked links point when TRACKING_BASE_URL is not set: the local `npm run dev` worker. */
export const DEFAULT_TRACKING_BASE_URL = "http://localhost:8787";

/** How links are tracked: the LINK_SECRET that seals tokens (none: untracked links) and the public origin. */
export interface LinkTracking {
  secret: string | undefined;
  baseUrl: string | undefined;
}

/** The link that confirms `address` (double opt-in), or null when links cannot be sealed (no LINK_SECRET). */
export async function confirmationLink(claims: Omit<LinkClaims, "k">, address: string, tracking: LinkTracking): Promise<string | null> {
  if (!tracking.secret) return null;
  const token = await sealLinkToken(tracking.secret, { ...claims, k: "v", a: address });
  return trackingUrl(tracking.baseUrl || DEFAULT_TRACKING_BASE_URL, "confirm", token);
}

/**
 * Click redirects for every planned link, an open pixel (email only: other channels report
 * opens through the SDK) and the one-click unsubscribe link, each with a sealed token. Without
 * a secret the links go untracked, with UTM parameters only.
 */
export async function trackedLinks(plans: readonly LinkPlan[], claims: Omit<LinkClaims, "k">, tracking: LinkTracking) {
  const { secret } = tracking;
  const base = tracking.baseUrl || DEFAULT_TRACKING_BASE_URL;
  const tracked = new Map<string, string>();
  if (!secret) {
    for (const plan of plans) tracked.set(plan.key, withUtm(plan.url, claims.ch, claims.t, claims.m));
    return { tracked, fixed: { open_pixel: null, unsubscribe: null } };
  }
  await Promise.all(
    plans.map(async (plan) => {
      const token = await sealLinkToken(secret, { ...claims, k: "c", u: plan.url, l: plan.key, ...(plan.productId ? { pid: plan.productId } : {}) });
      tracked.set(plan.key, trackingUrl(base, "click", token));
    }),
  );
  const [open, unsubscribe] = await Promise.all([
    claims.ch === "email" ? sealLinkToken(secret, { ...claims, k: "o" }) : null,
    sealLinkToken(secret, { ...claims, k: "u" }),
  ]);
  return {
    tracked,
    fixed: { open_pixel: open && trackingUrl(base, "open", open), unsubscribe: trackingUrl(base, "unsubscribe", unsubscribe) },
  };
}
