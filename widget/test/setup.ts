// Runs after every widget test: no strip, global, stub or stored id leaks into the next test.
import { afterEach, vi } from "vitest";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  // The size test runs in Node: there is no page to clean.
  if (typeof document === "undefined") return;
  const page = globalThis as { seam?: unknown; seamWidget?: { stop(): void } };
  page.seamWidget?.stop();
  delete page.seamWidget;
  delete page.seam;
  document.body.innerHTML = "";
  document.head.innerHTML = "";
  document.documentElement.removeAttribute("lang");
  localStorage.clear();
});
