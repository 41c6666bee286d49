// The anonymous id lives in localStorage and a first-party cookie, and outlives either being cleared.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ID_COOKIE } from "../src/browser.ts";
import { loadPage, resetBrowser } from "./browser-helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
  resetBrowser();
});
afterEach(() => {
  delete (document as { cookie?: string }).cookie; // drops the spy of the cookie test, if any
  resetBrowser();
  vi.useRealTimers();
});

const cookieValue = () => document.cookie.match(/(?:^|; )seam_aid=([^;]*)/)?.[1];

it("stores the anonymous id in localStorage and in a first-party cookie", async () => {
  const { seam } = await loadPage();
  const id = await seam.anonymousId();
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.parse(localStorage.getItem("seam")!).a).toBe(id);
  expect(cookieValue()).toBe(id);
});

it("keeps the same id across page loads, and from the cookie when localStorage was cleared", async () => {
  const first = await loadPage();
  const id = await first.seam.anonymousId();
  first.close();
  expect(await (await loadPage()).seam.anonymousId()).toBe(id);
  localStorage.clear();
  expect(await (await loadPage()).seam.anonymousId()).toBe(id);
  // ...and each restores the other.
  expect(JSON.parse(localStorage.getItem("seam")!).a).toBe(id);
  document.cookie = "seam_aid=; path=/; max-age=0";
  expect(await (await loadPage()).seam.anonymousId()).toBe(id);
  expect(cookieValue()).toBe(id);
});

it("writes the cookie for the whole site for a year, on cookieDomain when given", async () => {
  const writes: string[] = [];
  let proto = Object.getPrototypeOf(document);
  while (!Object.getOwnPropertyDescriptor(proto, "cookie")) proto = Object.getPrototypeOf(proto);
  const { get, set } = Object.getOwnPropertyDescriptor(proto, "cookie")!;
  Object.defineProperty(document, "cookie", {
    configurable: true,
    get: () => get!.call(document),
    set: (v: string) => (writes.push(v), set!.call(document, v)),
  });
  await loadPage({ cookieDomain: "shop.test" });
  expect(writes.find((w) => w.startsWith(`${ID_COOKIE}=`))).toMatch(
    /^seam_aid=[0-9a-f-]{36};path=\/;max-age=31536000;samesite=lax;domain=shop\.test$/,
  );
});

it("reset() on sign-out writes a new id to both places", async () => {
  const { seam } = await loadPage();
  const before = await seam.anonymousId();
  await seam.reset();
  const after = await seam.anonymousId();
  expect(after).not.toBe(before);
  expect(cookieValue()).toBe(after);
  expect(JSON.parse(localStorage.getItem("seam")!).a).toBe(after);
});

it("still works, in memory, when the browser blocks storage (cookies off, sandboxed frame)", async () => {
  const descriptor = Object.getOwnPropertyDescriptor(window, "localStorage")!;
  Object.defineProperty(window, "localStorage", {
    configurable: true,
    get: () => {
      throw new DOMException("Access is denied for this document.", "SecurityError");
    },
  });
  try {
    expect(() => localStorage).toThrow(/denied/);
    const { seam, server } = await loadPage();
    seam.track("Blocked Storage");
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.sent.map((e) => e.event)).toEqual(["Blocked Storage"]);
  } finally {
    Object.defineProperty(window, "localStorage", descriptor);
  }
});
