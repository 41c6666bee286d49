// "Product List Viewed" is sent once per answer, when the strip is actually seen, so recommendations can be attributed.
import { beforeEach, describe, expect, test, vi } from "vitest";
import { mount } from "../src/index.ts";
import {
  FakeIntersectionObserver,
  HOST,
  WRITE_KEY,
  beacons,
  cardsOf,
  fakeBeacon,
  fakeFetch,
  fakeSeam,
  placeholder,
  recsResponse,
  watchingImpression,
} from "./helpers.ts";

const options = { type: "similar", item: "sku-1", writeKey: WRITE_KEY, host: HOST };
const expectedImpression = {
  list_id: "similar",
  rec_id: "r_test1",
  products: [
    { product_id: "sku-1", position: 1 },
    { product_id: "sku-2", position: 2 },
    { product_id: "sku-3", position: 3 },
  ],
};

describe("impressions", () => {
  beforeEach(() => FakeIntersectionObserver.install());

  test("nothing until half the strip is on screen, then exactly one event", async () => {
    const seam = fakeSeam(recsResponse(3));
    const element = placeholder();
    mount(element, options);
    await cardsOf(element, 3);
    await watchingImpression(element);
    expect(seam.track).not.toHaveBeenCalled();

    FakeIntersectionObserver.show(0.2);
    expect(seam.track).not.toHaveBeenCalled();

    FakeIntersectionObserver.show(0.6);
    FakeIntersectionObserver.show(1);
    expect(seam.track).toHaveBeenCalledTimes(1);
    expect(seam.track).toHaveBeenCalledWith("Product List Viewed", expectedImpression);
    expect(FakeIntersectionObserver.instances[0]!.init?.threshold).toBe(0.5);
  });

  test("scrolling away and back does not count again", async () => {
    const seam = fakeSeam(recsResponse(3));
    const element = placeholder();
    mount(element, options);
    await cardsOf(element, 3);
    await watchingImpression(element);
    FakeIntersectionObserver.show(1);
    FakeIntersectionObserver.show(0);
    FakeIntersectionObserver.show(1);
    // A re-render with the same request (an SPA calling mount again) is not a new impression either:
    // render() re-renders synchronously, and the same answer is not watched again.
    const observers = FakeIntersectionObserver.instances.length;
    mount(element, { ...options });
    expect(element.querySelectorAll(".seam-card")).toHaveLength(3);
    expect(FakeIntersectionObserver.instances).toHaveLength(observers);
    FakeIntersectionObserver.show(1);
    expect(seam.track).toHaveBeenCalledTimes(1);
  });

  test("without IntersectionObserver, counts once on render", async () => {
    vi.stubGlobal("IntersectionObserver", undefined);
    const seam = fakeSeam(recsResponse(3));
    const element = placeholder();
    mount(element, options);
    await cardsOf(element, 3);
    // Sent in the commit that rendered the cards; the answer is the last thing the strip waited for.
    expect(seam.track).toHaveBeenCalledTimes(1);
    expect(seam.track).toHaveBeenCalledWith("Product List Viewed", expectedImpression);
  });

  test("never for a strip that rendered nothing", async () => {
    vi.stubGlobal("IntersectionObserver", undefined);
    const sendBeacon = fakeBeacon();
    fakeFetch(recsResponse(0));
    const element = placeholder();
    mount(element, options);
    // Rendering nothing is the last step of handling the answer; an impression would have been sent in that commit.
    await vi.waitFor(() => expect(element.innerHTML).toBe(""));
    expect(sendBeacon).not.toHaveBeenCalled();
  });

  test("without the SDK, goes as a text/plain beacon to /v1/track with key, ids and time", async () => {
    localStorage.setItem("seam", JSON.stringify({ a: "anon-from-storage" }));
    const sendBeacon = fakeBeacon();
    fakeFetch(recsResponse(3));
    const element = placeholder();
    mount(element, options);
    await cardsOf(element, 3);
    await watchingImpression(element);
    FakeIntersectionObserver.show(1);

    const sent = beacons(sendBeacon);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${HOST}/v1/track`);
    // A string body: the browser sends it as text/plain, a simple request with no CORS preflight.
    expect(typeof sendBeacon.mock.calls[0]![1]).toBe("string");
    const body = sent[0]!.body;
    expect(body).toMatchObject({
      type: "track",
      event: "Product List Viewed",
      properties: expectedImpression,
      writeKey: WRITE_KEY,
      anonymousId: "anon-from-storage",
      context: { library: { name: "seam-widget" } },
    });
    expect(body.messageId).toEqual(expect.any(String));
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });
});
