// One script tag fills every [data-seam-recs] placeholder on the page, including ones added later, each exactly once.
import { describe, expect, test, vi } from "vitest";
import { HOST, WRITE_KEY, cardsOf, fakeFetch, fetchedQuery, placeholder, recsResponse } from "./helpers.ts";

/** Adds the script tag the store pastes, then runs the script-tag entry as a browser would. */
async function loadScript(attributes: Record<string, string> = { "data-write-key": WRITE_KEY, "data-host": HOST }) {
  const script = document.createElement("script");
  script.setAttribute("src", "https://cdn.seam.example/seam-widget.js");
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  document.head.append(script);
  // A fresh module instance each time: the same code a second <script> tag would run.
  vi.resetModules();
  await import("../src/script.ts");
}

describe("script tag", () => {
  test("mounts the placeholders already on the page, with their data attributes", async () => {
    const fetch = fakeFetch(recsResponse(2));
    const similar = placeholder({ "data-type": "similar", "data-item": "sku-1", "data-limit": "8", "data-title": "You may also like" });
    const trending = placeholder({ "data-type": "trending", "data-category": "Men > Shirts" });
    await loadScript();

    await cardsOf(similar, 2);
    await cardsOf(trending, 2);
    expect(similar.querySelector("section")!.getAttribute("aria-label")).toBe("You may also like");
    const queries = fetch.mock.calls.map((_, i) => fetchedQuery(fetch, i));
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      origin: HOST,
      path: "/v1/recs",
      query: { type: "similar", item: "sku-1", limit: "8", writeKey: WRITE_KEY },
    });
    expect(queries[1]!.query).toMatchObject({ type: "trending", category: "Men > Shirts", writeKey: WRITE_KEY });
  });

  test("mounts placeholders added later, alone or inside a new section", async () => {
    const fetch = fakeFetch(recsResponse(1));
    await loadScript();
    expect(fetch).not.toHaveBeenCalled();

    const later = placeholder({ "data-type": "recently_viewed" });
    const section = document.createElement("div");
    section.innerHTML = `<aside><div data-seam-recs data-type="for_you"></div></aside>`;
    document.body.append(section);

    await cardsOf(later, 1);
    await cardsOf(section.querySelector("[data-seam-recs]")!, 1);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  test("never mounts a placeholder twice: re-added, moved, or a second copy of the script", async () => {
    const fetch = fakeFetch(recsResponse(2));
    const element = placeholder({ "data-type": "similar", "data-item": "sku-1" });
    await loadScript();
    await cardsOf(element, 2);

    // A second <script> tag with the widget (a theme and an app both adding it).
    await loadScript();
    // The store's own script moving the placeholder elsewhere on the page.
    const footer = document.createElement("footer");
    document.body.append(footer);
    footer.append(element);
    // A placeholder added after the move: the MutationObserver hands records over in order, so once
    // this one is mounted, the move was seen too.
    const marker = placeholder({ "data-type": "trending" });
    await cardsOf(marker, 2);

    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetchedQuery(fetch, 1).query.type).toBe("trending");
    expect(element.querySelectorAll("section")).toHaveLength(1);
    expect(element.querySelectorAll(".seam-card")).toHaveLength(2);
  });

  test("without data-host, asks the origin the script came from; a placeholder can override key and host", async () => {
    const fetch = fakeFetch(recsResponse(1));
    const plain = placeholder({ "data-type": "trending" });
    const other = placeholder({ "data-type": "trending", "data-write-key": "wk_other", "data-host": "https://edge.other.example/" });
    await loadScript({ "data-write-key": WRITE_KEY });
    await cardsOf(plain, 1);
    await cardsOf(other, 1);

    expect(fetchedQuery(fetch, 0)).toMatchObject({ origin: "https://cdn.seam.example", query: { writeKey: WRITE_KEY } });
    // A trailing slash in a hand-written data-host does not turn the path into //v1/recs.
    expect(fetchedQuery(fetch, 1)).toMatchObject({ origin: "https://edge.other.example", path: "/v1/recs", query: { writeKey: "wk_other" } });
  });

  test("a bad data-limit falls back to the default instead of asking for nothing or everything", async () => {
    const fetch = fakeFetch(recsResponse(1));
    placeholder({ "data-type": "trending", "data-limit": "lots" });
    placeholder({ "data-type": "trending", "data-limit": "800" });
    await loadScript();
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    expect(fetchedQuery(fetch, 0).query.limit).toBe("8");
    expect(fetchedQuery(fetch, 1).query.limit).toBe("50");
  });
});
