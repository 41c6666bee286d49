// Customer 360's timeline: events with the campaign that brought them, touches older than the
// recent-events window, and messages with their furthest status, newest first.
import { describe, expect, it } from "vitest";
import type { CustomerState, MessagingState } from "../src/api/types.ts";
import { buildTimeline } from "../src/lib/timeline.ts";

const at = (minute: number) => Date.UTC(2026, 0, 1, 12, minute);
const iso = (minute: number) => new Date(at(minute)).toISOString();
const noUtm = { source: null, medium: null, campaign: null };

const customer = {
  recent_events: [
    { messageId: "e2", type: "track", event: "Order Completed", timestamp: at(30), channel: "pos", properties: { order_id: "o-1", total: 47, currency: "EUR" } },
    { messageId: "e1", type: "page", name: "Spring sale", timestamp: at(10), channel: "email", properties: {} },
  ],
  channel_history: [
    { message_id: "e2", timestamp: iso(30), channel: "pos", type: "track", event: "Order Completed", utm: noUtm, referrer: null },
    { message_id: "e1", timestamp: iso(10), channel: "email", type: "page", event: "Spring sale", utm: { source: "newsletter", medium: "email", campaign: "spring" }, referrer: null },
    { message_id: "e0", timestamp: iso(1), channel: "web", type: "page", event: "Home", utm: noUtm, referrer: null },
  ],
} as unknown as CustomerState;

const messaging = {
  messages: [
    { message_id: "m1", trigger_id: "thanks", template: "post_purchase", step: 0, channel: "email", chosen_by: "cascade", status: "opened", queued_at: iso(31), sent_at: iso(32), delivered_at: iso(33), failed_at: null, opened_at: iso(40), clicked_at: null, error: null },
  ],
} as unknown as MessagingState;

describe("customer timeline", () => {
  it("merges events, older touches and messages, newest first", () => {
    const items = buildTimeline(customer, messaging);
    expect(items.map((i) => [i.kind, i.channel, i.title])).toEqual([
      ["received", "email", "Post purchase message"],
      ["did", "pos", "Order Completed"],
      ["did", "email", "Viewed page Spring sale"],
      ["did", "web", "Home"],
    ]);
    expect(items[0]!.status).toBe("opened");
    expect(items[1]!.detail).toBe(`Order o-1 · ${new Intl.NumberFormat(undefined, { style: "currency", currency: "EUR" }).format(47)}`);
    expect(items[2]!.detail).toBe("via newsletter / email / spring");
  });

  it("shows a customer with no messages yet", () => {
    expect(buildTimeline(customer, null).every((i) => i.kind === "did")).toBe(true);
  });
});

describe("customer timeline with attribution", () => {
  it("puts a touch on the event it came with, shows an older touch on its own, and when the customer became a lead", () => {
    const withTouches = {
      ...customer,
      touches: [
        { timestamp: iso(10), kind: "utm", channel: "email", source: "newsletter", medium: "email", campaign: "spring", trigger_id: null, message_id: null, product_id: null },
        { timestamp: iso(2), kind: "referral", channel: "web", source: "www.pinterest.com", medium: "referral", campaign: null, trigger_id: null, message_id: null, product_id: null },
      ],
      lead_source: { channel: "web", source: "www.pinterest.com", medium: "referral", campaign: null, trigger_id: null, touched_at: iso(2), became_lead_at: iso(3) },
    } as unknown as CustomerState;
    const items = buildTimeline(withTouches, null);
    // The campaign the event came with is said once.
    expect(items.find((i) => i.key === "e:e1")!.detail).toBe("via newsletter / email / spring");
    expect(buildTimeline({ ...withTouches, channel_history: [] } as CustomerState, null).find((i) => i.key === "e:e1")!.detail).toBe("touch: newsletter / email / spring");
    expect(items.find((i) => i.title === "Came in via www.pinterest.com / referral")).toMatchObject({ channel: "web", at: at(2) });
    expect(items.find((i) => i.key === "lead")).toMatchObject({ title: "Became a lead", detail: "Lead source: www.pinterest.com / referral", at: at(3) });
  });
});
