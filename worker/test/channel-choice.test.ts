// Channel choice (pure): explicit preference, else learned from engagement, then the cascade; consent and reachability.
import { describe, expect, it } from "vitest";
import { channelOrder, consentAllows, firstSendableChannel, learnedChannel, type Contact } from "../src/triggers/channels.ts";
import type { MessageChannel } from "../src/triggers/definitions.ts";

const CASCADE: MessageChannel[] = ["email", "messenger", "sms"];
const EVERYWHERE: Contact = { email: "a@example.com", phone: "+15550100", messengerId: null, push: true, emailConfirmed: true, phoneConfirmed: true };

describe("channelOrder", () => {
  it("puts an explicit preference first, whatever the history says", () => {
    const history = [{ channel: "email" as const, opened: 9, clicked: 9 }];
    expect(channelOrder(CASCADE, "SMS", history)).toEqual({ channels: ["sms", "email", "messenger"], chosenBy: "preference" });
  });

  it("else the channel the customer opens and clicks most (a click weighs two opens)", () => {
    const history = [
      { channel: "email" as const, opened: 3, clicked: 0 },
      { channel: "messenger" as const, opened: 1, clicked: 2 },
    ];
    expect(learnedChannel(history, CASCADE)).toBe("messenger");
    expect(channelOrder(CASCADE, undefined, history)).toEqual({ channels: ["messenger", "email", "sms"], chosenBy: "learned" });
  });

  it("else the cascade as configured; a preference outside the cascade, or no engagement, changes nothing", () => {
    expect(channelOrder(CASCADE, "push", [{ channel: "sms", opened: 0, clicked: 0 }])).toEqual({ channels: CASCADE, chosenBy: "cascade" });
  });

  it("breaks a tie by cascade order", () => {
    const history = [
      { channel: "sms" as const, opened: 2, clicked: 0 },
      { channel: "email" as const, opened: 2, clicked: 0 },
    ];
    expect(learnedChannel(history, CASCADE)).toBe("email");
  });
});

describe("consent and reachability", () => {
  it("blocks an explicit no, and needs an explicit yes on opt-in channels", () => {
    expect(consentAllows("email", {}, ["sms"])).toBe(true);
    expect(consentAllows("email", { email: false }, ["sms"])).toBe(false);
    expect(consentAllows("sms", {}, ["sms"])).toBe(false);
    expect(consentAllows("sms", { sms: true }, ["sms"])).toBe(true);
  });

  it("skips channels without consent or an address, and says why", () => {
    const contact: Contact = { email: null, phone: "+15550100", messengerId: null, push: false, emailConfirmed: true, phoneConfirmed: true };
    expect(firstSendableChannel(CASCADE, 0, { messenger: false }, ["sms"], contact)).toEqual({
      found: false,
      skipped: [
        { channel: "email", reason: "unreachable" },
        { channel: "messenger", reason: "no_consent" },
        { channel: "sms", reason: "no_consent" },
      ],
    });
    // Regression: a phone number is an SMS address, not a messenger id (a phone-only customer got messenger messages).
    expect(firstSendableChannel(CASCADE, 0, { sms: true }, ["sms"], contact)).toEqual({
      found: true,
      index: 2,
      channel: "sms",
      skipped: [
        { channel: "email", reason: "unreachable" },
        { channel: "messenger", reason: "unreachable" },
      ],
    });
    expect(firstSendableChannel(CASCADE, 2, { sms: true }, ["sms"], EVERYWHERE)).toMatchObject({ found: true, index: 2, channel: "sms" });
  });
});
