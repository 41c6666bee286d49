// Served on the store's own domain, ingest keeps the visitor's id in an HttpOnly first-party cookie
// (workspace setting `firstPartyCookie`), which outlives Safari's 7-day cap on script storage.
import { exports } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";

let writeKey: string;
let secretKey: string;

beforeAll(async () => {
  const res = await exports.default.fetch(
    new Request("https://seam.test/admin/workspaces", {
      method: "POST",
      headers: { authorization: "Bearer admin_test", "content-type": "application/json" },
      body: JSON.stringify({ name: "First-party shop", settings: { firstPartyCookie: "shop.test" } }),
    }),
  );
  expect(res.status).toBe(201);
  const { keys } = (await res.json()) as { keys: { write_key: string; secret_key: string } };
  writeKey = keys.write_key;
  secretKey = keys.secret_key;
});

async function send(batch: object[], { cookie, fresh, key }: { cookie?: string; fresh?: number; key?: string } = {}) {
  const res = await exports.default.fetch(
    new Request("https://shop.test/v1/batch", {
      method: "POST",
      headers: { "content-type": "text/plain", ...(cookie && { cookie: `seam_fpid=${cookie}; seam_aid=ignored` }) },
      body: JSON.stringify({ writeKey: key ?? writeKey, batch, fresh }),
    }),
  );
  return { res, body: (await res.json()) as { accepted: number; anonymousId?: string } };
}

async function eventCount(id: string) {
  const res = await exports.default.fetch(
    new Request(`https://seam.test/v1/customers/${id}`, { headers: { authorization: `Bearer ${secretKey}` } }),
  );
  return res.status === 404 ? 0 : ((await res.json()) as { event_count: number }).event_count;
}

const track = (anonymousId: string | undefined, messageId: string) => ({ type: "track", event: "Viewed", anonymousId, messageId });

it("sets the visitor's id as an HttpOnly, Secure, SameSite=Lax cookie for a year on the configured domain", async () => {
  const { res, body } = await send([track("aid-1", "fp-1")]);
  expect(res.headers.get("set-cookie")).toBe(
    "seam_fpid=aid-1; Max-Age=31536000; Domain=shop.test; Path=/; HttpOnly; Secure; SameSite=Lax",
  );
  expect(body.anonymousId).toBeUndefined();
});

it("a fresh SDK id (its storage was cleared) gives way to the cookie's: events land on it, and it is returned", async () => {
  const { res, body } = await send([track("minted-after-wipe", "fp-2")], { cookie: "long-lived", fresh: 1 });
  expect(body.anonymousId).toBe("long-lived");
  expect(res.headers.get("set-cookie")).toMatch(/^seam_fpid=long-lived;/);
  expect(await eventCount("long-lived")).toBe(1);
  expect(await eventCount("minted-after-wipe")).toBe(0);
});

it("an id the SDK did not just mint (stored, or new after reset() on sign-out) wins, and the cookie follows it", async () => {
  const { res, body } = await send([track("after-reset", "fp-3")], { cookie: "previous-user", fresh: 0 });
  expect(body.anonymousId).toBeUndefined();
  expect(res.headers.get("set-cookie")).toMatch(/^seam_fpid=after-reset;/);
  expect(await eventCount("after-reset")).toBe(1);
});

it("an event with no id at all is the cookie's visitor", async () => {
  const { body } = await send([track(undefined, "fp-4")], { cookie: "cookie-only" });
  expect(body.accepted).toBe(1);
  expect(await eventCount("cookie-only")).toBe(1);
});

it("is off unless the workspace asks for it", async () => {
  const { res } = await send([track("demo-visitor", "fp-5")], { cookie: "x", fresh: 1, key: "wk_demo" });
  expect(res.headers.get("set-cookie")).toBeNull();
});
