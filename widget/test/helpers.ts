// Fakes for the widget's tests: a /v1/recs answer, fetch, the Seam SDK, IntersectionObserver and sendBeacon.
import { expect, vi } from "vitest";
import type { RecItem, RecsResponse, SeamSdk } from "../src/types.ts";

export const HOST = "https://seam.example";
export const WRITE_KEY = "wk_test";

export function item(n: number, overrides: Partial<RecItem> = {}): RecItem {
  return {
    product_id: `sku-${n}`,
    name: `Product ${n}`,
    url: `https://shop.example/p/sku-${n}`,
    image_url: `https://cdn.example/${n}.jpg`,
    price: 10 * n + 0.9,
    currency: "EUR",
    category: "Men > Shirts",
    brand: "Acme",
    in_stock: true,
    score: 1 / n,
    ...overrides,
  };
}

export function recsResponse(count = 3, overrides: Partial<RecsResponse> = {}): RecsResponse {
  return {
    recId: "r_test1",
    type: "similar",
    fallback: null,
    items: Array.from({ length: count }, (_, i) => item(i + 1)),
    ...overrides,
  };
}

/** Installs a fake fetch answering every request with `body` (JSON) and `status`; returns the mock. */
export function fakeFetch(body: unknown = recsResponse(), status = 200) {
  const fetch = vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    }),
  );
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

/** The query of the n-th fetch call as a plain object. */
export function fetchedQuery(fetch: ReturnType<typeof fakeFetch>, call = 0) {
  const url = new URL(String(fetch.mock.calls[call]![0]));
  return { origin: url.origin, path: url.pathname, query: Object.fromEntries(url.searchParams) };
}

/** A stand-in for `window.seam`, installed globally. */
export function fakeSeam(answer: unknown = recsResponse()) {
  const seam = {
    track: vi.fn((_event: string, _properties: Record<string, unknown>) => Promise.resolve()),
    getRecommendations: vi.fn((_options: Record<string, string | number>) => Promise.resolve(answer)),
  } satisfies SeamSdk;
  (globalThis as { seam?: SeamSdk }).seam = seam;
  return seam;
}

/** An IntersectionObserver the test drives by hand: `FakeIntersectionObserver.show(ratio)`. */
export class FakeIntersectionObserver {
  static instances: FakeIntersectionObserver[] = [];
  targets: Element[] = [];
  callback: IntersectionObserverCallback;
  init: IntersectionObserverInit | undefined;
  constructor(callback: IntersectionObserverCallback, init?: IntersectionObserverInit) {
    this.callback = callback;
    this.init = init;
    FakeIntersectionObserver.instances.push(this);
  }
  observe(target: Element) {
    this.targets.push(target);
  }
  unobserve() {}
  disconnect() {
    this.targets = [];
  }
  takeRecords() {
    return [];
  }
  /** Tells every observer that its targets are now `ratio` on screen. */
  static show(ratio: number) {
    for (const observer of FakeIntersectionObserver.instances)
      if (observer.targets.length)
        observer.callback(
          observer.targets.map((target) => ({ target, isIntersecting: ratio > 0, intersectionRatio: ratio }) as IntersectionObserverEntry),
          observer as unknown as IntersectionObserver,
        );
  }
  static install() {
    FakeIntersectionObserver.instances = [];
    vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
  }
}

/** Replaces navigator.sendBeacon; returns the mock (it reports the beacon as queued). */
export function fakeBeacon() {
  const sendBeacon = vi.fn((_url: string, _body?: BodyInit | null) => true);
  Object.defineProperty(navigator, "sendBeacon", { value: sendBeacon, configurable: true, writable: true });
  return sendBeacon;
}

/** The JSON bodies of every beacon sent, with their URLs. */
export function beacons(sendBeacon: ReturnType<typeof fakeBeacon>) {
  return sendBeacon.mock.calls.map(([url, body]) => ({ url, body: JSON.parse(String(body)) as Record<string, any> }));
}

export function placeholder(attributes: Record<string, string> = {}): HTMLElement {
  const element = document.createElement("div");
  element.setAttribute("data-seam-recs", "");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  document.body.append(element);
  return element;
}

/** Waits until the strip in `element` shows its cards (the answer arrived and Preact re-rendered). */
export async function cardsOf(element: Element, count?: number): Promise<HTMLElement[]> {
  await vi.waitFor(() => {
    const cards = element.querySelectorAll(".seam-recs:not(.seam-skeleton) .seam-card");
    expect(cards.length).toBeGreaterThan(0);
    if (count !== undefined) expect(cards.length).toBe(count);
  });
  return [...element.querySelectorAll<HTMLElement>(".seam-card")];
}

/**
 * Waits until the strip watches for its impression: Recs starts observing in componentDidUpdate,
 * in the same commit that renders its cards, so from here only the observer can send the impression.
 */
export async function watchingImpression(element: Element): Promise<void> {
  await vi.waitFor(() => expect(FakeIntersectionObserver.instances.at(-1)?.targets).toEqual([element.querySelector("section.seam-recs")]));
}
