// What an event says about the customer's consent per channel: `Consent Updated`, and `Subscribed` / `Unsubscribed`.
import { canonicalEventName } from "../commerce/ecommerce.ts";
import type { SeamEvent } from "../schemas.ts";
import { MESSAGE_CHANNELS, isMessageChannel } from "../triggers/definitions.ts";
import { SUBSCRIBE_EVENTS, UNSUBSCRIBE_EVENTS } from "../triggers/engagement.ts";
import { channelName } from "./channel.ts";

export interface ConsentChoice {
  channel: string;
  granted: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The consent choices an event makes, in the order given:
 * - `Consent Updated` with `{ consent: { email: true, sms: false } }` (or the map as properties), any channel;
 * - `Subscribed` / `Unsubscribed` with `channel` (or `channels`): the message channels named; an
 *   `Unsubscribed` without one means every message channel, while a `Subscribed` without one
 *   opts in to nothing (an SMS opt-in must be explicit).
 */
export function consentChoices(event: SeamEvent): ConsentChoice[] {
  if (event.type !== "track") return [];
  if (/^consent updated$/i.test(event.event ?? ""))
    return Object.entries(record(event.properties.consent ?? event.properties)).flatMap(([name, granted]) => {
      // `{"text": false}` is the SMS channel's answer: synonyms name the same channel as everywhere else.
      const channel = channelName(name);
      return channel && typeof granted === "boolean" ? [{ channel, granted }] : [];
    });
  const name = canonicalEventName(event.event);
  const granted = SUBSCRIBE_EVENTS.has(name) ? true : UNSUBSCRIBE_EVENTS.has(name) ? false : null;
  if (granted === null) return [];
  const named = [event.properties.channel, ...(Array.isArray(event.properties.channels) ? event.properties.channels : [])]
    .map(channelName)
    .filter(isMessageChannel);
  const channels = named.length ? named : granted ? [] : MESSAGE_CHANNELS;
  return channels.map((channel) => ({ channel, granted }));
}
