// Tabs share localStorage safely: each writes only its own queue key (so no read-modify-write can
// lose another tab's events), and the queue of a tab that is gone is taken over by another.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { browserStorage } from "../src/browser.ts";
import { createSeam, STALE_MS, type SeamStorage } from "../src/core.ts";
import { fakeServer, queueKeys, queueRecord, response } from "./helpers.ts";

let server: ReturnType<typeof fakeServer>;
let online: boolean;

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  server = fakeServer();
  online = false;
  const accept = server.reply;
  server.reply = (req) => (online ? accept(req) : response(503));
});
afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
});

/** A tab: the browser storage adapter; `kill()` is a crash (no pagehide, no more writes or answers). */
function openTab() {
  let dead = false;
  const base = browserStorage()!;
  const storage: SeamStorage = {
    getItem: (k) => base.getItem(k),
    setItem: (k, v) => dead || base.setItem(k, v),
    removeItem: (k) => dead || base.removeItem(k),
    keys: () => base.keys!(),
  };
  const seam = createSeam({
    writeKey: "wk",
    channel: "web",
    storage,
    fetch: (url, init) => (dead ? new Promise(() => {}) : server.fetch(url, init)),
  });
  return { seam, kill: () => (dead = true) };
}

const events = (key: string) => queueRecord(key)!.q.map((e) => e.event);

it("two open tabs queue side by side without overwriting each other, and never send each other's events", async () => {
  const a = openTab();
  const b = openTab();
  for (let i = 0; i < 5; i++) a.seam.track(`a${i}`), b.seam.track(`b${i}`);
  await vi.advanceTimersByTimeAsync(0);
  const keys = queueKeys();
  expect(keys).toHaveLength(2);
  expect(keys.map(events).sort()).toEqual([
    ["a0", "a1", "a2", "a3", "a4"],
    ["b0", "b1", "b2", "b3", "b4"],
  ]);
  // Minutes of failures: each tab's retries keep its queue fresh, so neither takes the other's over.
  await vi.advanceTimersByTimeAsync(5 * 60_000);
  for (const r of server.batches) expect(new Set(r.body!.batch.map((e) => (e.event as string)[0])).size).toBe(1);
  online = true;
  const before = server.sent.length;
  await vi.advanceTimersByTimeAsync(STALE_MS);
  expect(server.accepted.size).toBe(10);
  // Once the server is back, each event is sent exactly once: no tab sent another's events.
  expect(server.sent.length - before).toBe(10);
  expect(queueKeys()).toEqual([]);
});

it("a tab that crashed is taken over by a tab still open, once its queue is stale", async () => {
  const open = openTab();
  await vi.advanceTimersByTimeAsync(0);
  const crashed = openTab();
  crashed.seam.track("Lost In Crash?");
  await vi.advanceTimersByTimeAsync(0);
  crashed.kill();
  online = true;
  await vi.advanceTimersByTimeAsync(STALE_MS - 1000);
  expect(server.accepted.size).toBe(0);
  await vi.advanceTimersByTimeAsync(2 * STALE_MS);
  expect(server.sent.map((e) => e.event)).toEqual(["Lost In Crash?"]);
  expect(queueKeys()).toEqual([]);
  open.seam.track("still works");
});

it("a tab closed with pagehide is taken over at once by the next page", async () => {
  const closing = openTab();
  closing.seam.track("Closing");
  await vi.advanceTimersByTimeAsync(0);
  await closing.seam.flush("beacon"); // no beacon configured: keepalive fetch, which fails (offline)
  closing.kill();
  online = true;
  openTab();
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.accepted.size).toBe(1);
  expect(server.sent.at(-1)!.event).toBe("Closing");
});

it("two tabs taking over the same queue at once: every event arrives, a copy has the same messageId", async () => {
  const crashed = openTab();
  for (let i = 0; i < 8; i++) crashed.seam.track(`e${i}`);
  await vi.advanceTimersByTimeAsync(0);
  crashed.kill();
  const ids = queueRecord(queueKeys()[0]!)!.q.map((e) => e.messageId);
  await vi.advanceTimersByTimeAsync(STALE_MS);
  online = true;
  // Both start in the same moment and both read the stale queue before either removes it.
  openTab();
  openTab();
  await vi.advanceTimersByTimeAsync(2000);
  expect([...server.accepted].sort()).toEqual([...ids].sort());
  // Sent twice (once per tab), accepted once: the server's messageId dedupe makes it exactly once.
  expect(server.sent.length).toBe(16);
  expect(queueKeys()).toEqual([]);
});
