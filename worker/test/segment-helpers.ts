// Test helpers for segments: the segments API, a customer's segments, and the D1 index as the API lists it (the events consumer writes it asynchronously).
import { vi } from "vitest";
import { request } from "./helpers.ts";
import type { MessagingWorkspace } from "./messaging-helpers.ts";

export const MINUTE = 60_000;

export async function segmentsApi(ws: Pick<MessagingWorkspace, "secretKey">, method: string, path: string, body?: unknown) {
  const res = await request(`/v1/segments${path}`, {
    method,
    headers: { authorization: `Bearer ${ws.secretKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null) as any };
}

/** The segments `GET /v1/customers/:id` shows, sorted. */
export async function segmentsOf(ws: Pick<MessagingWorkspace, "secretKey">, customerId: string): Promise<string[]> {
  const res = await request(`/v1/customers/${encodeURIComponent(customerId)}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  if (res.status !== 200) throw new Error(`customer ${customerId}: ${res.status}`);
  return [...((await res.json()) as { segments: string[] }).segments].sort();
}

/** Every member of a segment as the index lists them (customer ids, sorted), page by page. */
export async function indexedMembers(ws: Pick<MessagingWorkspace, "secretKey">, segment: string, limit = 100): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await segmentsApi(ws, "GET", `/${segment}/members?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    if (page.status !== 200) throw new Error(`members of ${segment}: ${page.status} ${page.text}`);
    ids.push(...page.body.members.map((m: { customer_id: string }) => m.customer_id));
    cursor = page.body.next_cursor;
  } while (cursor);
  return ids.sort();
}

/** Waits until the index (written by the events consumer) lists exactly these members of `segment` among `among`. */
export async function waitForIndex(ws: Pick<MessagingWorkspace, "secretKey">, segment: string, among: readonly string[], expected: readonly string[]) {
  const want = [...expected].sort();
  let last: string[] = [];
  await vi
    .waitUntil(
      async () => {
        last = (await indexedMembers(ws, segment)).filter((id) => among.includes(id));
        return JSON.stringify(last) === JSON.stringify(want);
      },
      { timeout: 5000, interval: 25 },
    )
    .catch(() => {
      throw new Error(`index of ${segment}: expected ${JSON.stringify(want)}, last saw ${JSON.stringify(last)}`);
    });
}

/** Waits until the customer index (written by the events consumer) lists these customers. */
export async function waitForCustomers(ws: Pick<MessagingWorkspace, "secretKey">, ids: readonly string[]) {
  await vi.waitUntil(
    async () => {
      const res = await request("/v1/customers?limit=1000", { headers: { authorization: `Bearer ${ws.secretKey}` } });
      const listed = new Set(((await res.json()) as { customers: { customer_id: string }[] }).customers.map((c) => c.customer_id));
      return ids.every((id) => listed.has(id));
    },
    { timeout: 5000, interval: 25 },
  );
}
