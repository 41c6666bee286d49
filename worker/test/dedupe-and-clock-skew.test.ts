// A resent event is counted once; an event stamped by a wrong clock lands at the right time.
import { describe, expect, it } from "vitest";
import { batch, customer, post, trackEvent, uid } from "./helpers.ts";

describe("dedupe by messageId", () => {
  it("answers duplicate for a resent event and applies it once", async () => {
    const id = uid();
    const add = trackEvent(id, "Product Added", { product_id: "p" }, { messageId: "dup-1" });
    const first = (await (await batch([add])).json()) as any;
    expect(first.results).toEqual([{ messageId: "dup-1", status: "accepted" }]);
    const again = (await (await batch([add, trackEvent(id, "Signed Up", {}, { messageId: "new-1" })])).json()) as any;
    expect(again).toMatchObject({ accepted: 1, duplicate: 1, rejected: 0 });
    expect(again.results).toEqual([
      { messageId: "dup-1", status: "duplicate" },
      { messageId: "new-1", status: "accepted" },
    ]);
    const state = (await customer(id)).body;
    expect(state.event_count).toBe(2);
    expect(state.cart.lines[0].quantity).toBe(1);
  });

  it("dedupes inside one batch too", async () => {
    const id = uid();
    const e = trackEvent(id, "Signed Up", {}, { messageId: "twice" });
    const body = (await (await batch([e, e])).json()) as any;
    expect(body.results.map((r: any) => r.status)).toEqual(["accepted", "duplicate"]);
  });

  it("is per customer: the same messageId from two customers is two events", async () => {
    const a = uid();
    const b = uid();
    await batch([trackEvent(a, "X", {}, { messageId: "shared" }), trackEvent(b, "X", {}, { messageId: "shared" })]);
    expect((await customer(a)).body.event_count).toBe(1);
    expect((await customer(b)).body.event_count).toBe(1);
  });

  it("generates a messageId when the sender gave none", async () => {
    const id = uid();
    const body = (await (await post("/v1/track", { anonymousId: id, event: "X" })).json()) as any;
    expect(body.results[0].messageId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("clock-skew correction", () => {
  it("uses receivedAt − (sentAt − timestamp) when the batch carries sentAt", async () => {
    const id = uid();
    // The device clock is 2 hours fast: it stamped the event 10 s before it sent the batch.
    const deviceNow = Date.now() + 2 * 3600_000;
    const before = Date.now();
    await batch([trackEvent(id, "X", {}, { timestamp: new Date(deviceNow - 10_000).toISOString() })], "wk_demo", {
      sentAt: new Date(deviceNow).toISOString(),
    });
    const after = Date.now();
    const ts = (await customer(id)).body.recent_events[0].timestamp;
    expect(ts).toBeGreaterThanOrEqual(before - 10_000);
    expect(ts).toBeLessThanOrEqual(after - 10_000);
  });

  it("prefers the event's own sentAt and keeps timestamps as sent when there is no sentAt", async () => {
    const id = uid();
    const stamped = "2026-01-01T00:00:00.000Z";
    await batch([trackEvent(id, "X", {}, { timestamp: stamped })]);
    expect((await customer(id)).body.recent_events[0].timestamp).toBe(Date.parse(stamped));
  });

  it("pins an event from the future to the time it was received", async () => {
    const id = uid();
    const before = Date.now();
    await batch([trackEvent(id, "X", {}, { timestamp: new Date(Date.now() + 86_400_000).toISOString() })]);
    const event = (await customer(id)).body.recent_events[0];
    expect(event.timestamp).toBe(event.receivedAt);
    expect(event.receivedAt).toBeGreaterThanOrEqual(before);
  });
});
