// Who the strip is for: the Seam SDK's visitor when the page has the SDK, else the stored anonymous id.
import { describe, expect, test, vi } from "vitest";
import { IDENTITY_KEY, SDK_TIMEOUT_MS } from "../src/client.ts";
import { mount } from "../src/index.ts";
import { HOST, WRITE_KEY, cardsOf, fakeFetch, fakeSeam, fetchedQuery, placeholder, recsResponse } from "./helpers.ts";

const options = { type: "similar", item: "sku-1", limit: 4, writeKey: WRITE_KEY, host: HOST };

describe("where recommendations come from", () => {
  test("uses window.seam.getRecommendations when the SDK is on the page", async () => {
    const seam = fakeSeam(recsResponse(2));
    const fetch = fakeFetch();
    const element = placeholder();
    mount(element, { ...options, category: "Shirts" });
    await cardsOf(element, 2);

    // The SDK adds anonymousId, userId, userHash and the write key itself.
    expect(seam.getRecommendations).toHaveBeenCalledExactlyOnceWith({ type: "similar", item: "sku-1", category: "Shirts", limit: 4 });
    expect(fetch).not.toHaveBeenCalled();
  });

  test("finds an SDK that loaded after the widget script", async () => {
    const fetch = fakeFetch();
    const element = placeholder();
    const seam = fakeSeam(recsResponse(1));
    mount(element, options);
    await cardsOf(element, 1);
    expect(seam.getRecommendations).toHaveBeenCalledTimes(1);
    expect(fetch).not.toHaveBeenCalled();
  });

  test("without the SDK, fetches /v1/recs with the anonymous id from localStorage", async () => {
    localStorage.setItem(IDENTITY_KEY, JSON.stringify({ a: "anon-stored" }));
    const fetch = fakeFetch(recsResponse(2));
    const element = placeholder();
    mount(element, options);
    await cardsOf(element, 2);

    expect(fetch).toHaveBeenCalledTimes(1);
    // No init object: a plain GET, so no CORS preflight.
    expect(fetch.mock.calls[0]![1]).toBeUndefined();
    expect(fetchedQuery(fetch)).toEqual({
      origin: HOST,
      path: "/v1/recs",
      query: { type: "similar", item: "sku-1", limit: "4", anonymousId: "anon-stored", writeKey: WRITE_KEY },
    });
  });

  test("data-anonymous-id (or the anonymousId option) beats the stored id", async () => {
    localStorage.setItem(IDENTITY_KEY, JSON.stringify({ a: "anon-stored" }));
    const fetch = fakeFetch(recsResponse(1));
    const element = placeholder();
    mount(element, { ...options, anonymousId: "anon-from-page" });
    await cardsOf(element, 1);
    expect(fetchedQuery(fetch).query.anonymousId).toBe("anon-from-page");
  });

  test("a first-time visitor gets an id that is stored and reused", async () => {
    const fetch = fakeFetch(recsResponse(1));
    const first = placeholder();
    const second = placeholder();
    mount(first, options);
    mount(second, { ...options, type: "trending" });
    await cardsOf(first, 1);
    await cardsOf(second, 1);

    const stored = JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? "{}").a;
    expect(stored).toMatch(/^[\w-]{8,}$/);
    expect(fetchedQuery(fetch, 0).query.anonymousId).toBe(stored);
    expect(fetchedQuery(fetch, 1).query.anonymousId).toBe(stored);
  });

  test("passes a verified user (userId with userHash), never a bare userId", async () => {
    const fetch = fakeFetch(recsResponse(1));
    const verified = placeholder();
    const bare = placeholder();
    mount(verified, { ...options, anonymousId: "a1", userId: "user-42", userHash: "abc123" });
    mount(bare, { ...options, anonymousId: "a2", userId: "user-43" });
    await cardsOf(verified, 1);
    await cardsOf(bare, 1);
    const queries = [fetchedQuery(fetch, 0).query, fetchedQuery(fetch, 1).query];
    expect(queries.find((q) => q.anonymousId === "a1")).toMatchObject({ userId: "user-42", userHash: "abc123" });
    expect(queries.find((q) => q.anonymousId === "a2")).not.toHaveProperty("userId");
  });

  test("falls back to fetch when the SDK's snippet never answers (seam.js blocked)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const seam = fakeSeam();
    seam.getRecommendations.mockImplementation(() => new Promise(() => {}));
    localStorage.setItem(IDENTITY_KEY, JSON.stringify({ a: "anon-stored" }));
    const fetch = fakeFetch(recsResponse(2));
    const element = placeholder();
    mount(element, options);

    await vi.advanceTimersByTimeAsync(SDK_TIMEOUT_MS - 1);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    await cardsOf(element, 2);
    expect(fetchedQuery(fetch).query.anonymousId).toBe("anon-stored");
  });
});
