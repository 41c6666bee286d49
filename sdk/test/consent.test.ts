// With requireConsent, events wait (unsent, unstored) for consent; a denial discards them.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, ID_KEY } from "../src/core.ts";
import { asyncStorage, fakeServer, settle } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(storage = asyncStorage()) {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch, storage, channel: "web", requireConsent: true });
  return { server, seam, storage };
}

it("buffers events before consent is known: nothing sent, nothing written", async () => {
  const { server, seam, storage } = setup();
  for (let i = 0; i < 30; i++) seam.track(`E${i}`);
  await vi.advanceTimersByTimeAsync(60_000);
  await seam.flush();
  expect(server.requests).toHaveLength(0);
  expect(storage.data.size).toBe(0);
});

it("on consent, sends what was buffered (in order) followed by the Consent Updated record", async () => {
  const { server, seam, storage } = setup();
  seam.page("Home");
  seam.addToCart({ product_id: "sku_1" });
  seam.consent({ web: true, email: true });
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => e.event ?? e.name)).toEqual(["Home", "Product Added", "Consent Updated"]);
  expect(server.sent[2]!.properties).toEqual({ consent: { web: true, email: true } });
  // The choice is remembered, so the next page load does not buffer again.
  expect(JSON.parse(storage.data.get(ID_KEY)!).c).toEqual({ web: true, email: true });
  const again = setup(storage);
  again.seam.track("Next Page");
  await vi.advanceTimersByTimeAsync(1000);
  expect(again.server.sent.map((e) => e.event)).toEqual(["Next Page"]);
});

it("on denial, discards the buffer and everything after; only the choice itself is recorded", async () => {
  const { server, seam } = setup();
  const held = seam.track("Viewed Before Choice");
  seam.consent({ web: false, email: false });
  seam.track("After Denial");
  await vi.advanceTimersByTimeAsync(5000);
  await expect(held).resolves.toBeUndefined();
  expect(server.sent.map((e) => e.event)).toEqual(["Consent Updated"]);
  expect(server.sent[0]!.properties).toEqual({ consent: { web: false, email: false } });
});

it("consent for other channels alone does not release web tracking", async () => {
  const { server, seam } = setup();
  seam.track("a");
  seam.consent({ email: true });
  await vi.advanceTimersByTimeAsync(5000);
  expect(server.requests).toHaveLength(0);
  seam.consent({ web: true });
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => e.event)).toEqual(["a", "Consent Updated", "Consent Updated"]);
});

it("without requireConsent, events flow at once and consent() just records choices", async () => {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch });
  seam.track("a");
  seam.consent({ sms: false });
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => e.event)).toEqual(["a", "Consent Updated"]);
  await settle();
});
