// Browser SDK "pages" for happy-dom tests. The module keeps one `seam`, so each page re-imports it;
// a closed page has its listeners removed, as a real unload would, so it cannot act in a later test.
import { vi } from "vitest";
import type { BrowserOptions, BrowserSeam } from "../src/browser.ts";
import { fakeServer } from "./helpers.ts";

type Listener = [EventTarget, string, EventListenerOrEventListenerObject];
let listeners: Listener[] = [];

/** A page load: a fresh module (so a fresh `seam`) over the same localStorage and cookies. */
export async function loadPage(options: Partial<BrowserOptions> = {}, server = fakeServer()) {
  vi.resetModules();
  const { seam } = await import("../src/browser.ts");
  const mine: Listener[] = [];
  // vitest's happy-dom `window` has its own bound addEventListener, so patch each target.
  const targets: EventTarget[] = [window, document];
  const adds = targets.map((target) => {
    const add = target.addEventListener;
    target.addEventListener = (type: string, fn: any, opts?: any) => {
      mine.push([target, type, fn]);
      add.call(target, type, fn, opts);
    };
    return add;
  });
  try {
    seam.init({ writeKey: "wk_web", host: "https://seam.test", fetch: server.fetch, ...options });
  } finally {
    targets.forEach((target, i) => (target.addEventListener = adds[i]!));
  }
  listeners.push(...mine);
  await vi.advanceTimersByTimeAsync(0);
  return { seam: seam as BrowserSeam, server, close: () => closePage(mine) };
}

function closePage(mine: Listener[]) {
  for (const [target, type, fn] of mine) target.removeEventListener(type, fn);
  listeners = listeners.filter((l) => !mine.includes(l));
}

/** Closes every page (listeners and timers) and forgets all stored state. */
export function resetBrowser() {
  closePage([...listeners]);
  vi.clearAllTimers();
  localStorage.clear();
  sessionStorage.clear();
  document.cookie = "seam_aid=; path=/; max-age=0";
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
}

export function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}
