// Bad input gets a clear JSON 4xx and changes nothing; per-event problems are reported, never dropped silently.
import { describe, expect, it } from "vitest";
import { batch, customer, post, request, trackEvent, uid } from "./helpers.ts";

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as any;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body;
}

describe("request-level errors change nothing", () => {
  it("rejects a batch over 500 KB with 413", async () => {
    const anonymousId = uid();
    const big = "x".repeat(20_000);
    const events = Array.from({ length: 30 }, () => trackEvent(anonymousId, "Big", { big }));
    await expectError(await batch(events), 413, "payload_too_large");
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("rejects a batch of more than 2,500 events with 400", async () => {
    const anonymousId = uid();
    const events = Array.from({ length: 2501 }, () => ({ type: "page", anonymousId }));
    const body = await expectError(await batch(events), 400, "batch_too_large");
    expect(body.error.details).toEqual({ events: 2501 });
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("accepts exactly 2,500 events", async () => {
    const anonymousId = uid();
    const events = Array.from({ length: 2500 }, () => ({ type: "page", anonymousId }));
    const res = await batch(events);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).accepted).toBe(2500);
    expect((await customer(anonymousId)).body.event_count).toBe(2500);
  });

  it("rejects a single event over 32 KB on /v1/track with 413", async () => {
    const anonymousId = uid();
    const res = await post("/v1/track", trackEvent(anonymousId, "Big", { big: "x".repeat(33 * 1024) }));
    await expectError(res, 413, "payload_too_large");
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("rejects invalid JSON, a non-object body, an empty batch and a body without a batch", async () => {
    await expectError(await post("/v1/batch", "{not json"), 400, "invalid_json");
    await expectError(await post("/v1/track", "[1,2]"), 400, "invalid_body");
    await expectError(await batch([]), 400, "empty_batch");
    await expectError(await post("/v1/batch", { events: [] }), 400, "invalid_batch");
  });

  it("rejects other content types with 415", async () => {
    const res = await request("/v1/track", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("wk_demo:")}` },
      body: "event=x",
    });
    await expectError(res, 415, "unsupported_media_type");
  });
});

describe("per-event validation", () => {
  it("reports an event over 32 KB inside a batch as rejected and keeps the rest", async () => {
    const anonymousId = uid();
    const res = await batch([
      trackEvent(anonymousId, "Big", { big: "x".repeat(33 * 1024) }, { messageId: "too-big" }),
      trackEvent(anonymousId, "Small", {}, { messageId: "small" }),
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(body.results[0]).toMatchObject({ messageId: "too-big", status: "rejected", code: "event_too_large" });
    expect((await customer(anonymousId)).body.event_count).toBe(1);
  });

  it("rejects properties nested deeper than 8 levels", async () => {
    const anonymousId = uid();
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 9; i++) deep = { deep };
    const res = await post("/v1/track", trackEvent(anonymousId, "Deep", deep));
    const body = await expectError(res, 400, "too_deep");
    expect(body.results[0].status).toBe("rejected");
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("names the problem of each invalid event", async () => {
    const cases: [unknown, string][] = [
      [{ type: "track", event: "No Id" }, "userId or anonymousId is required"],
      [{ type: "unknown", anonymousId: "a" }, "type: "],
      [{ type: "alias", userId: "u" }, "alias needs userId and previousId"],
      [{ type: "group", anonymousId: "a" }, "groupId: group needs a groupId"],
      [{ type: "track", anonymousId: "a", event: "E", timestamp: "yesterday" }, "timestamp: "],
      [{ type: "track", anonymousId: "a", event: "E", properties: [1] }, "properties: "],
      ["a string", "event must be a JSON object"],
    ];
    const res = await batch(cases.map(([e]) => e));
    const body = await expectError(res, 400, "invalid_events");
    cases.forEach(([, reason], i) => {
      expect(body.results[i].status).toBe("rejected");
      expect(body.results[i].reason).toContain(reason);
    });
  });
});
