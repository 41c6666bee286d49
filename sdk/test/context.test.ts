// Every browser event carries page, campaign (UTM + click ids, kept for the session), locale,
// timezone, screen, user agent, library and channel, captured when the call is made.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { VERSION } from "../src/core.ts";
import { loadPage, resetBrowser } from "./browser-helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
  resetBrowser();
  history.replaceState(null, "", "/");
  document.title = "Seam Shop";
});
afterEach(() => {
  resetBrowser();
  vi.useRealTimers();
});

it("captures page, locale, timezone, screen, user agent, library and channel", async () => {
  history.replaceState(null, "", "/p/mug?color=blue");
  const { seam, server } = await loadPage();
  seam.track("Viewed");
  await vi.advanceTimersByTimeAsync(1000);
  const { context } = server.sent[0]!;
  expect(context).toMatchObject({
    page: {
      path: "/p/mug",
      search: "?color=blue",
      url: `${location.origin}/p/mug?color=blue`,
      title: "Seam Shop",
      referrer: document.referrer,
    },
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
    userAgent: navigator.userAgent,
    library: { name: "seam-web", version: VERSION },
    channel: "web",
  });
});

it("puts UTM parameters (Segment's names) and click ids in context.campaign and keeps them for the session", async () => {
  history.replaceState(null, "", "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_content=hero&gclid=G1&fbclid=F1&q=x");
  const { seam, server } = await loadPage();
  seam.track("Landed");
  history.pushState(null, "", "/p/mug"); // a later page of the same visit, without parameters
  seam.track("Browsed");
  await vi.advanceTimersByTimeAsync(1000);
  const campaign = { source: "newsletter", medium: "email", name: "spring", content: "hero", gclid: "G1", fbclid: "F1" };
  expect(server.sent.map((e) => (e.context as { campaign: unknown }).campaign)).toEqual([campaign, campaign]);
  // A tagged medium decides the channel on the server (an email click is the email channel's touch),
  // so the SDK does not claim "web" over it.
  expect(server.sent.map((e) => (e.context as { channel?: string }).channel)).toEqual([undefined, undefined]);
  // The page context is taken at call time, not at send time.
  expect(server.sent.map((e) => (e.context as { page: { path: string } }).page.path)).toEqual(["/", "/p/mug"]);
});

it("a new campaign landing replaces the session's campaign", async () => {
  history.replaceState(null, "", "/?utm_source=a");
  const { seam, server } = await loadPage();
  seam.track("One");
  history.pushState(null, "", "/?msclkid=M1");
  seam.track("Two");
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => (e.context as { campaign: unknown }).campaign)).toEqual([{ source: "a" }, { msclkid: "M1" }]);
});

it("page() sends url, path, title, referrer and search as properties", async () => {
  history.replaceState(null, "", "/c/mugs?page=2");
  const { seam, server } = await loadPage();
  seam.page("Category", { category: "mugs" });
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent[0]).toMatchObject({
    type: "page",
    name: "Category",
    properties: { path: "/c/mugs", search: "?page=2", title: "Seam Shop", url: `${location.origin}/c/mugs?page=2`, category: "mugs" },
  });
});

it("with spa: true, tracks a page on each History API navigation (and back), not on a same-URL replace", async () => {
  const { server } = await loadPage({ spa: true });
  history.pushState(null, "", "/p/1");
  history.replaceState({ scroll: 10 }, "", "/p/1");
  history.pushState(null, "", "/p/2?ref=x");
  history.back();
  await vi.advanceTimersByTimeAsync(0);
  // A popstate that does not change the URL (a hash-only or state-only change) is not a page.
  window.dispatchEvent(new PopStateEvent("popstate"));
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => e.type)).toEqual(["page", "page", "page"]);
  const urls = server.sent.map((e) => e.properties as { path: string; search: string });
  expect(urls.map((p) => p.path + p.search)).toEqual(["/p/1", "/p/2?ref=x", "/p/1"]);
});

it("without spa, navigation sends nothing by itself", async () => {
  const { server } = await loadPage();
  history.pushState(null, "", "/p/1");
  await vi.advanceTimersByTimeAsync(2000);
  expect(server.requests).toHaveLength(0);
});
