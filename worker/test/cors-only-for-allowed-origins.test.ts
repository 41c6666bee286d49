// Regression (security): CORS echoed any Origin, with credentials, on every /v1/* response —
// refusals and secret-key routes included — so any site could read what Seam answered.
import { describe, expect, it } from "vitest";
import { batch, createWorkspace, post, request, trackEvent, uid, DEMO_SECRET_KEY, ADMIN_TOKEN } from "./helpers.ts";

const SHOP = "https://shop.example";
const EVIL = "https://evil.example";

function cors(res: Response) {
  return {
    origin: res.headers.get("access-control-allow-origin"),
    credentials: res.headers.get("access-control-allow-credentials"),
  };
}

describe("CORS answers only a workspace's own origins, on browser routes", () => {
  it("echoes an allowed origin on ingest and visitor reads, without credentials when no cookie is used", async () => {
    const { keys } = await createWorkspace({ name: "Cors shop", allowedOrigins: [SHOP] });
    const visitor = uid();
    const res = await post("/v1/batch", { batch: [trackEvent(visitor, "Product Viewed", { product_id: "p" })] }, keys.write_key, { origin: SHOP });
    expect(res.status).toBe(200);
    expect(cors(res)).toEqual({ origin: SHOP, credentials: null });
    expect(res.headers.get("vary")).toContain("Origin");
    for (const path of ["/v1/profile", "/v1/cart", "/v1/recs"]) {
      const query = new URLSearchParams({ writeKey: keys.write_key, anonymousId: visitor, type: "for_you" });
      const read = await request(`${path}?${query}`, { headers: { origin: SHOP } });
      expect(read.status, path).toBe(200);
      expect(cors(read), path).toEqual({ origin: SHOP, credentials: null });
    }
  });

  it("sends Allow-Credentials on ingest only for a workspace that uses its first-party cookie", async () => {
    const { keys } = await createWorkspace({ name: "Cookie shop", allowedOrigins: [SHOP], settings: { firstPartyCookie: true } });
    const res = await post("/v1/batch", { batch: [trackEvent(uid(), "X")] }, keys.write_key, { origin: SHOP });
    expect(cors(res)).toEqual({ origin: SHOP, credentials: "true" });
    const read = await request(`/v1/profile?writeKey=${keys.write_key}&anonymousId=${uid()}`, { headers: { origin: SHOP } });
    expect(cors(read)).toEqual({ origin: SHOP, credentials: null });
  });

  it("gives a refused origin or key nothing to read", async () => {
    const { keys } = await createWorkspace({ name: "Refusing shop", allowedOrigins: [SHOP] });
    const refusedOrigin = await post("/v1/batch", { batch: [trackEvent(uid(), "X")] }, keys.write_key, { origin: EVIL });
    expect(refusedOrigin.status).toBe(403);
    expect(cors(refusedOrigin)).toEqual({ origin: null, credentials: null });
    const unknownKey = await post("/v1/batch", { batch: [trackEvent(uid(), "X")] }, "wk_nope", { origin: EVIL });
    expect(unknownKey.status).toBe(401);
    expect(cors(unknownKey)).toEqual({ origin: null, credentials: null });
    const refusedRead = await request(`/v1/recs?writeKey=${keys.write_key}&type=trending`, { headers: { origin: EVIL } });
    expect(refusedRead.status).toBe(403);
    expect(cors(refusedRead)).toEqual({ origin: null, credentials: null });
  });

  it("never answers CORS on secret-key, operator or tracking routes, whatever the origin", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "X")]);
    const secret = { authorization: `Bearer ${DEMO_SECRET_KEY}`, origin: SHOP };
    for (const [path, headers] of [
      [`/v1/customers/${visitor}`, secret],
      ["/v1/admin/triggers", secret],
      ["/v1/outbox", secret],
      ["/admin/workspaces/demo", { authorization: `Bearer ${ADMIN_TOKEN}`, origin: SHOP }],
      ["/v1/t/o/v1.bogus", { origin: SHOP }],
    ] as const) {
      const res = await request(path, { headers });
      expect(cors(res), path).toEqual({ origin: null, credentials: null });
    }
    // A backend's batch with the secret key from a browser page is not a browser call either.
    const backend = await request("/v1/batch", {
      method: "POST",
      headers: { ...secret, "content-type": "application/json" },
      body: JSON.stringify({ batch: [trackEvent(visitor, "Y")] }),
    });
    expect(backend.status).toBe(200);
    expect(cors(backend)).toEqual({ origin: null, credentials: null });
    // And no preflight for them.
    const preflight = await request(`/v1/customers/${visitor}`, {
      method: "OPTIONS",
      headers: { origin: SHOP, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    expect(cors(preflight)).toEqual({ origin: null, credentials: null });
  });
});
