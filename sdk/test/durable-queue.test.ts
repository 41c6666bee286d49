// The queue survives restarts: a React Native app (async storage) picks up what it had not sent.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, ID_KEY, QUEUE_KEY } from "../src/core.ts";
import { acceptAll, asyncStorage, fakeServer, settle } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it("writes each event to storage before sending, and a new instance over the same storage sends it", async () => {
  const server = fakeServer();
  server.reply = () => {
    throw new TypeError("offline");
  };
  const storage = asyncStorage();
  const before = createSeam({ writeKey: "wk", fetch: server.fetch, storage });
  before.track("Added Before Restart", { n: 1 });
  await settle();
  const queued = JSON.parse(storage.data.get(QUEUE_KEY)!);
  expect(queued.q.map((e: { event: string }) => e.event)).toEqual(["Added Before Restart"]);
  const anonymousId = await before.anonymousId();

  // "Restart": the old instance is gone (its timers never fire again, as in a killed app).
  vi.clearAllTimers();
  const other = fakeServer();
  const after = createSeam({ writeKey: "wk", fetch: other.fetch, storage });
  after.track("After Restart");
  await vi.advanceTimersByTimeAsync(1000);
  expect(other.sent.map((e) => e.event)).toEqual(["Added Before Restart", "After Restart"]);
  // Same visitor, same messageId as the first attempt: the server dedupes a resend.
  expect(other.sent.map((e) => e.anonymousId)).toEqual([anonymousId, anonymousId]);
  expect(other.sent[0]!.messageId).toBe(queued.q[0].messageId);
  await settle();
  expect(storage.data.has(QUEUE_KEY)).toBe(false);
});

it("stamps identity in call order even while async storage is still being read", async () => {
  const server = fakeServer();
  const storage = asyncStorage(new Map([[ID_KEY, JSON.stringify({ a: "anon-1", c: {} })]]));
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch, storage });
  // All three calls happen before the storage read resolves.
  seam.track("Before");
  seam.identify("u_1");
  seam.track("After");
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => [e.type, e.anonymousId, e.userId])).toEqual([
    ["track", "anon-1", undefined],
    ["identify", "anon-1", "u_1"],
    ["track", "anon-1", "u_1"],
  ]);
  server.reply = acceptAll;
});
