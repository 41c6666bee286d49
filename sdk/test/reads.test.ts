// getCart() and getRecommendations(): GETs with the write key in the query, so no preflight.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, SeamError } from "../src/core.ts";
import { asyncStorage, fakeServer, response } from "./helpers.ts";

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

it("getCart falls back to /v1/profile's cart when /v1/cart is not there (404)", async () => {
  const { server, seam } = setup();
  server.reply = (req) => (req.url.includes("/v1/cart") ? response(404) : response(200, { anonymousId: "anon-1", cart }));
  await expect(seam.getCart()).resolves.toEqual(cart);
  expect(server.requests.map((r) => new URL(r.url).pathname)).toEqual(["/v1/cart", "/v1/profile"]);
  expect(new URL(server.requests[1]!.url).searchParams.get("anonymousId")).toBe("anon-1");
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
