// Regression: the open pixel answered a malformed or foreign token with JSON, which a mail client
// shows as a broken image; it must answer the GIF whatever the token, and record nothing for a bad one.
import { describe, expect, it } from "vitest";
import { batch, customer, request, trackEvent, uid } from "./helpers.ts";
import { messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

async function isPixel(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/gif");
  expect(res.headers.get("cache-control")).toContain("no-store");
  expect(new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(0, 3))).toBe("GIF");
}

describe("the open pixel", () => {
  it("answers a 1×1 GIF for any token, and a bad token records no open", async () => {
    const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "t@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent" }] }),
      ],
      ws.writeKey,
    );
    const [message] = await waitForOutbox(ws, visitor, 1);
    const click = new URL(message.message.payload.products[0].link!).pathname.split("/").pop();
    const before = (await customer(visitor, ws.secretKey)).body.event_count;
    // A click token is not an open token; the rest are not tokens at all.
    for (const token of [click, "nope", "v1.AAAA", "x".repeat(5000), encodeURIComponent("<script>")]) await isPixel(await request(`/v1/t/o/${token}`));
    expect((await customer(visitor, ws.secretKey)).body.event_count).toBe(before);
  });
});
