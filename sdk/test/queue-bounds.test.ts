// The durable queue is bounded: past maxQueue the oldest events are dropped and counted.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, QUEUE_KEY } from "../src/core.ts";
import { acceptAll, asyncStorage, fakeServer, settle } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it("drops the oldest events beyond maxQueue, counts them, and reports the count with the next batch", async () => {
  const server = fakeServer();
  server.reply = () => {
    throw new TypeError("offline");
  };
  const storage = asyncStorage();
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch, storage, maxQueue: 50, flushAt: 1000 });
  const first = seam.track("E0");
  for (let i = 1; i < 80; i++) seam.track(`E${i}`);
  await settle();
  // The dropped event's promise settles (undefined) instead of hanging forever.
  await expect(first).resolves.toBeUndefined();
  const stored = JSON.parse(storage.data.get(QUEUE_KEY)!);
  expect(stored.q).toHaveLength(50);
  expect(stored.q[0].event).toBe("E30");
  expect(stored.d).toBe(30);

  server.reply = acceptAll;
  await seam.flush();
  expect(server.sent.at(-1)!.event).toBe("E79");
  const delivered = server.batches.at(-1)!;
  expect(delivered.body!.dropped).toBe(30);
  expect(delivered.body!.batch.map((e) => e.event)).toEqual(Array.from({ length: 50 }, (_, i) => `E${i + 30}`));
  // Reported once: the counter resets after a delivered batch, and the empty queue is removed.
  seam.track("later");
  await seam.flush();
  expect(server.batches.at(-1)!.body!.dropped).toBe(0);
  await settle();
  expect(storage.data.has(QUEUE_KEY)).toBe(false);
});

it("keeps queueing in memory when storage refuses writes (quota, private mode)", async () => {
  const server = fakeServer();
  const seam = createSeam({
    writeKey: "wk",
    fetch: server.fetch,
    storage: {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
      removeItem: () => {},
    },
  });
  seam.track("a");
  await seam.flush();
  expect(server.sent.map((e) => e.event)).toEqual(["a"]);
});
