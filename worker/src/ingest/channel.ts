// Which channel an event came through: explicit context.channel, else UTM medium, else the sending library.
import { CHANNELS, type Channel } from "../schemas.ts";

/** UTM mediums as stores and email/SMS tools actually set them, mapped to a channel. */
const UTM_MEDIUM_CHANNEL: Record<string, Channel> = {
  email: "email",
  "e-mail": "email",
  newsletter: "email",
  sms: "sms",
  text: "sms",
  mms: "sms",
  messenger: "messenger",
  whatsapp: "messenger",
  telegram: "messenger",
  viber: "messenger",
  chat: "messenger",
  push: "push",
  "web-push": "push",
  webpush: "push",
  pos: "pos",
  store: "pos",
  "call-centre": "call_centre",
  "call-center": "call_centre",
  call_centre: "call_centre",
  phone: "call_centre",
};

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

export function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

/** The UTM medium of an event, from `context.campaign.medium` (Segment's place for it). */
export function utmMedium(context: Record<string, unknown>): string | undefined {
  return text(object(context.campaign)?.medium)?.toLowerCase();
}

/**
 * Derives the channel of an event.
 * Order matters: a store that says where an event came from (a POS sending
 * `context.channel = "pos"`) is believed over any guess; an email click that
 * lands on the website is the email channel's touch, so UTM medium beats the
 * library; only then does the sending library say web, app or server.
 */
export function deriveChannel(context: Record<string, unknown>): Channel {
  if (isChannel(context.channel)) return context.channel;
  const medium = utmMedium(context);
  if (medium) {
    const mapped = UTM_MEDIUM_CHANNEL[medium];
    if (mapped) return mapped;
    // Any other tagged medium (cpc, social, referral, ...) reached the customer on the website or app.
  }
  const library = text(object(context.library)?.name) ?? "";
  if (object(context.app) || MOBILE_LIBRARY.test(library)) return "app";
  if (object(context.page) || text(context.userAgent) || BROWSER_LIBRARY.test(library)) return "web";
  return "server";
}
