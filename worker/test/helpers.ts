// Shared test helpers: requests through the worker's real fetch handler, with the response bodies typed as the API's.
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import type { CustomerState } from "../src/customer/views.ts";
import type { CartRead, ErrorBody } from "../src/schemas.ts";
import { FACTS_FLUSH_MS } from "../src/queue-window.ts";

export const BASE = "https://seam.test";
export const DEMO_WRITE_KEY = "wk_demo";
export const DEMO_SECRET_KEY = "sk_demo";
export const ADMIN_TOKEN = "admin_test";

export function basic(writeKey: string): string {
  return `Basic ${btoa(`${writeKey}:`)}`;
}

export function request(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** POSTs a JSON body as text/plain (what browsers and sendBeacon send) with the write key in Basic auth. */
export function post(path: string, body: unknown, writeKey = DEMO_WRITE_KEY, headers: Record<string, string> = {}) {
  return request(path, {
    method: "POST",
    headers: { "content-type": "text/plain", authorization: basic(writeKey), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function batch(events: unknown[], writeKey = DEMO_WRITE_KEY, extra: Record<string, unknown> = {}) {
  return post("/v1/batch", { batch: events, ...extra }, writeKey);
}

/** A batch from the store's backend: the secret key makes its user ids, emails and phones trusted. */
export function backendBatch(events: unknown[], secretKey = DEMO_SECRET_KEY) {
  return request("/v1/batch", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secretKey}` },
    body: JSON.stringify({ batch: events }),
  });
}

/** A customer's whole live state (the body of a 200; check `status` before reading it). */
export async function customer(id: string, secretKey = DEMO_SECRET_KEY) {
  const res = await request(`/v1/customers/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${secretKey}` },
  });
  return { status: res.status, body: (await res.json()) as CustomerState & Partial<ErrorBody> };
}

export async function createWorkspace(body: Record<string, unknown>) {
  const res = await request("/admin/workspaces", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create workspace: ${res.status} ${await res.text()}`);
  return (await res.json()) as {
    workspace: { id: string };
    keys: { write_key: string; secret_key: string; identity_secret: string };
  };
}

let counter = 0;
/** A unique id per call, so tests in one file never share a customer by accident. */
export function uid(prefix = "anon"): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

export function trackEvent(anonymousId: string, event: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { type: "track", anonymousId, event, properties, messageId: crypto.randomUUID(), ...extra };
}

/** userHash as a store's backend computes it: HMAC-SHA256(identity secret, userId), lower-case hex. */
export async function userHash(userId: string, identitySecret = "ids_demo"): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(identitySecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(userId));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A verified sign-in from a browser or app: identify with the userHash in context. */
export async function signIn(anonymousId: string, userId: string, traits: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return batch([
    { type: "identify", anonymousId, userId, traits, context: { ...context, userHash: await userHash(userId) }, messageId: crypto.randomUUID() },
  ]);
}

export async function cartFor(query: Record<string, string>) {
  const res = await request(`/v1/cart?${new URLSearchParams({ writeKey: DEMO_WRITE_KEY, ...query })}`);
  return { status: res.status, body: (await res.json()) as CartRead & Partial<ErrorBody> };
}

/**
 * Hands bodies to the worker's queue consumer as one batch, the way the queue delivers it
 * (`attempts` as on a redelivery), and answers what the consumer did with each message.
 */
export async function deliverQueueBatch(queue: "seam-events" | "seam-messages", bodies: unknown[], attempts = 1, ids = bodies.map((_, i) => `q${i}`)) {
  const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
  const { env } = await import("cloudflare:workers");
  const worker = (await import("../src/index.ts")).default as ExportedHandler<typeof env>;
  const batch = createMessageBatch<unknown>(queue, bodies.map((body, i) => ({ id: ids[i]!, timestamp: new Date(), attempts, body })));
  const retryAll = vi.spyOn(batch, "retryAll");
  const ctx = createExecutionContext();
  await worker.queue!(batch, env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retryAllDelay: retryAll.mock.calls[0]?.[0]?.delaySeconds };
}

/** How long to wait for facts an isolate's queue window sends after the response (worker/src/queue-window.ts). */
export const QUEUE_WINDOW_WAIT = { timeout: FACTS_FLUSH_MS * 5, interval: 20 };

/**
 * Rows written per statement (its first 60 characters) by a Durable Object from now on, read from
 * its own SQLite cursors (`rowsWritten`, as Cloudflare bills them). Call the answer to read them.
 */
export async function rowsWrittenBy(stub: DurableObjectStub): Promise<() => Map<string, number>> {
  const cursors: { query: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }[] = [];
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    sql.exec = ((query: string, ...values: SqlStorageValue[]) => {
      const cursor = exec(query, ...values);
      cursors.push({ query, cursor });
      return cursor;
    }) as typeof sql.exec;
  });
  return () => {
    const written = new Map<string, number>();
    for (const { query, cursor } of cursors)
      if (cursor.rowsWritten > 0) {
        const statement = query.replace(/\s+/g, " ").trim().slice(0, 60).trim();
        written.set(statement, (written.get(statement) ?? 0) + cursor.rowsWritten);
      }
    return written;
  };
}
