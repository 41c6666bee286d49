// A page's widgets ask for their recommendations with the page's events (`recs` in /v1/batch): one
// request and one customer-object call per page view, the same lists GET /v1/recs answers.
import { beforeAll, describe, expect, it } from "vitest";
import type { IngestResponse, RecsResponse } from "../src/contracts.ts";
import { batch, createWorkspace, request, trackEvent, uid } from "./helpers.ts";

const CATALOG = ["mug-1", "bowl-2", "cup-1", "plate-3", "jug-4"].map((id, i) => ({
  product_id: id,
  name: `Kitchen ${i}`,
  price: 9 + i,
  currency: "EUR",
  category: "Kitchen",
  url: `https://shop.example/${id}`,
}));

let writeKey = "";
beforeAll(async () => {
  const store = await createWorkspace({ name: `Batch recs ${uid()}` });
  writeKey = store.keys.write_key;
  const res = await request("/v1/catalog/products", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${store.keys.secret_key}` },
    body: JSON.stringify({ products: CATALOG }),
  });
  expect(res.status).toBe(200);
});

async function recsGet(query: Record<string, string>): Promise<RecsResponse> {
  const res = await request(`/v1/recs?${new URLSearchParams({ writeKey, ...query })}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RecsResponse;
}

async function recentlyViewed(anonymousId: string): Promise<number> {
  const res = await request(`/v1/profile?${new URLSearchParams({ writeKey, anonymousId })}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { recently_viewed: unknown[] }).recently_viewed.length;
}

describe("recommendations asked with the page's batch", () => {
  it("are answered in order, after the batch is applied, as GET /v1/recs answers them", async () => {
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Viewed", { product_id: "mug-1", name: "Mug", category: "Kitchen" })], writeKey);
    const res = await batch(
      [
        { type: "page", name: "Product", anonymousId: visitor },
        trackEvent(visitor, "Product Viewed", { product_id: "bowl-2", name: "Bowl", category: "Kitchen" }),
        trackEvent(visitor, "Product Added", { product_id: "bowl-2", name: "Bowl", quantity: 1, price: 9 }),
      ],
      writeKey,
      { recs: [{ type: "recently_viewed", limit: 5 }, { type: "similar", item: "bowl-2" }, { type: "cart" }] },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as IngestResponse;
    expect(body.accepted).toBe(3);
    const lists = body.recs as RecsResponse[];
    expect(lists.map((r) => r.type)).toEqual(["recently_viewed", "similar", "cart"]);
    for (const answer of lists) expect(answer.recId).toMatch(/^r_/);
    // The batch is applied first: its cart line is out of the lists (the cart's own list included).
    const [recent, similar, cart] = lists;
    expect(recent!.items.map((i) => i.product_id)).toEqual(["mug-1"]);
    for (const list of [similar!, cart!]) {
      expect(list.items.length).toBeGreaterThan(0);
      expect(list.items.map((i) => i.product_id)).not.toContain("bowl-2");
    }
    const get = async (query: Record<string, string>) => (await recsGet({ anonymousId: visitor, ...query })).items;
    expect(recent!.items).toEqual(await get({ type: "recently_viewed", limit: "5" }));
    expect(similar!.items).toEqual(await get({ type: "similar", item: "bowl-2" }));
    expect(cart!.items).toEqual(await get({ type: "cart" }));
  });

  it("a duplicate batch (a retry) still answers its lists", async () => {
    const visitor = uid();
    const events = [trackEvent(visitor, "Product Viewed", { product_id: "cup-1" }, { messageId: uid("m") })];
    await batch(events, writeKey);
    const body = (await (await batch(events, writeKey, { recs: [{ type: "recently_viewed" }] })).json()) as IngestResponse;
    expect(body.duplicate).toBe(1);
    expect((body.recs![0] as RecsResponse).items.map((i) => i.product_id)).toEqual(["cup-1"]);
  });

  it.each([
    ["an unknown type", { type: "psychic" }, "invalid_recs"],
    ["a limit out of range", { type: "trending", limit: 500 }, "invalid_recs"],
    ["an unknown field", { type: "trending", anonymousId: "someone-else" }, "invalid_recs"],
    ["similar without its item", { type: "similar" }, "invalid_query"],
  ])("%s is answered with its own error; the events and the other lists still count", async (_, list, code) => {
    const visitor = uid();
    const res = await batch([trackEvent(visitor, "Product Viewed", { product_id: "plate-3" })], writeKey, { recs: [list, { type: "recently_viewed" }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as IngestResponse;
    expect(body.accepted).toBe(1);
    expect(body.recs![0]).toEqual({ error: { code, message: expect.any(String) } });
    expect((body.recs![1] as RecsResponse).items.map((i) => i.product_id)).toEqual(["plate-3"]);
  });

  it.each([
    ["more than four lists", Array.from({ length: 5 }, () => ({ type: "trending" }))],
    ["an empty list of lists", []],
    ["not a list", { type: "trending" }],
  ])("%s is refused with a 400 and the batch is not applied", async (_, recs) => {
    const visitor = uid();
    const res = await batch([trackEvent(visitor, "Product Viewed", { product_id: "plate-3" })], writeKey, { recs });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_recs");
    expect(await recentlyViewed(visitor)).toBe(0);
  });
});
