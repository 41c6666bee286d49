// context.channel synonyms (call_center, text, till …) land on one channel list, in events and in consent.
import { describe, expect, it } from "vitest";
import { CHANNEL_SYNONYMS, channelName, deriveChannel } from "../src/ingest/channel.ts";
import { CHANNELS } from "../src/schemas.ts";
import { backendBatch, batch, customer, trackEvent, uid } from "./helpers.ts";

describe("channel names", () => {
  it.each([
    ["call_center", "call_centre"],
    ["Call Center", "call_centre"],
    ["call-centre", "call_centre"],
    ["contact center", "call_centre"],
    ["text", "sms"],
    ["SMS", "sms"],
    ["e-mail", "email"],
    ["WhatsApp", "messenger"],
    ["web-push", "push"],
    ["till", "pos"],
    ["in-store", "pos"],
    ["website", "web"],
    ["iOS", "app"],
    ["backend", "server"],
  ])("%s → %s", (name, channel) => {
    expect(channelName(name)).toBe(channel);
    expect(deriveChannel({ channel: name })).toBe(channel);
  });

  it("knows every channel by its own name, and nothing else", () => {
    for (const channel of CHANNELS) expect(channelName(channel)).toBe(channel);
    expect(new Set(Object.values(CHANNEL_SYNONYMS))).toEqual(new Set(CHANNELS));
    for (const unknown of ["fax", "__proto__", "constructor", "", "x".repeat(100)]) expect(channelName(unknown)).toBeUndefined();
  });

  it("an unknown context.channel falls back to the UTM medium, then the library", () => {
    expect(deriveChannel({ channel: "fax", campaign: { medium: "newsletter" } })).toBe("email");
    expect(deriveChannel({ channel: "fax", library: { name: "analytics-ios" } })).toBe("app");
    // A medium that names no way of reaching a customer (web, cpc) leaves it to the library.
    expect(deriveChannel({ campaign: { medium: "web" }, library: { name: "analytics-ios" } })).toBe("app");
  });

  it("stores the normalised channel with the event, and consent by synonym", async () => {
    const id = uid();
    await backendBatch([
      trackEvent(id, "Call Logged", {}, { context: { channel: "Call Center" } }),
      trackEvent(id, "Consent Updated", { consent: { text: false, "e-mail": true } }, { context: { channel: "till" } }),
    ]);
    const state = (await customer(id)).body;
    expect(state.channel_history.map((t) => t.channel).sort()).toEqual(["call_centre", "pos"]);
    expect(state.consent).toEqual({ email: true, sms: false });
    await batch([trackEvent(id, "Unsubscribed", { channel: "text message" })]);
    expect((await customer(id)).body.consent.sms).toBe(false);
  });
});
