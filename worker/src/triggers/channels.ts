// Which channel a message goes on: explicit preference, else learned from engagement; then the cascade, consent and reachability.
import { isMessageChannel, type MessageChannel } from "./definitions.ts";

/** One channel's engagement with earlier messages to this customer. */
export interface ChannelEngagement {
  channel: MessageChannel;
  opened: number;
  clicked: number;
}

/** What ordered a message's channels: an explicit trait, the customer's own engagement, or the configured cascade. */
export type ChosenBy = "preference" | "learned" | "cascade";

/** How the customer can be reached on each channel, from their traits and identities. */
export interface Contact {
  email: string | null;
  /** An SMS address. Not a messenger id: a phone number alone does not say the customer uses a messenger. */
  phone: string | null;
  /** A messenger id (WhatsApp/Telegram/…) set by the store as the `messenger_id` trait: the only messenger address. */
  messengerId: string | null;
  /** A push token set as the `push_token` trait, or the customer uses the app. */
  push: boolean;
  /**
   * Double opt-in: whether the email / phone above is confirmed (sent by the store's backend, or
   * the customer clicked its confirmation link). Marketing waits for it where the policy asks.
   */
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
}

/** A click says more than an open (opens are inflated by mail privacy proxies that prefetch pixels). */
const CLICK_WEIGHT = 2;

/**
 * The channel the customer engages with most (opens + 2 × clicks across earlier messages), or
 * null when they never engaged. Ties go to the earlier channel in `order`.
 */
export function learnedChannel(history: readonly ChannelEngagement[], order: readonly MessageChannel[]): MessageChannel | null {
  let best: { channel: MessageChannel; score: number; rank: number } | null = null;
  for (const h of history) {
    const score = h.opened + CLICK_WEIGHT * h.clicked;
    if (score <= 0) continue;
    const rank = order.indexOf(h.channel) === -1 ? order.length : order.indexOf(h.channel);
    if (!best || score > best.score || (score === best.score && rank < best.rank)) best = { channel: h.channel, score, rank };
  }
  return best?.channel ?? null;
}

/**
 * The cascade for one message: the explicit preference (a trait) first, else the learned
 * channel, then the rest of the configured cascade in its order. A preference for a channel the
 * trigger does not use is ignored.
 */
export function channelOrder(
  cascade: readonly MessageChannel[],
  preference: unknown,
  history: readonly ChannelEngagement[],
): { channels: MessageChannel[]; chosenBy: ChosenBy } {
  const preferred = typeof preference === "string" ? preference.trim().toLowerCase() : undefined;
  if (isMessageChannel(preferred) && cascade.includes(preferred))
    return { channels: [preferred, ...cascade.filter((c) => c !== preferred)], chosenBy: "preference" };
  const learned = learnedChannel(history, cascade);
  if (learned && cascade.includes(learned))
    return { channels: [learned, ...cascade.filter((c) => c !== learned)], chosenBy: "learned" };
  return { channels: [...cascade], chosenBy: "cascade" };
}

export function reachable(channel: MessageChannel, contact: Contact): boolean {
  switch (channel) {
    case "email":
      return contact.email !== null;
    case "sms":
      return contact.phone !== null;
    case "messenger":
      return contact.messengerId !== null;
    case "push":
      return contact.push;
  }
}

/**
 * Consent per channel: an explicit "no" always blocks; channels in `optIn` need an explicit
 * "yes" (SMS in most markets); the rest are allowed until the customer opts out.
 */
export function consentAllows(channel: MessageChannel, consent: Readonly<Record<string, boolean>>, optIn: readonly MessageChannel[]): boolean {
  const answer = consent[channel];
  if (answer === false) return false;
  return optIn.includes(channel) ? answer === true : true;
}

export type ChannelSkip = { channel: MessageChannel; reason: "no_consent" | "unreachable" | "unconfirmed" };

/** Under double opt-in, an email or SMS goes only to a confirmed address. */
export function confirmedFor(channel: MessageChannel, contact: Contact): boolean {
  if (channel === "email") return contact.emailConfirmed;
  if (channel === "sms") return contact.phoneConfirmed;
  return true;
}

/**
 * The first channel at or after `from` in `channels` that the customer consented to and can be
 * reached on (at a confirmed address, when `doubleOptIn`), with the ones passed over and why.
 */
export function firstSendableChannel(
  channels: readonly MessageChannel[],
  from: number,
  consent: Readonly<Record<string, boolean>>,
  optIn: readonly MessageChannel[],
  contact: Contact,
  doubleOptIn = false,
): { found: true; index: number; channel: MessageChannel; skipped: ChannelSkip[] } | { found: false; skipped: ChannelSkip[] } {
  const skipped: ChannelSkip[] = [];
  for (let i = from; i < channels.length; i++) {
    const channel = channels[i]!;
    if (!consentAllows(channel, consent, optIn)) skipped.push({ channel, reason: "no_consent" });
    else if (!reachable(channel, contact)) skipped.push({ channel, reason: "unreachable" });
    else if (doubleOptIn && !confirmedFor(channel, contact)) skipped.push({ channel, reason: "unconfirmed" });
    else return { found: true, index: i, channel, skipped };
  }
  return { found: false, skipped };
}
