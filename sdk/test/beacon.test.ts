// On pagehide the queue leaves by sendBeacon (text/plain, < 64 KB) and stays stored for the next page.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { loadPage, resetBrowser, setVisibility } from "./browser-helpers.ts";
import { queueKeys, queueRecord } from "./helpers.ts";

let beacons: { url: string; body: unknown }[];
let beaconAnswer: boolean;

beforeEach(() => {
  vi.useFakeTimers();
  resetBrowser();
  beacons = [];
  beaconAnswer = true;
  Object.defineProperty(navigator, "sendBeacon", {
    configurable: true,
    value: (url: string, body: unknown) => (beacons.push({ url, body }), beaconAnswer),
  });
});
afterEach(() => {
  resetBrowser();
  vi.useRealTimers();
});

it("pagehide sends the queue by sendBeacon as a text/plain string with the write key in the body", async () => {
  const { seam, server } = await loadPage();
  seam.track("Added To Wishlist");
  seam.page();
  await vi.advanceTimersByTimeAsync(0);
  window.dispatchEvent(new Event("pagehide"));
  await vi.advanceTimersByTimeAsync(0);
  expect(server.requests).toHaveLength(0);
  expect(beacons).toHaveLength(1);
  const { url, body } = beacons[0]!;
  expect(url).toBe("https://seam.test/v1/batch");
  // A string body is sent as text/plain: no preflight, and the beacon cannot set headers anyway.
  expect(typeof body).toBe("string");
  const parsed = JSON.parse(body as string);
  expect(parsed.writeKey).toBe("wk_web");
  expect(parsed.batch.map((e: { type: string }) => e.type)).toEqual(["track", "page"]);
});

it("keeps beaconed events stored and marks the queue for the next page, which resends them at once", async () => {
  const { seam, close } = await loadPage();
  seam.track("Unload Me");
  await vi.advanceTimersByTimeAsync(0);
  window.dispatchEvent(new Event("pagehide"));
  await vi.advanceTimersByTimeAsync(0);
  const [key] = queueKeys();
  const record = queueRecord(key!)!;
  // A beacon has no answer: the events stay until a server says it has them. t = 0: take it over now.
  expect(record.t).toBe(0);
  expect(record.q.map((e) => e.event)).toEqual(["Unload Me"]);
  const beaconed = JSON.parse(beacons[0]!.body as string).batch[0].messageId;

  close(); // the old page is gone
  vi.clearAllTimers();
  const next = await loadPage();
  await vi.advanceTimersByTimeAsync(1000);
  expect(next.server.sent.map((e) => e.messageId)).toEqual([beaconed]);
  expect(queueKeys()).toEqual([]);
});

it("beacons stay under 64 KB: a large queue sends its head, the rest waits for the next page", async () => {
  const { seam } = await loadPage({ flushAt: 10_000 });
  const text = "é".repeat(2000);
  for (let i = 0; i < 100; i++) seam.track("Big", { text, i });
  await vi.advanceTimersByTimeAsync(0);
  window.dispatchEvent(new Event("pagehide"));
  await vi.advanceTimersByTimeAsync(0);
  const bytes = new TextEncoder().encode(beacons[0]!.body as string).byteLength;
  expect(bytes).toBeLessThan(64 * 1024);
  expect(queueRecord(queueKeys()[0]!)!.q).toHaveLength(100);
});

it("falls back to fetch with keepalive when sendBeacon refuses", async () => {
  beaconAnswer = false;
  const { seam, server } = await loadPage();
  seam.track("a");
  await vi.advanceTimersByTimeAsync(0);
  window.dispatchEvent(new Event("pagehide"));
  await vi.advanceTimersByTimeAsync(0);
  expect(server.requests).toHaveLength(1);
  expect(server.requests[0]!.keepalive).toBe(true);
});

it("when the tab is hidden, flushes at once with fetch keepalive (the page may never come back)", async () => {
  const { seam, server } = await loadPage();
  seam.track("Before Hide");
  await vi.advanceTimersByTimeAsync(0);
  setVisibility("hidden");
  await vi.advanceTimersByTimeAsync(0);
  expect(server.requests).toHaveLength(1);
  expect(server.requests[0]!.keepalive).toBe(true);
  // The response arrived: nothing is left to resend.
  expect(queueKeys()).toEqual([]);
  expect(beacons).toHaveLength(0);
});
