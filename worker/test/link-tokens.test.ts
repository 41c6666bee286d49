// Tracking-link tokens and webhook signatures (pure): sealed, tamper-evident, no id in clear; HMAC a receiver can verify.
import { describe, expect, it } from "vitest";
import { openLinkToken, sealLinkToken, withUtm, type LinkClaims } from "../src/messages/links.ts";
import { verifyWebhookSignature, webhookSignature } from "../src/messages/webhook-signature.ts";

const claims: LinkClaims = { k: "c", w: "demo", p: "u:user-42", m: "msg_abc", ch: "email", t: "abandoned-cart", u: "https://shop.example/p/1", pid: "1", l: "p:1" };

describe("link tokens", () => {
  it("round-trips, and shows neither the customer nor the message in clear", async () => {
    const token = await sealLinkToken("secret", claims);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain("user-42");
    expect(atob(token.slice(3).replace(/-/g, "+").replace(/_/g, "/"))).not.toContain("user-42");
    expect(await openLinkToken("secret", token)).toEqual(claims);
  });

  it("refuses a token that was changed, sealed with another secret, or is not a token", async () => {
    const token = await sealLinkToken("secret", claims);
    const flipped = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
    expect(await openLinkToken("secret", flipped)).toBeNull();
    expect(await openLinkToken("other", token)).toBeNull();
    expect(await openLinkToken("secret", "v1.!!!")).toBeNull();
    expect(await openLinkToken("secret", "hello")).toBeNull();
  });

  it("adds UTM parameters without overriding the store's own", () => {
    const url = new URL(withUtm("https://shop.example/p/1?utm_source=newsletter&x=1", "sms", "cart", "msg_1"));
    expect(Object.fromEntries(url.searchParams)).toEqual({ utm_source: "newsletter", x: "1", utm_medium: "sms", utm_campaign: "cart", utm_content: "msg_1" });
  });
});

describe("webhook signature", () => {
  it("verifies with the secret, timestamp and exact body, and refuses anything else", async () => {
    const body = JSON.stringify({ message_id: "m" });
    const signature = await webhookSignature("whsec_1", 1_800_000_000, body);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    const ok = { timestamp: "1800000000", signature, body };
    expect(await verifyWebhookSignature("whsec_1", ok, 1_800_000_010)).toBe(true);
    expect(await verifyWebhookSignature("whsec_2", ok, 1_800_000_010)).toBe(false);
    expect(await verifyWebhookSignature("whsec_1", { ...ok, body: body + " " }, 1_800_000_010)).toBe(false);
    expect(await verifyWebhookSignature("whsec_1", { ...ok, timestamp: "1800000001" }, 1_800_000_010)).toBe(false);
    // Replayed ten minutes later: refused.
    expect(await verifyWebhookSignature("whsec_1", ok, 1_800_000_600)).toBe(false);
  });
});
