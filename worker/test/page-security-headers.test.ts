// Seam's HTML pages cannot be framed, load nothing from elsewhere and leak no token by referrer;
// every response is nosniff.
import { describe, expect, it } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

describe("security headers", () => {
  it("the unsubscribe page sends a strict CSP with frame-ancestors 'none', nosniff and no referrer", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const visitor = uid();
    await batch(
      [{ type: "identify", anonymousId: visitor, traits: { email: "t@example.com" }, messageId: crypto.randomUUID() }, trackEvent(visitor, "Order Completed", { order_id: "o" })],
      ws.writeKey,
    );
    const [sent] = await waitForOutbox(ws, visitor, 1);
    const page = await request(new URL(sent.message.payload.links.unsubscribe!).pathname);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
  });

  it("every API answer is nosniff, errors included, and keeps cross-origin reads possible for the widget", async () => {
    for (const res of [await request("/v1/ping"), await request("/v1/nope"), await request("/v1/recs?type=trending&writeKey=wk_demo")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cross-origin-resource-policy")).toBeNull();
    }
  });
});
