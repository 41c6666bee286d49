// GET /v1/customers: find a customer by userId, email or phone (exact; emails and phones by the
// identity directory's hashed lookups), list a segment's customers or all of them page by page,
// without waking a customer object; bad input answered with a JSON 4xx.
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { customerObjectName } from "../src/identity/profile-keys.ts";
import { backendBatch, batch, request, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, messagingWorkspace, type MessagingWorkspace } from "./messaging-helpers.ts";
import { waitForCustomers, waitForIndex } from "./segment-helpers.ts";

async function search(ws: MessagingWorkspace, query: string) {
  const res = await request(`/v1/customers?${query}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe("customer search", () => {
  it("finds a customer by userId, by email and by phone however they are typed, and an email-only customer by its email", async () => {
    const ws = await messagingWorkspace();
    const userId = uid("ada");
    const email = `${userId}@example.com`;
    await backendBatch([{ type: "identify", userId, traits: { email, phone: "+1 555 0100 200" } }], ws.secretKey);
    // A till that knows only an email: an offline profile, named by its profile key.
    const offlineEmail = `${uid("till")}@example.com`;
    await backendBatch([{ type: "track", event: "Order Completed", properties: { order_id: "t1", total: 30 }, traits: { email: offlineEmail } }], ws.secretKey);
    await waitForCustomers(ws, [userId]);

    expect((await search(ws, `q=${userId}`)).body).toEqual({ customers: [{ customer_id: userId, profile_key: `u:${userId}`, matched: ["user_id"] }], next_cursor: null });
    // The directory is written off the response path: wait for the email's entry.
    await vi.waitUntil(async () => (await search(ws, `q=${encodeURIComponent(email.toUpperCase())}`)).body.customers.length === 1, { timeout: 5000 });
    expect((await search(ws, `q=${encodeURIComponent(` ${email.toUpperCase()} `)}`)).body.customers).toEqual([{ customer_id: userId, profile_key: `u:${userId}`, matched: ["email"] }]);
    await vi.waitUntil(async () => (await search(ws, `q=${encodeURIComponent("+1 (555) 0100-200")}`)).body.customers.length === 1, { timeout: 5000 });
    expect((await search(ws, `q=${encodeURIComponent("+15550100200")}`)).body.customers[0]).toMatchObject({ customer_id: userId, matched: ["phone"] });

    await vi.waitUntil(async () => (await search(ws, `q=${encodeURIComponent(offlineEmail)}`)).body.customers.length === 1, { timeout: 5000 });
    const [offline] = (await search(ws, `q=${encodeURIComponent(offlineEmail)}`)).body.customers;
    expect(offline).toMatchObject({ customer_id: expect.stringMatching(/^e:[0-9a-f]{40}$/), matched: ["email"] });
    expect(offline.customer_id).toBe(offline.profile_key);
    // Its id is one GET /v1/customers/:id takes.
    const read = await request(`/v1/customers/${offline.customer_id}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { segments: string[] }).segments).toEqual(["recent_buyers"]);

    // Nobody: an empty answer, and no customer object woken to find out.
    const nobody = uid("nobody");
    expect((await search(ws, `q=${nobody}`)).body).toEqual({ customers: [], next_cursor: null });
    const objects = new Set((await listDurableObjectIds(env.CUSTOMER)).map((id) => id.toString()));
    for (const key of [`u:${nobody}`, `a:${nobody}`]) expect(objects.has(env.CUSTOMER.idFromName(customerObjectName(ws.id, key)).toString())).toBe(false);
    await clearAlarm(ws, offline.profile_key);
  });

  it("lists a segment's customers and all customers page by page, and narrows a search to a segment", async () => {
    const ws = await messagingWorkspace();
    const buyers = [uid("b1"), uid("b2"), uid("b3")];
    const browser = uid("browse");
    for (const id of buyers) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, total: 5 })], ws.writeKey);
    await batch([trackEvent(browser, "Product Viewed", { product_id: "p" })], ws.writeKey);
    await waitForCustomers(ws, [...buyers, browser]);
    await waitForIndex(ws, "recent_buyers", [...buyers, browser], buyers);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(ws, `segment=recent_buyers&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.customers.length).toBeLessThanOrEqual(2);
      for (const c of page.body.customers) {
        expect(c).toEqual({ customer_id: expect.any(String), profile_key: `a:${c.customer_id}`, since: expect.any(String) });
        seen.push(c.customer_id);
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...buyers].sort());

    const all = await search(ws, "limit=1000");
    expect(all.body.customers.map((c: any) => c.customer_id).sort()).toEqual([...buyers, browser].sort());
    expect(all.body.customers[0]).toEqual({ customer_id: expect.any(String), profile_key: expect.any(String), first_seen: expect.any(String) });

    expect((await search(ws, `q=${buyers[0]}&segment=recent_buyers`)).body.customers).toEqual([
      { customer_id: buyers[0], profile_key: `a:${buyers[0]}`, matched: ["anonymous_id"], since: expect.any(String) },
    ]);
    expect((await search(ws, `q=${browser}&segment=recent_buyers`)).body.customers).toEqual([]);
    for (const id of buyers) await clearAlarm(ws, `a:${id}`);
  });

  it("answers bad input with a JSON 4xx", async () => {
    const ws = await messagingWorkspace();
    const cases: [string, number, string][] = [
      [`q=${"x".repeat(300)}`, 400, "invalid_query"],
      ["q=", 400, "invalid_query"],
      ["limit=0", 400, "invalid_query"],
      ["limit=5000", 400, "invalid_query"],
      ["segment=Not_An_Id", 400, "invalid_query"],
      ["segment=no_such_segment", 404, "not_found"],
      ["cursor=_w", 400, "invalid_cursor"],
      ["cursor=%2F%2F", 400, "invalid_query"],
    ];
    for (const [query, status, code] of cases) {
      const res = await search(ws, query);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({ query, status, code });
    }
    const denied = await request("/v1/customers?q=x", { headers: { authorization: `Basic ${btoa(`${ws.writeKey}:`)}` } });
    expect(denied.status).toBe(401);
  });
});
