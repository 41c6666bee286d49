// Quiet hours end to end, in the customer's own time zone (SDK context, else the edge's), not the server's.
import { describe, expect, it } from "vitest";
import { basic, request, trackEvent, uid } from "./helpers.ts";
import { HOUR, messagesOf, messagingWorkspace, pendingRows, runAlarm, waitForOutbox, type MessagingWorkspace } from "./messaging-helpers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The next 14:00 UTC (23:00 in Tokyo, UTC+9, no DST) at least `after` ms from now. */
function next2300Tokyo(after: number): number {
  const d = new Date(Date.now() + after);
  const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 14, 0);
  return t >= Date.now() + after ? t : t + 24 * HOUR;
}

function send(ws: MessagingWorkspace, events: unknown[], cf?: Record<string, unknown>) {
  return request("/v1/batch", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic(ws.writeKey) },
    body: JSON.stringify({ batch: events }),
    ...(cf ? { cf } : {}),
  } as RequestInit);
}

describe("quiet hours", () => {
  it("holds a reminder due at 23:00 in the customer's zone until 08:00 there", async () => {
    const t0 = Date.now() - 60_000;
    const quietAt = next2300Tokyo(HOUR);
    const delayMinutes = Math.ceil((quietAt - t0) / 60_000);
    const ws = await messagingWorkspace({
      policy: { caps: [], quiet_hours: { start: "21:00", end: "08:00" }, opt_in_channels: [] },
      triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: delayMinutes }] } },
    });
    const visitor = uid();
    const context = { timezone: "Asia/Tokyo", library: { name: "seam-web" } };
    await send(ws, [
      { type: "identify", anonymousId: visitor, traits: { email: "q@example.com" }, context },
      trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: iso(t0), context }),
    ]);
    const planned = (await messagesOf(ws, visitor)).body;
    expect(planned.time_zone).toBe("Asia/Tokyo");
    const due = Date.parse(pendingRows(planned)[0].due_at);
    expect(due - quietAt).toBeLessThan(60_000);

    // The alarm fires at ~23:00 Tokyo: quiet, so the message moves to 08:00 Tokyo = 23:00 UTC.
    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const held = (await messagesOf(ws, visitor)).body;
    expect(held.messages).toEqual([]);
    expect(pendingRows(held)).toMatchObject([{ due_at: iso(quietAt + 9 * HOUR), reason: "rescheduled:quiet_hours" }]);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    await waitForOutbox(ws, visitor, 1);
    expect((await messagesOf(ws, visitor)).body.messages[0].queued_at).toBe(iso(quietAt + 9 * HOUR));
  });

  it("takes the edge's time zone when the SDK sent none, and the workspace default when neither did", async () => {
    const ws = await messagingWorkspace({ policy: { caps: [], quiet_hours: { start: "22:00", end: "07:00" }, default_time_zone: "Europe/Lisbon" } });
    const fromEdge = uid();
    await send(ws, [trackEvent(fromEdge, "Product Viewed", { product_id: "a" })], { timezone: "America/Chicago" });
    expect((await messagesOf(ws, fromEdge)).body.time_zone).toBe("America/Chicago");
    const unknown = uid();
    await send(ws, [trackEvent(unknown, "Product Viewed", { product_id: "a" })]);
    expect((await messagesOf(ws, unknown)).body.time_zone).toBe("Europe/Lisbon");
  });
});
