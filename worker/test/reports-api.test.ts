// The report endpoints: their shapes (funnel, recommendations, timeseries by channel), and a JSON
// 4xx for every bad range, model or metric.
import { describe, expect, it, vi } from "vitest";
import { createWorkspace, request, uid } from "./helpers.ts";

async function get(path: string, secretKey: string) {
  const res = await request(path, { headers: { authorization: `Bearer ${secretKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

function send(writeKey: string, batch: unknown[]) {
  return request("/v1/batch", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${writeKey}:`)}` },
    body: JSON.stringify({ batch }),
  });
}

describe("report endpoints", () => {
  it("answer the funnel, the recommendation lists and a timeseries with a point for every day", async () => {
    const { keys } = await createWorkspace({ name: uid("reports") });
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const web = { page: { url: "https://shop.example/" }, library: { name: "analytics.js" } };
    for (const shopper of [uid(), uid()])
      await send(keys.write_key, [
        { type: "page", anonymousId: shopper, context: web },
        { type: "track", anonymousId: shopper, event: "Product List Viewed", properties: { list_id: "similar", rec_id: "rec-1", products: [{ product_id: "mug", position: 1 }] }, context: web },
        { type: "track", anonymousId: shopper, event: "Product Viewed", properties: { product_id: "mug", price: 12 }, context: web },
      ]);
    const buyer = uid();
    await send(keys.write_key, [
      { type: "track", anonymousId: buyer, event: "Product Clicked", properties: { product_id: "mug", rec_id: "rec-2", list_id: "similar", position: 1 }, context: web },
      { type: "track", anonymousId: buyer, event: "Product Added", properties: { product_id: "mug", price: 12, quantity: 2 }, context: web },
      { type: "track", anonymousId: buyer, event: "Order Completed", properties: { order_id: uid("o"), products: [{ product_id: "mug", price: 12, quantity: 2 }, { product_id: "tea", price: 5 }] }, context: web },
    ]);

    const range = `from=${yesterday}&to=${today}`;
    await vi.waitUntil(async () => (await get(`/v1/reports/recs?${range}`, keys.secret_key)).body.rows[0]?.orders === 1, { timeout: 5000, interval: 50 });
    expect((await get(`/v1/reports/recs?${range}`, keys.secret_key)).body).toEqual({
      from: yesterday,
      to: today,
      rows: [{ type: "similar", impressions: 2, clicks: 1, orders: 1, revenue: 24 }],
    });
    await vi.waitUntil(async () => (await get(`/v1/reports/funnel?${range}`, keys.secret_key)).body.steps[0].customers === 2, { timeout: 5000, interval: 50 });
    expect((await get(`/v1/reports/funnel?${range}`, keys.secret_key)).body.steps).toEqual([
      { step: "views", customers: 2 },
      { step: "carts", customers: 1 },
      { step: "orders", customers: 1 },
    ]);
    const series = (await get(`/v1/reports/timeseries?metric=touches&by=channel&${range}`, keys.secret_key)).body;
    expect(series).toMatchObject({ metric: "touches", by: "channel", model: "last_touch", from: yesterday, to: today });
    expect(series.series).toEqual([{ key: "web", total: 3, points: [{ date: yesterday, value: 0 }, { date: today, value: 3 }] }]);
    const revenue = (await get(`/v1/reports/timeseries?metric=revenue&model=linear&${range}`, keys.secret_key)).body;
    expect(revenue.series.map((s: any) => [s.key, s.total])).toEqual([["web", 29]]);
  });

  it.each([
    ["/v1/reports/channels", "invalid_query"],
    ["/v1/reports/channels?from=2026-05-01", "invalid_query"],
    ["/v1/reports/channels?from=2026-02-30&to=2026-03-01", "invalid_query"],
    ["/v1/reports/channels?from=2026-05-02&to=2026-05-01", "invalid_query"],
    ["/v1/reports/channels?from=2024-01-01&to=2026-01-01", "invalid_query"],
    ["/v1/reports/campaigns?from=2026-05-01&to=2026-05-02&model=u_shaped", "invalid_query"],
    ["/v1/reports/triggers?from=1%20May&to=2026-05-02", "invalid_query"],
    ["/v1/reports/timeseries?from=2026-05-01&to=2026-05-02", "invalid_query"],
    ["/v1/reports/timeseries?from=2026-05-01&to=2026-05-02&metric=profit", "invalid_query"],
    ["/v1/reports/timeseries?from=2026-05-01&to=2026-05-02&metric=orders&by=device", "invalid_query"],
    ["/v1/reports/funnel?to=2026-05-02", "invalid_query"],
    ["/v1/reports/recs?from=20260501&to=20260502", "invalid_query"],
  ])("%s → 400 %s", async (path, code) => {
    const res = await get(path, "sk_demo");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it("needs the secret key", async () => {
    const res = await request("/v1/reports/channels?from=2026-05-01&to=2026-05-02", { headers: { authorization: `Basic ${btoa("wk_demo:")}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBeTruthy();
  });

  it("answers an empty range with no rows and the model it used", async () => {
    expect((await get("/v1/reports/channels?from=2020-01-01&to=2020-01-31&model=position_based", "sk_demo")).body).toEqual({
      model: "position_based",
      from: "2020-01-01",
      to: "2020-01-31",
      rows: [],
    });
  });
});
