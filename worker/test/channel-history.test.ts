// Every event is a touchpoint on a channel: explicit context.channel, else UTM medium, else the library.
import { describe, expect, it } from "vitest";
import { deriveChannel } from "../src/ingest/channel.ts";
import { batch, customer, trackEvent, uid } from "./helpers.ts";

describe("deriveChannel", () => {
  it.each([
    [{ channel: "pos", campaign: { medium: "email" } }, "pos"],
    [{ channel: "call_centre" }, "call_centre"],
    [{ channel: "fax", campaign: { medium: "sms" } }, "sms"],
    [{ campaign: { medium: "Email" }, library: { name: "analytics.js" } }, "email"],
    [{ campaign: { medium: "whatsapp" } }, "messenger"],
    [{ campaign: { medium: "push" } }, "push"],
    [{ campaign: { medium: "cpc" }, page: { url: "https://shop" } }, "web"],
    [{ library: { name: "analytics-ios" } }, "app"],
    [{ app: { name: "Shop", version: "1.2" } }, "app"],
    [{ library: { name: "analytics-next" } }, "web"],
    [{ userAgent: "Mozilla/5.0" }, "web"],
    [{ library: { name: "analytics-node" } }, "server"],
    [{}, "server"],
  ])("%j → %s", (context, channel) => {
    expect(deriveChannel(context as Record<string, unknown>)).toBe(channel);
  });
});

describe("channel history", () => {
  it("records one touchpoint per event with channel, UTM and referrer, newest first", async () => {
    const id = uid();
    await batch([
      {
        type: "page",
        anonymousId: id,
        messageId: "tp-1",
        timestamp: "2026-11-20T10:00:00.000Z",
        context: {
          page: { url: "https://shop.example/p/1?utm_source=newsletter", referrer: "https://mail.example/" },
          campaign: { source: "newsletter", medium: "email", name: "black-friday" },
        },
      },
      trackEvent(id, "Product Viewed", { product_id: "1" }, {
        messageId: "tp-2",
        timestamp: "2026-11-20T10:01:00.000Z",
        context: { library: { name: "analytics-ios" } },
      }),
      trackEvent(id, "Order Completed", { order_id: "o" }, {
        messageId: "tp-3",
        timestamp: "2026-11-20T10:02:00.000Z",
        context: { channel: "pos" },
      }),
    ]);
    const history = (await customer(id)).body.channel_history;
    expect(history).toEqual([
      {
        timestamp: "2026-11-20T10:02:00.000Z",
        channel: "pos",
        type: "track",
        event: "Order Completed",
        utm: { source: null, medium: null, campaign: null },
        referrer: null,
        message_id: "tp-3",
      },
      {
        timestamp: "2026-11-20T10:01:00.000Z",
        channel: "app",
        type: "track",
        event: "Product Viewed",
        utm: { source: null, medium: null, campaign: null },
        referrer: null,
        message_id: "tp-2",
      },
      {
        timestamp: "2026-11-20T10:00:00.000Z",
        channel: "email",
        type: "page",
        event: null,
        utm: { source: "newsletter", medium: "email", campaign: "black-friday" },
        referrer: "https://mail.example/",
        message_id: "tp-1",
      },
    ]);
  });
});
