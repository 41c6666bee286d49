// Every Segment ingest path (and analytics.js's short aliases) lands events in the customer's object.
import { describe, expect, it } from "vitest";
import { batch, customer, post, request, uid, userHash } from "./helpers.ts";

describe("Segment HTTP Tracking API paths", () => {
  const singles: [string, string, Record<string, unknown>][] = [
    ["/v1/track", "track", { event: "Signed Up" }],
    ["/v1/t", "track", { event: "Signed Up" }],
    ["/v1/identify", "identify", { traits: { plan: "gold" } }],
    ["/v1/i", "identify", { traits: { plan: "gold" } }],
    ["/v1/page", "page", { name: "Home" }],
    ["/v1/p", "page", { name: "Home" }],
    ["/v1/screen", "screen", { name: "Basket" }],
    ["/v1/s", "screen", { name: "Basket" }],
    ["/v1/group", "group", { groupId: "acme" }],
    ["/v1/g", "group", { groupId: "acme" }],
  ];

  for (const [path, type, fields] of singles) {
    it(`POST ${path} records a ${type}`, async () => {
      const anonymousId = uid();
      const res = await post(path, { anonymousId, ...fields });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ success: true, accepted: 1, duplicate: 0, rejected: 0 });
      const state = await customer(anonymousId);
      expect(state.body.recent_events[0].type).toBe(type);
      expect(state.body.event_count).toBe(1);
    });
  }

  for (const path of ["/v1/alias", "/v1/a"]) {
    it(`POST ${path} records the alias on the user's profile`, async () => {
      const userId = uid("user");
      const previousId = uid();
      // From a browser, a userId reaches the user's profile only with its userHash.
      const res = await post(path, { userId, previousId, context: { userHash: await userHash(userId) } });
      expect(res.status).toBe(200);
      const state = await customer(userId);
      expect(state.body.recent_events[0]).toMatchObject({ type: "alias", previousId, userId });
    });
  }

  for (const path of ["/v1/batch", "/v1/b", "/v1/import"]) {
    it(`POST ${path} takes a batch and answers per event in request order`, async () => {
      const a = uid();
      const b = uid();
      const res = await post(path, {
        batch: [
          { type: "page", anonymousId: a, messageId: "m-1", name: "Home" },
          { type: "track", anonymousId: b, messageId: "m-2" }, // no event name: rejected
          { type: "track", anonymousId: a, messageId: "m-3", event: "Product Viewed", properties: { product_id: "p1" } },
        ],
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.results).toEqual([
        { messageId: "m-1", status: "accepted" },
        { messageId: "m-2", status: "rejected", code: "invalid_event", reason: "event: track needs an event name" },
        { messageId: "m-3", status: "accepted" },
      ]);
      expect((await customer(a)).body.event_count).toBe(2);
      expect((await customer(b)).status).toBe(404);
    });
  }

  it("accepts application/json as well as text/plain, and the write key in the body", async () => {
    const anonymousId = uid();
    const res = await request("/v1/track", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ writeKey: "wk_demo", anonymousId, event: "Signed Up" }),
    });
    expect(res.status).toBe(200);
    expect((await customer(anonymousId)).body.event_count).toBe(1);
  });

  it("takes batch-level context and integrations under each event's own", async () => {
    const anonymousId = uid();
    await batch(
      [{ type: "track", anonymousId, event: "Signed Up", context: { locale: "de-DE" } }],
      "wk_demo",
      { context: { locale: "en-US", channel: "app" }, integrations: { All: true } },
    );
    const event = (await customer(anonymousId)).body.recent_events[0];
    expect(event.context).toMatchObject({ locale: "de-DE", channel: "app", integrations: { All: true } });
    expect(event.channel).toBe("app");
  });

  it("answers analytics.js's CORS preflight", async () => {
    const res = await request("/v1/t", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await request("/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route for GET /v1/nope" } });
  });
});
