// getCart() and getRecommendations(): GETs with the write key in the query, so no preflight; and
// recommendations asked while events wait to go ride on their batch (one request per page view).
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, SeamError } from "../src/core.ts";
import { acceptAll, asyncStorage, fakeServer, response } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const cart = { lines: [{ product_id: "sku_1", variant: null, quantity: 1 }], item_count: 1, subtotal: 12, currency: "EUR" };

function setup() {
  const server = fakeServer();
  const storage = asyncStorage(new Map([["seam", '{"a":"anon-1","c":{}}']]));
  const seam = createSeam({ writeKey: "wk_x", host: "https://s.test", fetch: server.fetch, storage });
  return { server, seam };
}

it("getCart reads /v1/cart with the visitor's ids and the write key", async () => {
  const { server, seam } = setup();
  server.reply = () => response(200, cart);
  seam.identify("u_1", {}, { userHash: "abc" });
  await expect(seam.getCart()).resolves.toEqual(cart);
  const get = server.requests.find((r) => r.method === "GET")!;
  const url = new URL(get.url);
  expect(url.origin + url.pathname).toBe("https://s.test/v1/cart");
  expect(Object.fromEntries(url.searchParams)).toEqual({
    anonymousId: "anon-1",
    userId: "u_1",
    userHash: "abc",
    writeKey: "wk_x",
  });
});

it("a failed read rejects with a SeamError carrying the status and the server's code and message", async () => {
  const { server, seam } = setup();
  server.reply = () => response(403, { error: { code: "invalid_user_hash", message: "userHash does not match userId" } });
  const error = await seam.getCart().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SeamError);
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({ name: "SeamError", status: 403, code: "invalid_user_hash", message: "userHash does not match userId" });

  // An answer without Seam's error body (a proxy's 502 page) still says what happened.
  server.reply = () => response(502);
  await expect(seam.getRecommendations({ type: "trending" })).rejects.toMatchObject({ status: 502, code: undefined, message: "HTTP 502" });
});

it("getRecommendations passes its options as query parameters", async () => {
  const { server, seam } = setup();
  const recs = { items: [{ product_id: "sku_2" }] };
  server.reply = () => response(200, recs);
  await expect(seam.getRecommendations({ type: "similar", item: "sku_1", limit: 4 })).resolves.toEqual(recs);
  const url = new URL(server.requests[0]!.url);
  expect(url.pathname).toBe("/v1/recs");
  expect(Object.fromEntries(url.searchParams)).toEqual({
    type: "similar",
    item: "sku_1",
    limit: "4",
    anonymousId: "anon-1",
    writeKey: "wk_x",
  });
});

it("getRecommendations asked while the page's events wait goes with them: one request, answered from the batch", async () => {
  const { server, seam } = setup();
  const similar = { recId: "r_1", type: "similar", fallback: null, items: [{ product_id: "sku_2" }] };
  const trending = { recId: "r_2", type: "trending", fallback: null, items: [{ product_id: "sku_3" }] };
  server.reply = (req) => acceptAll(req, { recs: [similar, trending] });
  void seam.page("Product");
  void seam.productViewed({ product_id: "sku_1" });
  const answers = Promise.all([seam.getRecommendations({ type: "similar", item: "sku_1", limit: 4 }), seam.getRecommendations({ type: "trending" })]);
  // Sent at once, not after the flush interval: a widget is waiting.
  await vi.advanceTimersByTimeAsync(0);
  await expect(answers).resolves.toEqual([similar, trending]);
  expect(server.requests).toHaveLength(1);
  const body = server.requests[0]!.body!;
  expect(body.batch.map((e) => e.type)).toEqual(["page", "track"]);
  expect(body.recs).toEqual([{ type: "similar", item: "sku_1", limit: 4 }, { type: "trending" }]);
});

it("a list the batch's answer lacks (its own error, or a failed batch) is asked for on its own", async () => {
  const { server, seam } = setup();
  const cartRecs = { recId: "r_3", type: "cart", fallback: null, items: [{ product_id: "sku_4" }] };
  server.reply = (req) =>
    req.method === "GET"
      ? response(200, cartRecs)
      : acceptAll(req, { recs: [{ error: { code: "invalid_recs", message: "a recommendation list is {type, …}" } }] });
  void seam.page();
  const answer = seam.getRecommendations({ type: "cart" });
  await vi.advanceTimersByTimeAsync(0);
  await expect(answer).resolves.toEqual(cartRecs);

  server.reply = (req) => (req.method === "GET" ? response(200, cartRecs) : response(503));
  void seam.page();
  const again = seam.getRecommendations({ type: "cart" });
  await vi.advanceTimersByTimeAsync(0);
  await expect(again).resolves.toEqual(cartRecs);
  expect(server.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(["POST /v1/batch", "GET /v1/recs", "POST /v1/batch", "GET /v1/recs"]);
});

it("with nothing waiting to go, getRecommendations is a plain GET", async () => {
  const { server, seam } = setup();
  server.reply = () => response(200, { items: [] });
  await seam.getRecommendations({ type: "trending" });
  expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
});
