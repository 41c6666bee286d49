// Open pixel and signed click redirect: Message Opened / Message Clicked in the channel history with UTM, no id in clear.
import { describe, expect, it } from "vitest";
import { batch, customer, request, trackEvent, uid } from "./helpers.ts";
import { messagesOf, messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

async function sentMessage() {
  const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
  const visitor = uid();
  await batch(
    [
      { type: "identify", anonymousId: visitor, traits: { email: "t@example.com" }, messageId: crypto.randomUUID() },
      trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent", url: "https://shop.example/p/tent?ref=mail" }] }),
    ],
    ws.writeKey,
  );
  const [message] = await waitForOutbox(ws, visitor, 1);
  return { ws, visitor, message };
}

describe("open and click tracking", () => {
  it("records one Message Opened however often the pixel loads, on the message's channel with its UTM", async () => {
    const { ws, visitor, message } = await sentMessage();
    const pixel = new URL(message.message.payload.links.open_pixel!).pathname;
    for (let i = 0; i < 3; i++) {
      const res = await request(pixel);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toContain("no-store");
      expect(new Uint8Array(await res.arrayBuffer()).slice(0, 3)).toEqual(new TextEncoder().encode("GIF"));
    }
    const history = (await customer(visitor, ws.secretKey)).body.channel_history.filter((t: any) => t.event === "Message Opened");
    expect(history).toEqual([
      expect.objectContaining({ channel: "email", type: "track", utm: { source: "seam", medium: "email", campaign: "cross-sell" } }),
    ]);
    expect((await messagesOf(ws, visitor)).body.messages[0].opened_at).not.toBeNull();
  });

  it("redirects a click to the product with UTM added (the store's own parameters kept) and records Message Clicked", async () => {
    const { ws, visitor, message } = await sentMessage();
    const res = await request(new URL(message.message.payload.products[0].link!).pathname, { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://shop.example/p/tent");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      ref: "mail",
      utm_source: "seam",
      utm_medium: "email",
      utm_campaign: "cross-sell",
      utm_content: message.message_id,
    });
    const state = (await customer(visitor, ws.secretKey)).body;
    const clicked = state.recent_events.find((e) => e.event === "Message Clicked")!;
    expect(clicked.properties).toMatchObject({ message_id: message.message_id, product_id: "tent", trigger_id: "cross-sell" });
    const logged = (await messagesOf(ws, visitor)).body.messages[0];
    // A click is an open too.
    expect(logged.clicked_at).not.toBeNull();
    expect(logged.opened_at).not.toBeNull();
  });

  it("answers a bad click token with a JSON 400, and never redirects anywhere it did not sign", async () => {
    const { message } = await sentMessage();
    const open = new URL(message.message.payload.links.open_pixel!).pathname.split("/").pop();
    for (const path of [`/v1/t/c/${open}`, "/v1/t/c/v1.AAAA", `/v1/t/c/${"x".repeat(5000)}`]) {
      const res = await request(path, { redirect: "manual" });
      expect(res.status, path).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(((await res.json()) as any).error.code).toBe("invalid_token");
    }
  });
});
