// Product-interest follow-up end to end: a click on a product link in a message → a message about that product.
import { describe, expect, it } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { HOUR, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox } from "./messaging-helpers.ts";

describe("product-interest follow-up", () => {
  it("follows up a day after the click on a product the customer did not add", async () => {
    const ws = await messagingWorkspace({
      triggers: {
        "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] },
        interest: { template: "product_interest" },
      },
    });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "i@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Order Completed", { order_id: "o-1", products: [{ product_id: "tent", name: "Tent", url: "https://shop.example/p/tent" }] }),
      ],
      ws.writeKey,
    );
    const [crossSell] = await waitForOutbox(ws, visitor, 1);
    const link: string = crossSell.message.payload.products[0].link!;

    const clickedAt = Date.now();
    const res = await request(new URL(link).pathname, { redirect: "manual" });
    expect(res.status, await res.clone().text()).toBe(302);
    const state = (await messagesOf(ws, visitor)).body;
    expect(state.runs.find((r: any) => r.trigger_id === "interest")).toMatchObject({ product_id: "tent", status: "active" });
    const [row] = pendingRows(state);
    expect(Date.parse(row.due_at) - clickedAt).toBeGreaterThanOrEqual(24 * HOUR - 1000);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const messages = await waitForOutbox(ws, visitor, 2);
    const followUp = messages.find((m) => m.trigger_id === "interest")!;
    expect(followUp.message.payload.products).toMatchObject([{ product_id: "tent", name: "Tent" }]);
  });
});
