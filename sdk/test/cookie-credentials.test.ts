// Credentialed requests only where the worker sets its first-party cookie: the worker answers
// Access-Control-Allow-Credentials only for such a workspace, and a browser refuses to show a
// credentialed response without it (the SDK would see a network error and retry forever).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSeam } from "../src/core.ts";
import { fakeServer } from "./helpers.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("cookies", () => {
  it("sends no credentials by default", async () => {
    const server = fakeServer();
    createSeam({ writeKey: "wk_test", host: "https://seam.test", fetch: server.fetch }).track("A");
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.batches.map((r) => r.credentials)).toEqual([undefined]);
  });

  it("includes them with `cookie: true` (Seam served first-party with firstPartyCookie)", async () => {
    const server = fakeServer();
    createSeam({ writeKey: "wk_test", host: "https://seam.shop.example", fetch: server.fetch, cookie: true }).track("A");
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.batches.map((r) => r.credentials)).toEqual(["include"]);
  });
});
