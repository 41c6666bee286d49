// Test doubles for the SDK: a fake ingest server behind a fetch-shaped transport, and storages.
import { vi } from "vitest";
import type { SeamEvent, SeamStorage, Transport, TransportResponse } from "../src/core.ts";

export interface SentRequest {
  url: string;
  method: string;
  keepalive: boolean;
  credentials: string | undefined;
  /** The parsed JSON body of a POST. */
  body: { writeKey: string; sentAt: string; batch: SeamEvent[]; dropped?: number; fresh?: number; recs?: unknown[] } | undefined;
  raw: string | undefined;
}

export function response(status: number, json: unknown = {}, headers: Record<string, string> = {}): TransportResponse {
  return {
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    json: async () => json,
  };
}

/** The server's happy answer: every event accepted, in request order. */
export function acceptAll(req: SentRequest, extra: Record<string, unknown> = {}): TransportResponse {
  const results = (req.body?.batch ?? []).map((e) => ({ messageId: e.messageId, status: "accepted" }));
  return response(200, { success: true, accepted: results.length, duplicate: 0, rejected: 0, results, ...extra });
}

/**
 * A fetch-shaped transport that records every request and answers with `reply` (accept all by
 * default). `reply` may throw to simulate a network error.
 */
export function fakeServer() {
  const server = {
    requests: [] as SentRequest[],
    /** messageIds the server accepted, each once: a resend is answered `duplicate`, as the worker does. */
    accepted: new Set<string>(),
    /** The default answer: accept new events, `duplicate` for ones already accepted. */
    accept(req: SentRequest): TransportResponse {
      const results = req.body!.batch.map((e) => {
        const fresh = !server.accepted.has(e.messageId);
        server.accepted.add(e.messageId);
        return { messageId: e.messageId, status: fresh ? "accepted" : "duplicate" };
      });
      return response(200, { success: true, results });
    },
    reply: ((req: SentRequest) => server.accept(req)) as (req: SentRequest) => TransportResponse | Promise<TransportResponse>,
    get batches() {
      return server.requests.filter((r) => r.url.endsWith("/v1/batch"));
    },
    /** Every event the server was sent, in order (with repeats if an event was sent twice). */
    get sent() {
      return server.batches.flatMap((r) => r.body!.batch);
    },
    fetch: (async (url, init) => {
      const raw = init?.body;
      const req: SentRequest = {
        url,
        method: init?.method ?? "GET",
        keepalive: !!init?.keepalive,
        credentials: init?.credentials,
        body: raw ? JSON.parse(raw) : undefined,
        raw,
      };
      server.requests.push(req);
      return server.reply(req);
    }) as Transport,
  };
  return server;
}

/** An AsyncStorage-like store: every call answers on a later microtask, as a native bridge does. */
export function asyncStorage(data = new Map<string, string>()): SeamStorage & { data: Map<string, string> } {
  return {
    data,
    getItem: async (k) => data.get(k) ?? null,
    setItem: async (k, v) => void data.set(k, v),
    removeItem: async (k) => void data.delete(k),
  };
}

/** Lets pending promises (storage reads, responses) settle without moving the clock. */
export const settle = () => vi.advanceTimersByTimeAsync(0);

/** Keys of the per-tab queues in localStorage. */
export const queueKeys = () => Object.keys(localStorage).filter((k) => k.startsWith("seam_q"));

/** Reads a queue record from localStorage. */
export const queueRecord = (key: string) =>
  JSON.parse(localStorage.getItem(key) ?? "null") as { t: number; q: SeamEvent[]; d: number } | null;
