// Which channel an event came through: explicit context.channel (synonyms normalised), else UTM medium, else the sending library.
import type { Channel } from "../schemas.ts";

/**
 * Every name stores and tools use for a channel, mapped to Seam's one list (CHANNELS). Keys are
 * normalised by channelName: lower case, spaces and hyphens as `_`. The README's channel table is
 * this list; keep them in step.
 */
export const CHANNEL_SYNONYMS: Readonly<Record<string, Channel>> = {
  web: "web", website: "web", site: "web", browser: "web", desktop_web: "web", mobile_web: "web",
  app: "app", mobile_app: "app", ios: "app", android: "app", in_app: "app",
  email: "email", e_mail: "email", mail: "email", newsletter: "email",
  sms: "sms", text: "sms", text_message: "sms", mms: "sms",
  messenger: "messenger", whatsapp: "messenger", telegram: "messenger", viber: "messenger", chat: "messenger", facebook_messenger: "messenger",
  push: "push", web_push: "push", webpush: "push", push_notification: "push", notification: "push",
  pos: "pos", store: "pos", shop: "pos", in_store: "pos", instore: "pos", retail: "pos", till: "pos",
  call_centre: "call_centre", call_center: "call_centre", callcentre: "call_centre", callcenter: "call_centre",
  contact_centre: "call_centre", contact_center: "call_centre", phone: "call_centre", telephone: "call_centre", call: "call_centre",
  server: "server", backend: "server", api: "server",
};

/**
 * Channels a UTM medium may name. A campaign link tagged `medium=email` (or `newsletter`) is the
 * email channel's touch wherever it lands; `web`, `app` or `server` as a medium says nothing about
 * how the customer was reached, so the library decides those.
 */
const UTM_CHANNELS: ReadonlySet<Channel> = new Set(["email", "sms", "messenger", "push", "pos", "call_centre"]);

/** Longest channel name (or synonym) worth looking up; anything longer is no channel name. */
const MAX_CHANNEL_NAME = 40;

const MOBILE_LIBRARY = /ios|android|react-native|flutter|swift|kotlin|mobile|seam-app/i;
const BROWSER_LIBRARY = /analytics\.js|analytics-next|seam-web|seam\.js|browser/i;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Seam's channel for a name as a store sent it (`Call Center`, `text`, `e-mail` …), or undefined for no known channel. */
export function channelName(value: unknown): Channel | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CHANNEL_NAME) return undefined;
  const key = value.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return Object.hasOwn(CHANNEL_SYNONYMS, key) ? CHANNEL_SYNONYMS[key] : undefined;
}

/** The UTM medium of an event, from `context.campaign.medium` (Segment's place for it). */
export function utmMedium(context: Record<string, unknown>): string | undefined {
  return text(object(context.campaign)?.medium)?.toLowerCase();
}

/** The channel a UTM medium names (`newsletter` → email), or undefined when it names none (cpc, social …). */
export function utmChannel(medium: string | undefined): Channel | undefined {
  const channel = channelName(medium);
  return channel && UTM_CHANNELS.has(channel) ? channel : undefined;
}

/**
 * Derives the channel of an event.
 * Order matters: a store that says where an event came from (a POS sending
 * `context.channel = "pos"`, or `"till"`) is believed over any guess; an email click that
 * lands on the website is the email channel's touch, so UTM medium beats the
 * library; only then does the sending library say web, app or server.
 */
export function deriveChannel(context: Record<string, unknown>): Channel {
  const explicit = channelName(context.channel);
  if (explicit) return explicit;
  // Any other tagged medium (cpc, social, referral, ...) reached the customer on the website or app.
  const fromMedium = utmChannel(utmMedium(context));
  if (fromMedium) return fromMedium;
  const library = text(object(context.library)?.name) ?? "";
  if (object(context.app) || MOBILE_LIBRARY.test(library)) return "app";
  if (object(context.page) || text(context.userAgent) || BROWSER_LIBRARY.test(library)) return "web";
  return "server";
}
