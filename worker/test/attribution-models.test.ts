// Attribution, tested directly on plain touches: which events are touches, and how an order's credit
// splits under first_touch, last_touch, linear and position_based (the README's worked example).
import { describe, expect, it } from "vitest";
import { ATTRIBUTION_MODELS, creditOrder, modelWeights, orderValue, touchesInWindow, DAY_MS } from "../src/attribution/models.ts";
import { advanceVisit, touchFromEvent, VISIT_GAP_MS, type Touch, type VisitState } from "../src/attribution/touches.ts";
import type { SeamEvent } from "../src/schemas.ts";

const T0 = Date.parse("2026-03-02T09:00:00Z");
const NO_VISIT: VisitState = { lastActivityAt: null, current: null };

function event(overrides: Partial<SeamEvent>): SeamEvent {
  return {
    messageId: crypto.randomUUID(),
    type: "page",
    timestamp: T0,
    receivedAt: T0,
    channel: "web",
    verified: false,
    properties: {},
    traits: {},
    context: { page: { url: "https://shop.example/" } },
    ...overrides,
  };
}

/** The README's journey: an ad click, a direct visit, an email click; then a purchase in the shop. */
function journey(): Touch[] {
  let visit = NO_VISIT;
  const events = [
    event({ timestamp: T0, context: { page: { url: "https://shop.example/?utm_source=google" }, campaign: { source: "google", medium: "cpc", name: "spring_sale" } } }),
    event({ timestamp: T0 + 2 * DAY_MS }),
    event({
      type: "track",
      event: "Message Clicked",
      channel: "email",
      timestamp: T0 + 3 * DAY_MS,
      properties: { message_id: "msg_1", trigger_id: "cart", channel: "email" },
      context: { channel: "email", campaign: { source: "seam", medium: "email", name: "cart", content: "msg_1" } },
    }),
  ];
  const touches: Touch[] = [];
  for (const e of events) {
    const touch = touchFromEvent(e, visit);
    if (touch) touches.push(touch);
    visit = advanceVisit(visit, e, touch);
  }
  return touches;
}

describe("touches", () => {
  it("makes one touch per campaign link, visit start, message click and recommendation click", () => {
    const [ad, visit, click] = journey();
    expect(ad).toMatchObject({ kind: "utm", channel: "cpc", source: "google", medium: "cpc", campaign: "spring_sale" });
    expect(visit).toMatchObject({ kind: "direct", channel: "web", source: "direct", medium: null });
    expect(click).toMatchObject({ kind: "message", channel: "email", source: "seam", campaign: "cart", trigger_id: "cart", message_id: "msg_1" });

    const rec = touchFromEvent(event({ type: "track", event: "Product Clicked", properties: { product_id: "tent", rec_id: "rec_9", list_id: "similar" } }), {
      lastActivityAt: T0,
      current: null,
    });
    expect(rec).toMatchObject({ kind: "recommendation", source: "seam", medium: "recommendation", campaign: "similar", rec_id: "rec_9", product_id: "tent" });
  });

  it("makes no touch inside a visit, and none for the landing page of the click that opened it", () => {
    const click = event({
      type: "track",
      event: "Message Clicked",
      channel: "email",
      properties: { message_id: "msg_1", trigger_id: "cart" },
      context: { channel: "email", campaign: { source: "seam", medium: "email", name: "cart", content: "msg_1" } },
    });
    const clickTouch = touchFromEvent(click, NO_VISIT);
    let visit = advanceVisit(NO_VISIT, click, clickTouch);
    const landing = event({ timestamp: T0 + 1000, context: { page: { url: "https://shop.example/p/1" }, campaign: { source: "seam", medium: "email", name: "cart", content: "msg_1" } } });
    expect(touchFromEvent(landing, visit)).toBeNull();
    visit = advanceVisit(visit, landing, null);
    expect(touchFromEvent(event({ timestamp: T0 + 10 * 60_000 }), visit)).toBeNull();
    // Another campaign within the visit is a touch of its own; a gap over 30 minutes starts a new visit.
    expect(touchFromEvent(event({ timestamp: T0 + 60_000, context: { campaign: { source: "fb", medium: "social", name: "x" } } }), visit)).toMatchObject({ channel: "social" });
    expect(touchFromEvent(event({ timestamp: T0 + 1000 + VISIT_GAP_MS + 1 }), visit)).toMatchObject({ kind: "direct" });
  });

  it("names a referrer's site, and a search engine's visit organic", () => {
    const from = (referrer: string) => touchFromEvent(event({ context: { page: { url: "https://shop.example/", referrer } } }), NO_VISIT);
    expect(from("https://www.google.com/search?q=tent")).toMatchObject({ kind: "referral", source: "www.google.com", medium: "organic" });
    expect(from("https://blog.example/best-tents")).toMatchObject({ kind: "referral", source: "blog.example", medium: "referral" });
    // A page of the shop itself is no referrer.
    expect(from("https://shop.example/cart")).toMatchObject({ kind: "direct" });
  });

  it("maps a UTM medium that names a channel onto that channel", () => {
    expect(touchFromEvent(event({ context: { campaign: { source: "mailchimp", medium: "Newsletter", name: "may" } } }), NO_VISIT)).toMatchObject({ channel: "email", medium: "newsletter" });
  });
});

describe("attribution models", () => {
  it("gives weights that sum to one, with 40/20/40 for position_based", () => {
    for (const model of ATTRIBUTION_MODELS)
      for (const n of [1, 2, 3, 4, 7]) expect(modelWeights(model, n).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(modelWeights("position_based", 3)).toEqual([0.4, expect.closeTo(0.2, 12), 0.4]);
    expect(modelWeights("position_based", 4)).toEqual([0.4, expect.closeTo(0.1, 12), expect.closeTo(0.1, 12), 0.4]);
    expect(modelWeights("position_based", 2)).toEqual([0.5, 0.5]);
    expect(modelWeights("linear", 1)).toEqual([1]);
  });

  it("credits the worked example: 200 in the shop after an ad, a visit and an email", () => {
    const touches = journey();
    const orderAt = T0 + 3 * DAY_MS + 60 * 60_000;
    const credited = creditOrder(touchesInWindow(touches, orderAt, 30), 200);
    const summary = Object.fromEntries(
      ATTRIBUTION_MODELS.map((model) => [model, credited.credits[model].map((c) => [credited.touches[c.touch]!.channel, c.revenue])]),
    );
    expect(summary).toEqual({
      first_touch: [["cpc", 200]],
      last_touch: [["email", 200]],
      linear: [
        ["cpc", 66.67],
        ["web", 66.67],
        ["email", 66.67],
      ],
      position_based: [
        ["cpc", 80],
        ["web", 40],
        ["email", 80],
      ],
    });
  });

  it("only credits touches within the window before the order", () => {
    const touches = journey();
    const orderAt = T0 + 3 * DAY_MS + 60 * 60_000;
    // A 2-day window leaves the ad click (three days before) out.
    expect(touchesInWindow(touches, orderAt, 2).map((t) => t.channel)).toEqual(["web", "email"]);
    // A touch after the order takes nothing.
    expect(touchesInWindow(touches, T0 + DAY_MS, 30).map((t) => t.channel)).toEqual(["cpc"]);
  });

  it("values an order by revenue, else total, else its lines", () => {
    expect(orderValue({ revenue: 90, total: 100, products: [] })).toBe(90);
    expect(orderValue({ total: 100, products: [] })).toBe(100);
    expect(orderValue({ products: [{ price: 20, quantity: 2 }, { quantity: 1 }] })).toBe(40);
  });
});
