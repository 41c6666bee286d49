// identify/alias/reset: who the events belong to, and identify answering with the merged profile.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createSeam, ID_KEY } from "../src/core.ts";
import { acceptAll, asyncStorage, fakeServer, settle } from "./helpers.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(storage = asyncStorage()) {
  const server = fakeServer();
  const seam = createSeam({ writeKey: "wk", fetch: server.fetch, storage });
  return { server, seam, storage };
}

it("identify is sent at once, carries userHash in context, and resolves with the server's profile", async () => {
  const { server, seam } = setup();
  const profile = { cart: { lines: [{ product_id: "sku_1", quantity: 2 }], item_count: 2 } };
  server.reply = (req) => acceptAll(req, { profile });
  seam.track("Before");
  const identified = seam.identify("u_42", { email: "a@b.co" }, { userHash: "ab12" });
  await settle();
  // No flush interval wait: the page wants the restored cart now.
  expect(server.requests).toHaveLength(1);
  const e = server.sent.find((x) => x.type === "identify")!;
  expect(e).toMatchObject({ userId: "u_42", traits: { email: "a@b.co" }, context: { userHash: "ab12" } });
  await expect(identified).resolves.toEqual(profile);
});

it("identify resolves undefined when the response has no profile (before the Identity API)", async () => {
  const { seam } = setup();
  const identified = seam.identify("u_1");
  await settle();
  await expect(identified).resolves.toBeUndefined();
});

it("identify's promise waits for delivery across retries", async () => {
  const { server, seam } = setup();
  server.reply = () => {
    throw new TypeError("offline");
  };
  let done = false;
  seam.identify("u_1").then(() => (done = true));
  await vi.advanceTimersByTimeAsync(5000);
  expect(done).toBe(false);
  server.reply = (req) => acceptAll(req, { profile: { cart: { lines: [] } } });
  await vi.advanceTimersByTimeAsync(30_000);
  expect(done).toBe(true);
});

it("later events carry the userId; the id survives a restart", async () => {
  const { server, seam, storage } = setup();
  seam.identify("u_7", {}, { userHash: "ff" });
  seam.track("Later");
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => e.userId)).toEqual(["u_7", "u_7"]);
  expect(JSON.parse(storage.data.get(ID_KEY)!)).toMatchObject({ u: "u_7", h: "ff" });
  const restarted = setup(storage);
  restarted.seam.track("Next Session");
  await vi.advanceTimersByTimeAsync(1000);
  expect(restarted.server.sent[0]).toMatchObject({ userId: "u_7", anonymousId: server.sent[0]!.anonymousId });
});

it("reset() on sign-out: a new anonymous id and no user id for what follows", async () => {
  const { server, seam } = setup();
  seam.identify("u_7");
  seam.track("Signed In Event");
  seam.reset();
  seam.track("Signed Out Event");
  await vi.advanceTimersByTimeAsync(1000);
  const [, signedIn, signedOut] = server.sent;
  expect(signedIn!.userId).toBe("u_7");
  expect(signedOut!.userId).toBeUndefined();
  expect(signedOut!.anonymousId).not.toBe(signedIn!.anonymousId);
});

it("alias links the current id to a new user id", async () => {
  const { server, seam } = setup();
  const anon = await seam.anonymousId();
  seam.alias("u_new");
  seam.alias("u_new", "legacy_123");
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.map((e) => [e.type, e.userId, e.previousId])).toEqual([
    ["alias", "u_new", anon],
    ["alias", "u_new", "legacy_123"],
  ]);
});

it("a freshly minted id gives way to the one a first-party server knows from its HttpOnly cookie", async () => {
  const { server, seam } = setup();
  let release!: () => void;
  server.reply = (req) =>
    server.requests.length === 1
      ? new Promise((resolve) => (release = () => resolve(acceptAll(req, { anonymousId: "cookie-id" }))))
      : acceptAll(req, { anonymousId: "cookie-id" });
  seam.track("First");
  await vi.advanceTimersByTimeAsync(1000);
  const minted = server.sent[0]!.anonymousId;
  // The envelope says the id is fresh (storage was empty), so the server may answer with its own.
  expect(server.batches[0]!.body).toMatchObject({ fresh: 1 });
  seam.track("Queued Meanwhile");
  release();
  await vi.advanceTimersByTimeAsync(1000);
  expect(await seam.anonymousId()).toBe("cookie-id");
  seam.track("Later");
  await vi.advanceTimersByTimeAsync(1000);
  // What was still queued is re-stamped too; from then on the id is not fresh.
  expect(server.sent.map((e) => [e.event, e.anonymousId])).toEqual([
    ["First", minted],
    ["Queued Meanwhile", "cookie-id"],
    ["Later", "cookie-id"],
  ]);
  expect(server.batches.slice(1).map((r) => r.body!.fresh)).toEqual([0, 0]);
});

it("an id from storage, or from reset(), never gives way", async () => {
  const returning = setup(asyncStorage(new Map([[ID_KEY, '{"a":"stored","c":{}}']])));
  returning.server.reply = (req) => acceptAll(req, { anonymousId: "cookie-id" });
  returning.seam.track("x");
  await vi.advanceTimersByTimeAsync(1000);
  expect(returning.server.batches[0]!.body).toMatchObject({ fresh: 0 });
  expect(await returning.seam.anonymousId()).toBe("stored");

  const signedOut = setup();
  signedOut.server.reply = (req) => acceptAll(req, { anonymousId: "previous-user-cookie" });
  await signedOut.seam.reset();
  const afterReset = await signedOut.seam.anonymousId();
  signedOut.seam.track("y");
  await vi.advanceTimersByTimeAsync(1000);
  expect(await signedOut.seam.anonymousId()).toBe(afterReset);
});
