// A segment as a trigger's audience (`"audience": {"segment": …, "exclude": […]}`): checked when a
// run would start, and again when a step comes due (a customer who left the segment meanwhile
// gets nothing: the run exits with reason "audience").
import { describe, expect, it } from "vitest";
import { backendBatch, batch, trackEvent, uid } from "./helpers.ts";
import { admin, clearAlarm, DAY, HOUR, messagesOf, messagingWorkspace, pendingRows, runAlarm } from "./messaging-helpers.ts";
import { segmentsOf } from "./segment-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const identify = (anonymousId: string) => ({ type: "identify", anonymousId, traits: { email: `${anonymousId}@example.com` }, messageId: crypto.randomUUID() });

describe("trigger audience", () => {
  it("starts only for the segment's members, and a member who left the segment before the step is due gets nothing", async () => {
    const ws = await messagingWorkspace({
      triggers: { "vip-cart": { template: "abandoned_cart", steps: [{ delay_minutes: 240 }], audience: { segment: "high_value" } } },
    });
    const ordinary = uid("ordinary");
    await batch([identify(ordinary), trackEvent(ordinary, "Product Added", { product_id: "tent" })], ws.writeKey);
    expect((await messagesOf(ws, ordinary)).body.runs).toEqual([]);

    // A high spender whose big order is almost a year old: high value now, not in three hours.
    const vip = uid("vip");
    const ordered = Date.now() - 365 * DAY + 3 * HOUR;
    await batch([identify(vip), trackEvent(vip, "Order Completed", { order_id: "big", total: 900 }, { timestamp: iso(ordered) })], ws.writeKey);
    await batch([trackEvent(vip, "Product Added", { product_id: "tent" })], ws.writeKey);
    expect(await segmentsOf(ws, vip)).toContain("high_value");
    const planned = (await messagesOf(ws, vip)).body;
    expect(planned.runs).toMatchObject([{ trigger_id: "vip-cart", status: "active" }]);
    expect(pendingRows(planned)).toHaveLength(1);

    // Time runs to the step (the alarm fires for the segments on the way): no longer high value, so the run exits.
    expect(await runAlarm(ws, `a:${vip}`)).toBe(true);
    expect(await segmentsOf(ws, vip)).not.toContain("high_value");
    const due = (await messagesOf(ws, vip)).body;
    expect(due.messages).toEqual([]);
    expect(due.runs).toMatchObject([{ trigger_id: "vip-cart", status: "exited", reason: "audience" }]);
    await clearAlarm(ws, `a:${vip}`);
    await clearAlarm(ws, `a:${ordinary}`);
  });

  it("leaves out the excluded segments", async () => {
    const ws = await messagingWorkspace({
      triggers: { welcome: { template: "welcome_series", steps: [{ delay_minutes: 60 }], audience: { exclude: ["account_owners", "lapsed"] } } },
    });
    const visitor = uid("visitor");
    await batch([identify(visitor), trackEvent(visitor, "Signed Up")], ws.writeKey);
    expect((await messagesOf(ws, visitor)).body.runs).toMatchObject([{ trigger_id: "welcome", status: "active" }]);
    const userId = uid("member");
    await backendBatch([{ type: "identify", userId, traits: { email: `${userId}@example.com` } }, { type: "track", userId, event: "Signed Up" }], ws.secretKey);
    expect((await messagesOf(ws, userId)).body.runs).toEqual([]);
    await clearAlarm(ws, `a:${visitor}`);
  });

  it("a trigger's audience must name segments that exist; a bad one is refused and changes nothing", async () => {
    const ws = await messagingWorkspace();
    for (const audience of [{ segment: "no_such_segment" }, { exclude: ["high_value", "nope"] }]) {
      const res = await admin(ws, "PUT", "/triggers/cart", { template: "abandoned_cart", audience });
      expect(res).toMatchObject({ status: 400, body: { error: { code: "unknown_segment" } } });
    }
    for (const audience of [{}, { segment: "Bad Id" }, { exclude: [] }, { segment: "high_value", other: 1 }]) {
      const res = await admin(ws, "PUT", "/triggers/cart", { template: "abandoned_cart", audience });
      expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_body" } } });
    }
    expect((await admin(ws, "GET", "/triggers")).body.triggers).toEqual([]);
    const ok = await admin(ws, "PUT", "/triggers/cart", { template: "abandoned_cart", audience: { segment: "cart_abandoners", exclude: ["lapsed"] } });
    expect(ok).toMatchObject({ status: 201, body: { trigger: { audience: { segment: "cart_abandoners", exclude: ["lapsed"] } } } });
  });
});
