// A click on a card reports "Product Clicked" with its position and rec_id, and never holds up the navigation.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { mount } from "../src/index.ts";
import { HOST, WRITE_KEY, beacons, cardsOf, fakeBeacon, fakeFetch, fakeSeam, placeholder, recsResponse } from "./helpers.ts";

const options = { type: "bought_together", item: "sku-9", writeKey: WRITE_KEY, host: HOST };

/** Records whether the widget cancelled a click, then cancels it so happy-dom does not try to load the shop. */
let prevented: boolean[] = [];
const stopNavigation = (event: Event) => {
  prevented.push(event.defaultPrevented);
  event.preventDefault();
};

function click(link: HTMLAnchorElement, button = 0) {
  link.dispatchEvent(new MouseEvent(button === 0 ? "click" : "auxclick", { bubbles: true, cancelable: true, button }));
}

describe("clicks", () => {
  beforeEach(() => {
    prevented = [];
    document.addEventListener("click", stopNavigation);
    document.addEventListener("auxclick", stopNavigation);
  });
  afterEach(() => {
    document.removeEventListener("click", stopNavigation);
    document.removeEventListener("auxclick", stopNavigation);
  });

  test("sends Product Clicked through the SDK with product, 1-based position, rec_id and list", async () => {
    const seam = fakeSeam(recsResponse(3, { recId: "r_click", type: "bought_together" }));
    const element = placeholder();
    mount(element, options);
    const cards = await cardsOf(element, 3);
    seam.track.mockClear();

    click(cards[1]!.querySelector("a")!);
    expect(seam.track).toHaveBeenCalledExactlyOnceWith("Product Clicked", {
      product_id: "sku-2",
      position: 2,
      rec_id: "r_click",
      list_id: "bought_together",
    });
    expect(prevented).toEqual([false]);
  });

  test("a middle click (new tab) counts; a right click (context menu) does not", async () => {
    const seam = fakeSeam(recsResponse(3));
    const element = placeholder();
    mount(element, options);
    const cards = await cardsOf(element, 3);
    seam.track.mockClear();

    click(cards[0]!.querySelector("a")!, 2);
    expect(seam.track).not.toHaveBeenCalled();
    click(cards[0]!.querySelector("a")!, 1);
    expect(seam.track).toHaveBeenCalledExactlyOnceWith("Product Clicked", expect.objectContaining({ position: 1 }));
  });

  test("without the SDK, sends a beacon synchronously, before the browser navigates", async () => {
    localStorage.setItem("seam", JSON.stringify({ a: "anon-7" }));
    const sendBeacon = fakeBeacon();
    fakeFetch(recsResponse(3, { recId: "r_beacon" }));
    const element = placeholder();
    mount(element, options);
    const cards = await cardsOf(element, 3);
    sendBeacon.mockClear();

    click(cards[2]!.querySelector("a")!);
    // Synchronous: it is already queued when the click handler returns.
    const sent = beacons(sendBeacon);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${HOST}/v1/track`);
    expect(sent[0]!.body).toMatchObject({
      type: "track",
      event: "Product Clicked",
      properties: { product_id: "sku-3", position: 3, rec_id: "r_beacon", list_id: "bought_together" },
      writeKey: WRITE_KEY,
      anonymousId: "anon-7",
    });
    expect(sent[0]!.body.messageId).toEqual(expect.any(String));
    expect(sent[0]!.body.timestamp).toEqual(expect.any(String));
    expect(prevented).toEqual([false]);
  });

  test("each event gets its own messageId, so the edge does not drop a second click as a duplicate", async () => {
    const sendBeacon = fakeBeacon();
    fakeFetch(recsResponse(2));
    const element = placeholder();
    mount(element, options);
    const cards = await cardsOf(element, 2);
    sendBeacon.mockClear();
    click(cards[0]!.querySelector("a")!);
    click(cards[0]!.querySelector("a")!);
    const [first, second] = beacons(sendBeacon);
    expect(first!.body.messageId).not.toBe(second!.body.messageId);
  });
});
