// A customer object's segment facts made by a request's batch ride back with its answer, and the
// ingest route sends them in its queue window (routes/ingest.ts): one events-queue message for
// every customer of the window, not one per customer object. Facts made outside a request keep
// the object's outbox (customer-rows-written.test.ts), and so do facts whose answer failed.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CustomerDO } from "../src/customer/CustomerDO.ts";
import { REINDEX_AFTER_MS } from "../src/customer/segments.ts";
import type { Env } from "../src/env.ts";
import { indexedCustomers } from "../src/stores/segment-index.ts";
import type { EventsQueuePayload } from "../src/env.ts";
import type { SeamEvent } from "../src/schemas.ts";
import type { SegmentFactsMessage } from "../src/segments/facts.ts";
import { batch, trackEvent, uid, userHash } from "./helpers.ts";
import { clearAlarm, customerObject, messagingWorkspace } from "./messaging-helpers.ts";
import { segmentsOf, waitForCustomers } from "./segment-helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** Every segment-facts message of `workspaceId` on the events queue, by how it was sent (and still sent). */
function spyOnSegmentMessages(workspaceId: string) {
  const sent = { windowed: [] as SegmentFactsMessage[], own: [] as SegmentFactsMessage[] };
  const ours = (body: EventsQueuePayload): body is SegmentFactsMessage => "kind" in body && body.kind === "segments" && body.workspaceId === workspaceId;
  const sendBatch = env.EVENTS.sendBatch.bind(env.EVENTS);
  vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async (messages, options) => {
    sent.windowed.push(...[...messages].map((m) => m.body).filter(ours));
    return sendBatch(messages, options);
  });
  const send = env.EVENTS.send.bind(env.EVENTS);
  vi.spyOn(env.EVENTS, "send").mockImplementation(async (body, options) => {
    if (ours(body)) sent.own.push(body);
    return send(body, options);
  });
  return { ...sent, facts: () => [...sent.windowed, ...sent.own].flatMap((m) => m.facts) };
}

const present = (anonymousIds: readonly string[]) => anonymousIds.map((id) => ({ type: "customer", customer: `a:${id}`, present: true, at: expect.any(Number) }));

describe("segment facts of a request's batch", () => {
  it("travel in the route's window: one events-queue message for a batch of new customers, and the customers are listed", async () => {
    const ws = await messagingWorkspace();
    const sent = spyOnSegmentMessages(ws.id);
    const shoppers = Array.from({ length: 6 }, () => uid("new"));
    const res = await batch(shoppers.map((id) => trackEvent(id, "Product Viewed", { product_id: "tent" })), ws.writeKey);
    expect(res.status).toBe(200);

    // Drained by the events queue's consumer into the index that `GET /v1/customers` reads.
    await waitForCustomers(ws, shoppers);
    expect(sent.windowed).toHaveLength(1);
    expect(sent.windowed[0]!.facts).toEqual(expect.arrayContaining(present(shoppers)));
    // No object sent a message of its own: each handed its facts over with its answer.
    expect(sent.own).toEqual([]);
    const outbox = await runInDurableObject(customerObject(ws, `a:${shoppers[0]}`), (instance) =>
      (instance as unknown as { store: { segmentMeta: { get(key: string): string | undefined } } }).store.segmentMeta.get("outbox"),
    );
    expect(JSON.parse(outbox!).facts).toEqual([]);
  });

  it("of concurrent requests answered within the window share one message too", async () => {
    const ws = await messagingWorkspace();
    const sent = spyOnSegmentMessages(ws.id);
    const shoppers = Array.from({ length: 4 }, () => uid("new"));
    const answers = await Promise.all(shoppers.map((id) => batch([trackEvent(id, "Product Viewed", { product_id: "tent" })], ws.writeKey)));
    expect(answers.map((res) => res.status)).toEqual(shoppers.map(() => 200));
    await waitForCustomers(ws, shoppers);
    expect(sent.windowed).toHaveLength(1);
    expect(sent.own).toEqual([]);
    expect(sent.facts()).toEqual(expect.arrayContaining(present(shoppers)));
  });

  it("of a sign-in's merge and planning come with its answer; the merged-away visitor's own facts leave from its object", async () => {
    const ws = await messagingWorkspace();
    const visitor = uid("device");
    await batch([trackEvent(visitor, "Product Added", { product_id: "tent" })], ws.writeKey);
    await waitForCustomers(ws, [visitor]);

    const sent = spyOnSegmentMessages(ws.id);
    const userId = uid("signed");
    const res = await batch([{ type: "identify", anonymousId: visitor, userId, traits: {}, context: { userHash: await userHash(userId, ws.identitySecret) } }], ws.writeKey);
    expect(res.status).toBe(200);
    expect(await segmentsOf(ws, userId)).toContain("account_owners");
    await waitForCustomers(ws, [userId]);
    const customerFacts = (messages: SegmentFactsMessage[]) => messages.flatMap((m) => m.facts).map((f) => `${f.customer} ${f.type === "customer" ? `present=${f.present}` : `${f.segment} member=${f.member}`}`);
    expect(customerFacts(sent.windowed)).toEqual(expect.arrayContaining([`u:${userId} present=true`, `u:${userId} account_owners member=true`]));
    expect(customerFacts(sent.own).filter((f) => f.startsWith("u:"))).toEqual([]);
    // The visitor's object leaves the index through its own outbox (a merge driven from another object).
    expect(customerFacts(sent.own)).toContain(`a:${visitor} present=false`);
    await clearAlarm(ws, `u:${userId}`);
  });
});

describe("segment facts handed over to an answer that fails", () => {
  it("go back to the object's outbox, which sends them", async () => {
    const ws = await messagingWorkspace();
    const sent = spyOnSegmentMessages(ws.id);
    const visitor = uid("new");
    const now = Date.now();
    const event: SeamEvent = {
      messageId: uid("m"), type: "track", event: "Product Viewed", timestamp: now, receivedAt: now, channel: "web", verified: false,
      anonymousId: visitor, properties: { product_id: "tent" }, traits: {}, context: {},
    };
    await runInDurableObject(customerObject(ws, `a:${visitor}`), async (instance) => {
      // The answer fails after the batch (and its hand-over) committed: the page's recommendations throw.
      const object = instance as unknown as CustomerDO & { recommend: () => Promise<never> };
      object.recommend = () => Promise.reject(new Error("recommendations down"));
      try {
        await expect(
          object.ingest({ workspaceId: ws.id, profileKey: `a:${visitor}`, events: [event], segmentFacts: true, recs: [{ type: "trending", limit: 3 }] }),
        ).rejects.toThrow("recommendations down");
      } finally {
        delete (object as { recommend?: unknown }).recommend;
      }
    });
    await waitForCustomers(ws, [visitor]);
    expect(sent.own.flatMap((m) => m.facts)).toEqual(present([visitor]));
  });
});

describe("a customer's index fact lost with its isolate", () => {
  it("is said again with the customer's first batch a day later, and the customer is listed", async () => {
    const ws = await messagingWorkspace();
    const shopper = uid("lost");
    // The isolate died with its window: the queue never got the facts.
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch").mockImplementation(async () => ({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } }) as unknown as QueueSendBatchResponse);
    await batch([trackEvent(shopper, "Product Viewed", { product_id: "tent" })], ws.writeKey);
    await vi.waitUntil(() => sendBatch.mock.calls.length > 0, { timeout: 5000 });
    sendBatch.mockRestore();
    expect((await indexedCustomers(env as unknown as Env, ws.id, [`a:${shopper}`])).size).toBe(0);

    // A page view the same day says nothing again; one a day after the fact does.
    type Inside = { store: { segmentMeta: { get(k: string): string | undefined; set(k: string, v: number): void }; transaction(work: () => void): void } };
    const indexedAt = () => runInDurableObject(customerObject(ws, `a:${shopper}`), (instance) => (instance as unknown as Inside).store.segmentMeta.get("indexed"));
    const first = await indexedAt();
    await batch([trackEvent(shopper, "Product Viewed", { product_id: "stove" })], ws.writeKey);
    expect(await indexedAt()).toBe(first);
    await runInDurableObject(customerObject(ws, `a:${shopper}`), (instance) => {
      const store = (instance as unknown as Inside).store;
      store.transaction(() => store.segmentMeta.set("indexed", Date.now() - REINDEX_AFTER_MS));
    });
    const sent = spyOnSegmentMessages(ws.id);
    await batch([trackEvent(shopper, "Product Viewed", { product_id: "mat" })], ws.writeKey);
    await waitForCustomers(ws, [shopper]);
    expect(sent.facts()).toEqual(present([shopper]));
  });
});
