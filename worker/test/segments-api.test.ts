// The segments API (secret key): list with sizes, tune a built-in, custom segments from the rule
// language, members by page and as CSV, delete; and every bad request answered with a JSON 4xx
// that changes nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { batch, request, trackEvent, uid } from "./helpers.ts";
import { admin, clearAlarm, messagingWorkspace, type MessagingWorkspace } from "./messaging-helpers.ts";
import { indexedMembers, segmentsApi, waitForCustomers, waitForIndex } from "./segment-helpers.ts";

/** What a refused request must leave alone: the workspace's segment rows, back-fills and published config revision. */
async function fingerprint(ws: MessagingWorkspace): Promise<string> {
  const [segments, backfills] = await env.DB.batch([
    env.DB.prepare(`SELECT * FROM segment_definitions WHERE workspace_id = ? ORDER BY segment_id`).bind(ws.id),
    env.DB.prepare(`SELECT * FROM segment_backfills WHERE workspace_id = ? ORDER BY segment_id`).bind(ws.id),
  ]);
  return JSON.stringify([segments!.results, backfills!.results, await env.CONFIG_KV.get(`messaging:rev:v1:${ws.id}`)]);
}

const shoeRule = { and: [{ bought: { category: "shoes", within_days: 90 } }, { not: { segment: "high_value" } }] };

describe("segments API", () => {
  it("lists the built-ins with their params and sizes, tunes one, creates, pages, exports and deletes a custom segment", async () => {
    const ws = await messagingWorkspace();
    const list = await segmentsApi(ws, "GET", "");
    expect(list.status).toBe(200);
    expect(list.body.segments.map((s: any) => s.id)).toEqual([
      "recent_buyers", "cart_abandoners", "high_value", "lapsed", "subscribers_email", "subscribers_sms", "subscribers_messenger", "subscribers_push", "account_owners", "seasonal_buyers",
    ]);
    expect(list.body.segments[2]).toMatchObject({ id: "high_value", name: "High value", kind: "builtin", version: 0, params: { min_spend: 500, window_days: 365 }, size: 0 });

    const tuned = await segmentsApi(ws, "PUT", "/high_value", { params: { min_spend: 200 } });
    expect(tuned.status).toBe(200);
    expect(tuned.body.segment).toMatchObject({ id: "high_value", version: 1, params: { min_spend: 200, window_days: 365 }, backfill: { status: "running", version: 1 } });

    // Three shoe buyers (ids chosen so that one starts with "=": the CSV must not let a spreadsheet run it).
    const buyers = [`=cmd-${uid()}`, uid("b"), uid("c")];
    for (const id of buyers) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, total: 60, products: [{ product_id: "boot", category: "Shoes" }] })], ws.writeKey);
    // The back-fill visits the customers the index lists: wait until the consumer has listed them.
    await waitForCustomers(ws, buyers);
    const created = await segmentsApi(ws, "PUT", "/shoe_buyers", { name: "Shoe buyers", rule: shoeRule });
    expect(created.status).toBe(201);
    expect(created.body.segment).toMatchObject({ id: "shoe_buyers", name: "Shoe buyers", kind: "custom", version: 1, rule: shoeRule });
    // Saving the same again is no change: no new version, no new back-fill.
    const again = await segmentsApi(ws, "PUT", "/shoe_buyers", { name: "Shoe buyers", rule: shoeRule });
    expect(again.status).toBe(200);
    expect(again.body.segment.version).toBe(1);

    await waitForIndex(ws, "shoe_buyers", buyers, buyers);
    await vi.waitUntil(async () => (await segmentsApi(ws, "GET", "/shoe_buyers")).body.segment.backfill.status === "done", { timeout: 5000 });
    const one = await segmentsApi(ws, "GET", "/shoe_buyers");
    expect(one.body.segment).toMatchObject({ size: 3, backfill: { status: "done", processed: 3, total: 3 } });
    expect(one.body.segment.changes).toEqual([{ date: new Date().toISOString().slice(0, 10), entered: 3, exited: 0 }]);
    expect((await segmentsApi(ws, "GET", "")).body.segments.find((s: any) => s.id === "shoe_buyers")).toMatchObject({ kind: "custom", rule: shoeRule, size: 3 });

    // Pages of one, by cursor, give every member once.
    expect(await indexedMembers(ws, "shoe_buyers", 1)).toEqual([...buyers].sort());
    const first = await segmentsApi(ws, "GET", "/shoe_buyers/members?limit=2");
    expect(first.body.members).toHaveLength(2);
    expect(first.body.members[0]).toEqual({ customer_id: expect.any(String), profile_key: expect.stringMatching(/^a:/), since: expect.stringMatching(/^\d{4}-/) });
    const rest = await segmentsApi(ws, "GET", `/shoe_buyers/members?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body).toMatchObject({ members: [expect.anything()], next_cursor: null });

    const csv = await segmentsApi(ws, "GET", "/shoe_buyers/members.csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="seam-segment-shoe_buyers.csv"');
    const lines = csv.text.trim().split("\n");
    expect(lines[0]).toBe("customer_id,profile_key,since");
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes("cmd-"))).toMatch(/^'=cmd-.*,a:=cmd-/);

    expect((await segmentsApi(ws, "DELETE", "/shoe_buyers")).body).toEqual({ deleted: true });
    expect((await segmentsApi(ws, "GET", "/shoe_buyers")).status).toBe(404);
    expect((await segmentsApi(ws, "DELETE", "/shoe_buyers")).body).toEqual({ deleted: false });
    for (const id of buyers) await clearAlarm(ws, `a:${id}`);
  });

  it("answers bad requests with a JSON 4xx and changes nothing", async () => {
    const ws = await messagingWorkspace();
    expect((await segmentsApi(ws, "PUT", "/base", { rule: { bought: {} } })).status).toBe(201);
    expect((await segmentsApi(ws, "PUT", "/on_base", { rule: { segment: "base" } })).status).toBe(201);
    expect((await admin(ws, "PUT", "/triggers/vip-cart", { template: "abandoned_cart", audience: { segment: "on_base" } })).status).toBe(201);

    const cases: [string, string, unknown, number, string][] = [
      ["PUT", "/Bad_Id", { rule: { bought: {} } }, 400, "invalid_segment_id"],
      ["PUT", "/x", "{not json", 400, "bad_request"],
      ["PUT", "/x", {}, 400, "invalid_body"],
      ["PUT", "/x", { params: { days: 3 } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { bought: {}, spend: { gte: 1 } } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { teleport: {} } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { bought: { within_days: -3 } } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { and: [] } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { spend: {} } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { trait: { key: "plan" } } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { bought: { within_days: 3, between_days_ago: [1, 2] } } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: nested(30) }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { or: Array.from({ length: 70 }, () => ({ bought: {} })) } }, 400, "invalid_body"],
      ["PUT", "/x", { rule: { segment: "nope" } }, 400, "unknown_segment"],
      ["PUT", "/x", { rule: { segment: "x" } }, 400, "segment_cycle"],
      ["PUT", "/base", { rule: { not: { segment: "on_base" } } }, 400, "segment_cycle"],
      ["PUT", "/high_value", { rule: { bought: {} } }, 400, "builtin_segment"],
      ["PUT", "/high_value", { params: { min_spend: 0 } }, 400, "invalid_params"],
      ["PUT", "/high_value", { params: { speed: 3 } }, 400, "invalid_params"],
      ["PUT", "/recent_buyers", { params: { days: "30" } }, 400, "invalid_params"],
      ["DELETE", "/high_value", undefined, 400, "builtin_segment"],
      ["DELETE", "/base", undefined, 409, "segment_in_use"],
      ["DELETE", "/on_base", undefined, 409, "segment_in_use"],
      ["DELETE", "/Bad_Id", undefined, 400, "invalid_segment_id"],
      ["GET", "/nope", undefined, 404, "not_found"],
      ["GET", "/nope/members", undefined, 404, "not_found"],
      ["GET", "/base/members?limit=0", undefined, 400, "invalid_query"],
      ["GET", "/base/members?limit=abc", undefined, 400, "invalid_query"],
      ["GET", "/base/members?cursor=%25%25", undefined, 400, "invalid_query"],
      // Base64url of a byte that is not UTF-8: well formed, but not a cursor this API gave out.
      ["GET", "/base/members?cursor=_w", undefined, 400, "invalid_cursor"],
      ["GET", "/base/members.csv?cursor=_w", undefined, 400, "invalid_cursor"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const before = await fingerprint(ws);
      const res = await segmentsApi(ws, method, path, body);
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status, code });
      expect(await fingerprint(ws), `${method} ${path} changed state`).toBe(before);
    }
    const denied = await request("/v1/segments", { headers: { authorization: "Bearer sk_forged" } });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});

/** A rule nested `depth` levels of `not`. */
function nested(depth: number): unknown {
  let rule: unknown = { bought: {} };
  for (let i = 0; i < depth; i++) rule = { not: rule };
  return rule;
}
