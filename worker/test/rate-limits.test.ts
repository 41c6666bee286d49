// Browser traffic is limited per workspace and client IP: 429 with Retry-After and the usual JSON error, nothing changed.
import { describe, expect, it } from "vitest";
import { clientKey } from "../src/rate-limit/limit.ts";
import { bucketRule, takeTokens } from "../src/rate-limit/bucket.ts";
import { ADMIN_TOKEN, createWorkspace, customer, post, request, trackEvent, uid } from "./helpers.ts";

async function limitedWorkspace(requestsPerMinute: number) {
  const created = await createWorkspace({ name: uid("limited"), allowedOrigins: ["https://shop.example"] });
  const res = await request(`/admin/workspaces/${created.workspace.id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ settings: { rateLimit: { requestsPerMinute } } }),
  });
  expect(res.status).toBe(200);
  return created.keys;
}

describe("rate limits", () => {
  it("answers 429 with Retry-After past the workspace's budget, and stores nothing of the refused request", async () => {
    const keys = await limitedWorkspace(10); // a burst of 10, then one every 6 s
    const ip = { "cf-connecting-ip": "203.0.113.7", origin: "https://shop.example" };
    const visitor = uid();
    for (let i = 0; i < 10; i++) expect((await post("/v1/track", trackEvent(visitor, `E${i}`), keys.write_key, ip)).status).toBe(200);
    const refused = await post("/v1/track", trackEvent(visitor, "Over"), keys.write_key, ip);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    // The allowed origin can read it (and its Retry-After), so the SDK can wait instead of guessing.
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(refused.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect((await customer(visitor, keys.secret_key)).body.event_count).toBe(10);

    // Visitor reads share the budget; another client, and the store's backend, are not held back.
    expect((await request(`/v1/profile?writeKey=${keys.write_key}&anonymousId=${visitor}`, { headers: ip })).status).toBe(429);
    expect((await post("/v1/track", trackEvent(uid(), "Other"), keys.write_key, { "cf-connecting-ip": "203.0.113.8" })).status).toBe(200);
    const backend = await request("/v1/track", {
      method: "POST",
      headers: { authorization: `Bearer ${keys.secret_key}`, "content-type": "application/json", "cf-connecting-ip": "203.0.113.7" },
      body: JSON.stringify(trackEvent(visitor, "From the backend")),
    });
    expect(backend.status).toBe(200);
  });

  it("keeps workspaces apart: one store's limit is not another's", async () => {
    const tight = await limitedWorkspace(10);
    const ip = { "cf-connecting-ip": "198.51.100.1" };
    for (let i = 0; i < 10; i++) await post("/v1/track", trackEvent(uid(), "E"), tight.write_key, ip);
    expect((await post("/v1/track", trackEvent(uid(), "E"), tight.write_key, ip)).status).toBe(429);
    expect((await post("/v1/track", trackEvent(uid(), "E"), "wk_demo", ip)).status).toBe(200);
  });

  it("refuses a setting that is not a positive whole number", async () => {
    const { workspace } = await createWorkspace({ name: uid("bad-limit") });
    for (const rateLimit of [{ requestsPerMinute: 0 }, { requestsPerMinute: 1.5 }, { requestsPerMinute: "10" }, { perHour: 10 }]) {
      const res = await request(`/admin/workspaces/${workspace.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ settings: { rateLimit } }),
      });
      expect(res.status, JSON.stringify(rateLimit)).toBe(400);
    }
  });
});

describe("token bucket (pure)", () => {
  it("grants a burst, then refills at the rate, and says when the next token comes", () => {
    const rule = bucketRule(60); // burst 15, one a second
    let step = takeTokens(undefined, rule, 15, 0);
    expect(step.granted).toBe(15);
    step = takeTokens(step.bucket, rule, 1, 0);
    expect(step).toMatchObject({ granted: 0, retryAfterMs: 1000 });
    step = takeTokens(step.bucket, rule, 5, 2500);
    expect(step.granted).toBe(2);
    expect(takeTokens(step.bucket, rule, 1, 2500).retryAfterMs).toBe(500);
    // Never more than the burst, however long it was idle.
    expect(takeTokens(step.bucket, rule, 100, 10_000_000).granted).toBe(15);
  });

  it("counts an IPv6 client by its /64", () => {
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe(clientKey("2001:db8:1:2:bbbb::9"));
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
  });
});
