// 10,000 events through the SDK core against the real worker, with 30% of requests failing (half
// dropped before the server, half losing the response after it) and 20 page unloads along the way
// (10 with pagehide's beacon, 10 crashes): every event ends up in the CustomerDO exactly once.
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createSeam, QUEUE_KEY, type SeamStorage, type Transport } from "../../sdk/src/core.ts";

const TOTAL_EVENTS = 10_000;
const UNLOADS = 20;
const FAILURE_RATE = 0.3;
const PRODUCTS = 10;
/** Fake time per step; 0–20 events arrive per step (a shopper's burst, then a pause). */
const STEP_MS = 1000;

/** mulberry32: a small seeded PRNG, so every run injects the same faults. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The real setTimeout, kept before the clock is faked. */
const realSetTimeout = globalThis.setTimeout;
/**
 * Waits for the end of the current task. A tab is killed between tasks, never between a call and
 * the microtasks it queued (the browser runs those before anything else, pagehide included).
 */
const taskBoundary = () => new Promise((resolve) => realSetTimeout(resolve, 0));
const never = () => new Promise<never>(() => {});

beforeAll(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  // The SDK's backoff jitter, seeded too.
  vi.spyOn(Math, "random").mockImplementation(prng(99));
});
afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/**
 * One run. `listKeys`: storage that can list its keys, like localStorage (each page has its own
 * queue key and takes over those of dead pages), or not, like AsyncStorage (one queue key).
 */
async function run(listKeys: boolean, seed: number) {
  const faults = prng(seed);
  const workload = prng(seed + 1);
  const stats = {
    requests: 0,
    droppedBeforeServer: 0,
    responseLost: 0,
    beacons: 0,
    duplicatesAnswered: 0,
    /** messageId → how many times the server answered `accepted` (lost answers included). */
    accepted: new Map<string, number>(),
    sentIds: new Set<string>(),
  };

  /** Sends a batch to the real worker, failing like a flaky mobile network would. */
  async function post(url: string, body: string): Promise<Response> {
    stats.requests++;
    const roll = faults();
    if (roll < FAILURE_RATE / 2) {
      stats.droppedBeforeServer++;
      throw new TypeError("Failed to fetch (dropped before the server)");
    }
    for (const e of (JSON.parse(body) as { batch: { messageId: string }[] }).batch) stats.sentIds.add(e.messageId);
    const res = await exports.default.fetch(new Request(url, { method: "POST", body }));
    const answer = (await res.clone().json()) as { results?: { messageId: string; status: string }[] };
    for (const r of answer.results ?? []) {
      if (r.status === "accepted") stats.accepted.set(r.messageId, (stats.accepted.get(r.messageId) ?? 0) + 1);
      if (r.status === "duplicate") stats.duplicatesAnswered++;
    }
    if (roll < FAILURE_RATE) {
      stats.responseLost++;
      throw new TypeError("Failed to fetch (the server applied it; the answer was lost)");
    }
    return res;
  }

  /** The device's storage across page loads: it outlives every SDK instance. */
  const disk = new Map<string, string>();
  const queueKeys = () => [...disk.keys()].filter((k) => k.startsWith(QUEUE_KEY));
  /** Requests still on their way to or from the worker (real I/O, not fake time). */
  const inflight = new Set<Promise<unknown>>();
  const watch = <T,>(p: Promise<T>) => {
    inflight.add(p);
    const done = () => inflight.delete(p);
    p.then(done, done);
    return p;
  };

  /** A page load. A dead page writes nothing more, and answers to its requests never reach it. */
  function openPage() {
    let dead = false;
    const storage: SeamStorage = {
      getItem: (k) => disk.get(k) ?? null,
      setItem: (k, v) => void (dead || disk.set(k, v)),
      removeItem: (k) => void (dead || disk.delete(k)),
      ...(listKeys && { keys: () => [...disk.keys()] }),
    };
    const fetch: Transport = (url, init) =>
      dead
        ? never()
        : watch(post(url, init!.body!)).then(
            (r) => (dead ? never() : r),
            (e) => (dead ? never() : Promise.reject(e)),
          );
    // sendBeacon: fire and forget; it fails as often as any other request.
    const beacon = (url: string, body: string) => {
      stats.beacons++;
      watch(post(url, body)).catch(() => {});
      return true;
    };
    const seam = createSeam({ writeKey: "wk_demo", host: "https://seam.test", storage, fetch, beacon, channel: "web" });
    return {
      seam,
      /** pagehide: the SDK beacons what it can and leaves its queue to the next page. */
      unload: async () => {
        await seam.flush("beacon");
        dead = true;
      },
      /** The tab is killed: no pagehide, in-flight answers lost, its timers gone with it. */
      crash: async () => {
        await taskBoundary();
        dead = true;
      },
    };
  }

  /** Lets real I/O finish and the SDK react to it, without moving the fake clock. */
  async function settle() {
    for (let i = 0; i < 1000; i++) {
      await vi.advanceTimersByTimeAsync(0);
      if (inflight.size === 0) return;
      await Promise.allSettled([...inflight]);
    }
    throw new Error("requests never settled");
  }
  async function step() {
    await vi.advanceTimersByTimeAsync(STEP_MS);
    await settle();
  }

  const started = performance.now();
  const fakeStart = Date.now();
  let page = openPage();
  const anonymousId = await page.seam.anonymousId();
  const unloadAt = new Set(Array.from({ length: UNLOADS }, (_, i) => Math.round(((i + 1) * TOTAL_EVENTS) / (UNLOADS + 1))));
  let unloads = 0;
  let crashes = 0;

  for (let i = 0; i < TOTAL_EVENTS; ) {
    const burst = Math.floor(workload() * 21);
    for (let n = 0; n < burst && i < TOTAL_EVENTS; n++, i++) {
      const sku = `sku_${Math.floor(i / 10) % PRODUCTS}`;
      if (i % 10 === 0) page.seam.addToCart({ product_id: sku, quantity: 1, price: 10, i });
      else if (i % 10 === 1) page.seam.productViewed({ product_id: sku, i });
      else if (i % 10 === 2) page.seam.page("Product", { i });
      else page.seam.track("Scrolled", { i });
      if (unloadAt.has(i + 1)) {
        // A reload: half the time a clean pagehide, half the time a crash with requests in flight.
        if (unloads++ % 2 === 0) await page.unload();
        else await page.crash(), crashes++;
        page = openPage();
        expect(await page.seam.anonymousId()).toBe(anonymousId);
      }
    }
    await step();
  }
  // The last page stays open until its queue (and any it took over) is empty.
  for (let s = 0; s < 900 && (queueKeys().length > 0 || inflight.size > 0); s++) await step();
  expect(queueKeys()).toEqual([]);

  const res = await exports.default.fetch(
    new Request(`https://seam.test/v1/customers/${anonymousId}`, { headers: { authorization: "Bearer sk_demo" } }),
  );
  expect(res.status).toBe(200);
  const state = (await res.json()) as {
    event_count: number;
    cart: { item_count: number; lines: { quantity: number }[] };
    viewed_items: { view_count: number }[];
    channel_history: { message_id: string; channel: string }[];
    recent_events: { messageId: string }[];
  };

  console.log(
    `fault injection (${listKeys ? "localStorage-like, one queue per page" : "AsyncStorage-like, one queue"}): ` +
      `${TOTAL_EVENTS} events, ${stats.requests} requests (${stats.droppedBeforeServer} dropped before the server, ` +
      `${stats.responseLost} answers lost, ${stats.beacons} beacons), ${stats.duplicatesAnswered} resent events answered duplicate, ` +
      `${unloads} unloads (${crashes} crashes), ${Math.round((Date.now() - fakeStart) / 1000)} s of fake time, ` +
      `${Math.round(performance.now() - started)} ms wall; event_count ${state.event_count}`,
  );

  // Both kinds of failure happened, and resends were answered `duplicate` (the dedupe was exercised).
  expect(stats.droppedBeforeServer).toBeGreaterThan(0);
  expect(stats.responseLost).toBeGreaterThan(0);
  expect(stats.duplicatesAnswered).toBeGreaterThan(0);
  expect(unloads).toBe(UNLOADS);
  // Every event reached the server and was accepted exactly once.
  expect(stats.sentIds.size).toBe(TOTAL_EVENTS);
  expect(stats.accepted.size).toBe(TOTAL_EVENTS);
  expect([...stats.accepted.values()].filter((n) => n !== 1)).toEqual([]);

  // The CustomerDO's state counts each event once: non-idempotent effects come out exact.
  expect(state.event_count).toBe(TOTAL_EVENTS);
  const perProduct = TOTAL_EVENTS / 10 / PRODUCTS;
  expect(state.cart.item_count).toBe(TOTAL_EVENTS / 10);
  expect(state.cart.lines.map((l) => l.quantity)).toEqual(Array(PRODUCTS).fill(perProduct));
  expect(state.viewed_items.map((v) => v.view_count)).toEqual(Array(PRODUCTS).fill(perProduct));
  const touchIds = state.channel_history.map((t) => t.message_id);
  expect(touchIds).toHaveLength(1000);
  expect(new Set(touchIds).size).toBe(touchIds.length);
  expect(new Set(state.recent_events.map((e) => e.messageId)).size).toBe(state.recent_events.length);
  expect(state.channel_history.every((t) => t.channel === "web")).toBe(true);
}

it("browser storage (a queue per page, dead pages taken over): every event exactly once", { timeout: 60_000 }, () =>
  run(true, 20261123),
);

it("app storage (one queue key, the next run loads it): every event exactly once", { timeout: 60_000 }, () =>
  run(false, 424242),
);
