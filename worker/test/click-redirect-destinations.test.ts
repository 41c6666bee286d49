// Regression (security): a cart or order line's `url` from a write-key event was sealed into click
// tokens ahead of everything else, so `/v1/t/c/:token` redirected wherever a browser said (open redirect).
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { forgetCachedLookups } from "../src/stores/recs-lookups.ts";
import { productDestination, type LinkRules } from "../src/messages/payload.ts";
import { ADMIN_TOKEN, batch, request, trackEvent, uid } from "./helpers.ts";
import { admin, messagingWorkspace, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

const POST_PURCHASE = { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } };

/** Sends an order whose lines carry the given urls; answers where each product's click link redirects. */
async function clickTargets(ws: MessagingWorkspace, lines: { product_id: string; url?: string }[]) {
  const visitor = uid();
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: "buyer@example.com" }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Order Completed", { order_id: uid("order"), products: lines }),
    ],
    ws.writeKey,
  );
  const [message] = await waitForOutbox(ws, visitor, 1);
  const payload = message.message.payload;
  const targets: Record<string, string | null> = {};
  for (const product of payload.products) {
    if (!product.link) {
      targets[product.product_id] = null;
      continue;
    }
    const res = await request(new URL(product.link).pathname, { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    // The untracked `url` in the payload obeys the same rule as the tracked link.
    expect(product.url).toBe(`${location.origin}${location.pathname}`);
    targets[product.product_id] = `${location.origin}${location.pathname}`;
  }
  return targets;
}

describe("click redirects go only where the store sends them", () => {
  it("never redirects to an event url on a foreign origin: the template (or the store's home) stands in", async () => {
    const ws = await messagingWorkspace({ triggers: POST_PURCHASE });
    const targets = await clickTargets(ws, [
      { product_id: "phish", url: "https://evil.example/login" },
      { product_id: "js", url: "javascript:alert(1)" },
      { product_id: "tent", url: "https://shop.example/p/tent" },
    ]);
    expect(targets).toEqual({ phish: "https://shop.example/", js: "https://shop.example/", tent: "https://shop.example/p/tent" });

    const templated = await messagingWorkspace({ triggers: POST_PURCHASE });
    await admin(templated, "PUT", "/messaging", { caps: [], quiet_hours: null, opt_in_channels: [], double_opt_in: false, links: { product_url: "https://shop.example/products/{product_id}" } });
    expect(await clickTargets(templated, [{ product_id: "phish", url: "https://evil.example/login" }])).toEqual({
      phish: "https://shop.example/products/phish",
    });
  });

  it("lets `*` send events but never choose a destination", async () => {
    const ws = await messagingWorkspace({ triggers: POST_PURCHASE });
    const patched = await request(`/admin/workspaces/${ws.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ allowedOrigins: ["*"] }),
    });
    expect(patched.status).toBe(200);
    // No explicit origin, no template, no home: no link at all rather than the browser's.
    expect(await clickTargets(ws, [{ product_id: "tent", url: "https://shop.example/p/tent" }])).toEqual({ tent: null });
  });

  it("prefers the catalog's url (sent with the secret key) over the event's", async () => {
    const ws = await messagingWorkspace({ triggers: POST_PURCHASE });
    const res = await request("/v1/catalog/products", {
      method: "POST",
      headers: { authorization: `Bearer ${ws.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ product_id: "tent", name: "Tent", url: "https://cdn.shop-assets.example/tent" }),
    });
    expect(res.status).toBe(200);
    await vi.waitUntil(async () => (await env.RECS_KV.get(`card:${ws.id}:tent`)) !== null, { timeout: 5000 });
    forgetCachedLookups();
    expect(await clickTargets(ws, [{ product_id: "tent", url: "https://shop.example/p/old-tent" }])).toEqual({
      tent: "https://cdn.shop-assets.example/tent",
    });
  });
});

describe("productDestination", () => {
  const rules: LinkRules = { product_url: null, cart_url: null, home_url: null, allowed_origins: ["https://*.shop.example"] };
  it("takes an event url on a subdomain the workspace allows, and nothing that only looks like one", () => {
    const none = new Map<string, string>();
    expect(productDestination({ product_id: "a", url: "https://www.shop.example/a" }, none, rules)).toBe("https://www.shop.example/a");
    expect(productDestination({ product_id: "a", url: "https://www.shop.example.evil.example/a" }, none, rules)).toBeNull();
    expect(productDestination({ product_id: "a", url: "https://evilshop.example/a" }, none, rules)).toBeNull();
    expect(productDestination({ product_id: "a", url: "//www.shop.example/a" }, none, rules)).toBeNull();
    expect(productDestination({ product_id: "a", url: "https://x" }, none, { ...rules, home_url: "https://shop.example/" })).toBe("https://shop.example/");
  });
});
