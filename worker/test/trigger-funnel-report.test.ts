// The triggers report counts each trigger's runs: entered once per run (a repeated event starts
// none), and runs that ended early by their reason, next to the messages' sent, opened, clicked
// and the orders they brought, so the dashboard draws entered → sent → opened → clicked → converted.
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, messagingWorkspace, type MessagingWorkspace } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function triggersReport(ws: MessagingWorkspace) {
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const res = await request(`/v1/reports/triggers?from=${yesterday}&to=${today}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  return ((await res.json()) as { rows: Record<string, unknown>[] }).rows;
}

describe("trigger funnel in the triggers report", () => {
  it("counts runs entered and exits by reason per trigger", async () => {
    const ws = await messagingWorkspace({ triggers: { "cart-reminder": { template: "abandoned_cart" } } });
    const [keeps, buys, empties] = [uid("keeps"), uid("buys"), uid("empties")];
    const t0 = Date.now() - 5 * 60_000;
    for (const visitor of [keeps, buys, empties]) {
      await batch([trackEvent(visitor, "Product Added", { product_id: "a", price: 10 }, { timestamp: iso(t0) })], ws.writeKey);
      // A second add while the run is on starts no second run.
      await batch([trackEvent(visitor, "Product Added", { product_id: "b", price: 5 }, { timestamp: iso(t0 + 1000) })], ws.writeKey);
    }
    await batch([trackEvent(buys, "Order Completed", { order_id: uid("o"), products: [{ product_id: "a" }] }, { timestamp: iso(t0 + 60_000) })], ws.writeKey);
    await batch([trackEvent(empties, "Cart Cleared", {}, { timestamp: iso(t0 + 60_000) })], ws.writeKey);
    await batch([trackEvent(empties, "Product Removed", { product_id: "a" }, { timestamp: iso(t0 + 61_000) }), trackEvent(empties, "Product Removed", { product_id: "b" }, { timestamp: iso(t0 + 62_000) })], ws.writeKey);

    const row = async () => (await triggersReport(ws)).find((r) => r.trigger === "cart-reminder");
    await vi.waitUntil(async () => (await row())?.entered === 3 && Object.keys(((await row())?.exits as object) ?? {}).length === 2, { timeout: 5000, interval: 50 });
    expect(await row()).toMatchObject({ trigger: "cart-reminder", entered: 3, exits: { order_completed: 1, cart_emptied: 1 }, messages_sent: 0 });
    // Only the triggers report carries runs.
    const channels = await request(`/v1/reports/channels?from=${new Date().toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
    for (const r of ((await channels.json()) as { rows: object[] }).rows) expect(r).not.toHaveProperty("entered");
    for (const visitor of [keeps, buys, empties]) await clearAlarm(ws, `a:${visitor}`);
  });
});
