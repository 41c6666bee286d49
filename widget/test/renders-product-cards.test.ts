// A strip shows one linked, keyboard-reachable card per recommended product, in a labelled region.
import { describe, expect, test } from "vitest";
import { mount } from "../src/index.ts";
import { STYLE_ELEMENT_ID } from "../src/styles.ts";
import { HOST, WRITE_KEY, cardsOf, fakeFetch, item, placeholder, recsResponse } from "./helpers.ts";

const options = { type: "similar", item: "sku-1", writeKey: WRITE_KEY, host: HOST };

describe("product cards", () => {
  test("renders one card per item: link, name, lazy image with reserved size", async () => {
    fakeFetch(recsResponse(3));
    const element = placeholder();
    mount(element, { ...options, title: "You may also like" });
    const cards = await cardsOf(element, 3);

    const region = element.querySelector("section")!;
    expect(region.getAttribute("aria-label")).toBe("You may also like");
    expect(region.getAttribute("aria-busy")).toBeNull();
    expect(element.querySelector("h2")!.textContent).toBe("You may also like");
    expect(element.querySelector("ul")!.getAttribute("role")).toBe("list");

    const link = cards[1]!.querySelector("a")!;
    expect(link.getAttribute("href")).toBe("https://shop.example/p/sku-2");
    expect(link.textContent).toContain("Product 2");
    const image = cards[1]!.querySelector("img")!;
    expect(image.getAttribute("src")).toBe("https://cdn.example/2.jpg");
    expect(image.getAttribute("width")).toBe("320");
    expect(image.getAttribute("height")).toBe("320");
    expect(image.getAttribute("loading")).toBe("lazy");
    // The name is read from the link; a non-empty alt would read it twice.
    expect(image.getAttribute("alt")).toBe("");
  });

  test("uses a default title per list type", async () => {
    fakeFetch(recsResponse(1));
    const element = placeholder();
    mount(element, { ...options, type: "bought_together" });
    await cardsOf(element);
    expect(element.querySelector("section")!.getAttribute("aria-label")).toBe("Frequently bought together");
  });

  test("shows at most `limit` cards even if the answer has more", async () => {
    fakeFetch(recsResponse(10));
    const element = placeholder();
    mount(element, { ...options, limit: 4 });
    await cardsOf(element, 4);
  });

  test("skips items it cannot link to", async () => {
    const broken = { ...item(2), url: undefined } as unknown as ReturnType<typeof item>;
    fakeFetch(recsResponse(0, { items: [item(1), broken, item(3)] }));
    const element = placeholder();
    mount(element, options);
    const cards = await cardsOf(element, 2);
    expect(cards.map((card) => card.querySelector("a")!.getAttribute("href"))).toEqual([
      "https://shop.example/p/sku-1",
      "https://shop.example/p/sku-3",
    ]);
  });

  test("injects one scoped, themeable stylesheet for any number of strips", async () => {
    fakeFetch(recsResponse(1));
    const first = placeholder();
    const second = placeholder();
    mount(first, options);
    mount(second, options);
    await cardsOf(first);
    await cardsOf(second);
    const sheets = document.querySelectorAll(`#${STYLE_ELEMENT_ID}`);
    expect(sheets).toHaveLength(1);
    const css = sheets[0]!.textContent!;
    for (const variable of ["--seam-accent", "--seam-radius", "--seam-font"]) expect(css).toContain(variable);
    // Every selector is scoped by the prefix, so the strip never restyles the store's own page.
    const selectors = css.replace(/@keyframes[^{]*\{[^}]*\{[^}]*\}\s*\}/g, "").match(/(^|\})\s*([^{}@]+)\{/g) ?? [];
    expect(selectors.length).toBeGreaterThan(5);
    for (const selector of selectors) expect(selector).toMatch(/\.seam-/);
  });
});
