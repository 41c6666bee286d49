// While the answer is on its way the strip already takes its final height, so the page does not jump.
import { describe, expect, test, vi } from "vitest";
import { mount } from "../src/index.ts";
import { WIDGET_CSS } from "../src/styles.ts";
import { HOST, WRITE_KEY, cardsOf, placeholder, recsResponse } from "./helpers.ts";

describe("loading skeleton", () => {
  test("renders a busy, titled region of placeholder cards with the real cards' boxes", async () => {
    let answer!: (response: Response) => void;
    vi.stubGlobal("fetch", vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))));
    const element = placeholder();
    mount(element, { type: "trending", limit: 12, writeKey: WRITE_KEY, host: HOST, title: "Trending" });

    const region = element.querySelector("section")!;
    expect(region.getAttribute("aria-busy")).toBe("true");
    expect(region.getAttribute("aria-label")).toBe("Trending");
    expect(region.querySelector("h2")!.textContent).toBe("Trending");
    const skeletons = [...region.querySelectorAll(".seam-card")];
    // One row's worth, not `limit`: only the height has to be right.
    expect(skeletons).toHaveLength(6);
    for (const card of skeletons) {
      expect(card.getAttribute("aria-hidden")).toBe("true");
      for (const part of [".seam-img", ".seam-name", ".seam-price"]) expect(card.querySelector(part)).not.toBeNull();
    }

    answer(new Response(JSON.stringify(recsResponse(2))));
    await cardsOf(element, 2);
    // The same element stays in place: it is updated, not replaced.
    expect(element.querySelector("section")).toBe(region);
    expect(region.getAttribute("aria-busy")).toBeNull();
  });

  test("every box the skeleton shares with a card has a fixed height in the stylesheet", () => {
    expect(WIDGET_CSS).toMatch(/\.seam-img\{[^}]*aspect-ratio:/);
    expect(WIDGET_CSS).toMatch(/\.seam-name\{[^}]*height:2\.8em/);
    expect(WIDGET_CSS).toMatch(/\.seam-price\{[^}]*height:1\.4em/);
    expect(WIDGET_CSS).toMatch(/\.seam-card\{[^}]*flex:0 0 var\(--seam-card-width/);
  });
});
