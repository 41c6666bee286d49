// An SPA calls mount() itself: on every route change it updates the same strip, and can remove it.
import { describe, expect, test, vi } from "vitest";
import { mount } from "../src/index.ts";
import { HOST, WRITE_KEY, cardsOf, fakeFetch, fetchedQuery, item, placeholder, recsResponse } from "./helpers.ts";

const options = { type: "similar", writeKey: WRITE_KEY, host: HOST, anonymousId: "a1" };

describe("mount() for SPAs", () => {
  test("mounting again with another product refetches into the same strip", async () => {
    const fetch = fakeFetch(recsResponse(2));
    const element = placeholder();
    mount(element, { ...options, item: "sku-1" });
    await cardsOf(element, 2);

    fetch.mockImplementation(async () => new Response(JSON.stringify(recsResponse(0, { recId: "r_2", items: [item(7)] }))));
    mount(element, { ...options, item: "sku-2" });
    await vi.waitFor(() => expect(element.querySelector(".seam-name")?.textContent).toBe("Product 7"));
    expect(element.querySelectorAll("section")).toHaveLength(1);
    expect(fetchedQuery(fetch, 1).query.item).toBe("sku-2");
  });

  test("mounting again with the same request does not refetch", async () => {
    const fetch = fakeFetch(recsResponse(2));
    const element = placeholder();
    mount(element, { ...options, item: "sku-1" });
    await cardsOf(element, 2);
    // render() updates the strip synchronously: no request was started by the second mount.
    mount(element, { ...options, item: "sku-1", title: "Similar" });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(element.querySelector("h2")!.textContent).toBe("Similar");
  });

  test("a slow answer for the previous product never replaces the current one", async () => {
    const answers: Array<(response: Response) => void> = [];
    vi.stubGlobal("fetch", vi.fn(() => new Promise<Response>((resolve) => answers.push(resolve))));
    const element = placeholder();
    mount(element, { ...options, item: "sku-1" });
    mount(element, { ...options, item: "sku-2" });
    await vi.waitFor(() => expect(answers).toHaveLength(2));

    answers[1]!(new Response(JSON.stringify(recsResponse(0, { items: [item(2)] }))));
    await cardsOf(element, 1);
    // The stale answer with a body that needs no stream: handling it is a chain of microtasks
    // (Preact renders on queueMicrotask too), so it has run to its end once the next task starts.
    const stale = { ok: true, status: 200, json: async () => recsResponse(0, { items: [item(1)] }) } as unknown as Response;
    answers[0]!(stale);
    await new Promise((nextTask) => setTimeout(nextTask, 0));
    expect(element.querySelector(".seam-name")!.textContent).toBe("Product 2");
  });

  test("the returned function removes the strip", async () => {
    fakeFetch(recsResponse(2));
    const element = placeholder();
    const unmount = mount(element, { ...options, item: "sku-1" });
    await cardsOf(element, 2);
    unmount();
    expect(element.innerHTML).toBe("");
  });
});
