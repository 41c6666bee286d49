// Events leave in batches: at 20 events or after 1 s, one round trip per flush, in order.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSeam } from "../src/core.ts";
import { fakeServer, settle } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { flushAt?: number; flushInterval?: number } = {}) {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk_test", host: "https://seam.test", fetch: server.fetch, ...options });
  return { server, seam };
}

describe("batching", () => {
  it("sends the first event after the flush interval, with no request before it", async () => {
    const { server, seam } = setup();
    seam.track("First");
    await vi.advanceTimersByTimeAsync(999);
    expect(server.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // One round trip, and it is the batch itself: no settings fetch, no preflight-needing request.
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.url).toBe("https://seam.test/v1/batch");
    expect(req!.method).toBe("POST");
    expect(req!.body!.writeKey).toBe("wk_test");
    expect(req!.body!.batch.map((e) => e.event)).toEqual(["First"]);
  });

  it("sends a body that needs no CORS preflight: a plain string (text/plain), no custom headers", async () => {
    const calls: unknown[][] = [];
    const seam = createSeam({
      writeKey: "wk_test",
      fetch: async (...args) => {
        calls.push(args);
        return { status: 200, headers: { get: () => null }, json: async () => ({ results: [] }) };
      },
    });
    seam.track("x");
    await vi.advanceTimersByTimeAsync(1000);
    const init = calls[0]![1] as Record<string, unknown>;
    expect(typeof init.body).toBe("string");
    expect(init.headers).toBeUndefined();
    expect(init.method).toBe("POST");
  });

  it("flushes at once when 20 events are queued", async () => {
    const { server, seam } = setup();
    for (let i = 0; i < 19; i++) seam.track(`E${i}`);
    await settle();
    expect(server.requests).toHaveLength(0);
    seam.track("E19");
    await settle();
    expect(server.requests).toHaveLength(1);
    expect(server.sent).toHaveLength(20);
  });

  it("honours configured flushAt and flushInterval", async () => {
    const { server, seam } = setup({ flushAt: 3, flushInterval: 5000 });
    seam.track("a");
    seam.track("b");
    await vi.advanceTimersByTimeAsync(4999);
    expect(server.requests).toHaveLength(0);
    seam.track("c");
    await settle();
    expect(server.sent.map((e) => e.event)).toEqual(["a", "b", "c"]);
  });

  it("keeps call order across batches, and every event has a messageId, timestamp and sentAt batch", async () => {
    const { server, seam } = setup({ flushAt: 5 });
    for (let i = 0; i < 23; i++) seam.track(`E${i}`);
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.sent.map((e) => e.event)).toEqual(Array.from({ length: 23 }, (_, i) => `E${i}`));
    const ids = server.sent.map((e) => e.messageId);
    expect(new Set(ids).size).toBe(23);
    for (const e of server.sent) expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const r of server.batches)
      for (const e of r.body!.batch) expect(Date.parse(r.body!.sentAt)).toBeGreaterThanOrEqual(Date.parse(e.timestamp));
  });

  it("sends one request at a time; what arrives meanwhile goes in the next batch", async () => {
    const { server, seam } = setup();
    let release!: () => void;
    const base = server.reply;
    server.reply = (req) => new Promise((resolve) => (release = () => resolve(base(req))));
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000);
    seam.track("b");
    await vi.advanceTimersByTimeAsync(3000);
    expect(server.requests).toHaveLength(1);
    server.reply = base;
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.batches.map((r) => r.body!.batch.map((e) => e.event))).toEqual([["a"], ["b"]]);
  });

  it("splits a large backlog into requests under the server's size limit", async () => {
    const { server, seam } = setup({ flushAt: 1000 });
    const blob = "x".repeat(1000);
    for (let i = 0; i < 400; i++) seam.track("Big", { blob, i });
    await seam.flush();
    expect(server.batches.length).toBeGreaterThan(2);
    for (const r of server.batches) expect(r.raw!.length).toBeLessThan(170_000);
    expect(server.sent.map((e) => (e.properties as { i: number }).i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it("flush() sends everything queued now (for servers about to exit)", async () => {
    const { server, seam } = setup();
    seam.track("a");
    seam.page("Home");
    await seam.flush();
    expect(server.sent.map((e) => e.type)).toEqual(["track", "page"]);
  });

  it("names the library and channel: seam-app by default, seam-server for a server", async () => {
    const { server, seam } = setup();
    const srv = createSeam({ writeKey: "wk", fetch: server.fetch, channel: "server" });
    seam.screen("Home");
    srv.track("Order Shipped");
    await vi.advanceTimersByTimeAsync(1000);
    const [app, backend] = server.sent;
    expect(app!.context).toMatchObject({ library: { name: "seam-app" }, channel: "app" });
    expect(app!.name).toBe("Home");
    expect(backend!.context).toMatchObject({ library: { name: "seam-server" }, channel: "server" });
  });
});
