// Failed sends are retried with exponential backoff and jitter (or as Retry-After says); a 4xx is not.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSeam, MAX_BACKOFF_MS } from "../src/core.ts";
import { acceptAll, fakeServer, response, settle, type SentRequest } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function setup() {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk_test", fetch: server.fetch });
  return { server, seam };
}

/** Times (ms after the first) at which requests were made, read from each batch's sentAt. */
const sendTimes = (requests: SentRequest[]) => {
  const t = requests.map((r) => Date.parse(r.body!.sentAt));
  return t.map((x) => x - t[0]!);
};

describe("retries", () => {
  it("backs off exponentially on network errors (jitter between half and all of the step)", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { server, seam } = setup();
    server.reply = () => {
      throw new TypeError("Failed to fetch");
    };
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000 + 750 + 1500 + 3000 + 6000);
    // Math.random = 0.5: each wait is 3/4 of the step 1 s, 2 s, 4 s, 8 s.
    expect(sendTimes(server.requests)).toEqual([0, 750, 2250, 5250, 11250]);
  });

  it("jitters: with Math.random = 0 each wait is half the step", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { server, seam } = setup();
    server.reply = () => response(503);
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000 + 500 + 1000 + 2000);
    expect(sendTimes(server.requests)).toEqual([0, 500, 1500, 3500]);
  });

  it("caps the wait at MAX_BACKOFF_MS, keeps trying, and delivers once the server is back", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999999);
    const { server, seam } = setup();
    server.reply = () => response(500);
    const delivered = seam.track("a");
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const gaps = sendTimes(server.requests).map((t, i, all) => t - (all[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    server.reply = acceptAll;
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF_MS);
    await expect(delivered).resolves.toBeUndefined();
    const after = server.requests.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests.length).toBe(after);
  });

  it("retries 429 and honours Retry-After in seconds", async () => {
    const { server, seam } = setup();
    server.reply = (req) => (server.requests.length === 1 ? response(429, {}, { "retry-after": "7" }) : acceptAll(req));
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000 + 6999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(2);
  });

  it("honours Retry-After as an HTTP date, on a 503", async () => {
    const { server, seam } = setup();
    server.reply = (req) =>
      server.requests.length === 1
        ? response(503, {}, { "retry-after": new Date(Date.now() + 20_000).toUTCString() })
        : acceptAll(req);
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000);
    const first = Date.now();
    await vi.advanceTimersByTimeAsync(19_000);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - first).toBe(20_000);
  });

  it("falls back to its own backoff when Retry-After is unreadable", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { server, seam } = setup();
    server.reply = (req) => (server.requests.length === 1 ? response(503, {}, { "retry-after": "soon" }) : acceptAll(req));
    const delivered = seam.track("a");
    await vi.advanceTimersByTimeAsync(1000 + 750);
    expect(server.requests).toHaveLength(2);
    await expect(delivered).resolves.toBeUndefined();
  });

  it("does not send sooner because new events arrive during a backoff", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { server, seam } = setup();
    server.reply = (req) => (server.requests.length === 1 ? response(502) : acceptAll(req));
    seam.track("a");
    await vi.advanceTimersByTimeAsync(1000);
    for (let i = 0; i < 30; i++) seam.track(`b${i}`);
    await vi.advanceTimersByTimeAsync(749);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body!.batch).toHaveLength(31);
  });

  it.each([400, 401, 403, 413, 415])("does not retry a %i without per-event results: the batch is dropped", async (status) => {
    const { server, seam } = setup();
    server.reply = () => response(status, { error: { code: "x", message: "y" } });
    const delivered = seam.track("a");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.requests).toHaveLength(1);
    await expect(delivered).resolves.toBeUndefined();
  });

  it("reads per-event results: drops accepted, duplicate and rejected events, resends any the server did not answer", async () => {
    const { server, seam } = setup();
    server.reply = (req) => {
      const [a, b, c] = req.body!.batch;
      if (server.requests.length > 1) return acceptAll(req);
      return response(200, {
        success: true,
        results: [
          { messageId: a!.messageId, status: "accepted" },
          { messageId: b!.messageId, status: "duplicate" },
          { messageId: c!.messageId, status: "rejected", code: "invalid_event", reason: "bad" },
          // d is missing from the answer: it was not processed, so it must be sent again.
        ],
      });
    };
    for (const e of ["a", "b", "c", "d"]) seam.track(e);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.batches.map((r) => r.body!.batch.map((e) => e.event))).toEqual([["a", "b", "c", "d"], ["d"]]);
  });

  it("drops events the server rejected even when the whole batch is a 400 with results", async () => {
    const { server, seam } = setup();
    server.reply = (req) =>
      response(400, {
        success: false,
        results: req.body!.batch.map((e) => ({ messageId: e.messageId, status: "rejected", code: "invalid_event" })),
        error: { code: "invalid_events", message: "every event in the batch was rejected" },
      });
    seam.track("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests).toHaveLength(1);
  });

  it("a resend after a lost response carries the same messageIds (the server dedupes it)", async () => {
    const { server, seam } = setup();
    server.reply = (req) => {
      if (server.requests.length === 1) throw new TypeError("response lost");
      return acceptAll(req);
    };
    seam.track("a");
    seam.track("b");
    await vi.advanceTimersByTimeAsync(10_000);
    const [first, second] = server.batches;
    expect(second!.body!.batch.map((e) => e.messageId)).toEqual(first!.body!.batch.map((e) => e.messageId));
    await settle();
  });
});
