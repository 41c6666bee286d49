// When Seam cannot answer, the product page looks exactly as it would without the widget.
import { describe, expect, test, vi } from "vitest";
import { mount } from "../src/index.ts";
import { HOST, WRITE_KEY, fakeFetch, fakeSeam, placeholder, recsResponse } from "./helpers.ts";

const options = { type: "similar", item: "sku-1", writeKey: WRITE_KEY, host: HOST };

async function expectEmptyAfterLoading(element: HTMLElement) {
  // First the skeleton, then nothing at all: rendering nothing is the last step of handling the
  // answer (or its failure), and nothing else is pending after it.
  expect(element.querySelector(".seam-skeleton")).not.toBeNull();
  await vi.waitFor(() => expect(element.innerHTML).toBe(""));
}

describe("renders nothing", () => {
  test.each([
    ["a 500 error body", { error: { code: "internal", message: "boom" } }, 500],
    ["a 401 (bad write key)", { error: { code: "unauthorized", message: "bad key" } }, 401],
    ["an empty list", recsResponse(0), 200],
    ["a body that is not JSON", "<html>gateway timeout</html>", 200],
    ["JSON without items", { recId: "r_1" }, 200],
    ["null", null, 200],
  ])("on %s", async (_name, body, status) => {
    fakeFetch(body, status);
    const element = placeholder();
    mount(element, options);
    await expectEmptyAfterLoading(element);
  });

  test("when the network fails", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    const element = placeholder();
    mount(element, options);
    await expectEmptyAfterLoading(element);
  });

  test("when the SDK's getRecommendations rejects (it throws the HTTP status)", async () => {
    const seam = fakeSeam();
    seam.getRecommendations.mockImplementation(() => Promise.reject(404));
    const fetch = fakeFetch();
    const element = placeholder();
    mount(element, options);
    await expectEmptyAfterLoading(element);
    // A refusal is an answer: the widget does not go around the SDK.
    expect(fetch).not.toHaveBeenCalled();
  });
});
