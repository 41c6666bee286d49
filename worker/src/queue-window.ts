// Facts of the requests an isolate answers within a short window travel to the `events` queue
// together: one queue message per N facts instead of one (or more) per request.
import { afterResponse, type WaitUntil } from "./background.ts";
import type { Env, EventsQueuePayload } from "./env.ts";
import { sizedChunks } from "./sized-chunks.ts";

/** Queue `sendBatch` takes at most 100 messages and 256 KB per call; a call over either fails whole. */
const QUEUE_SEND_BATCH = 100;
const QUEUE_SEND_BATCH_BYTES = 200_000;

/** Messages in `sendBatch` calls under both limits (a message is at most ~96 KB: facts.ts). */
export function sendBatches<T>(messages: readonly { body: T }[]): { body: T }[][] {
  return sizedChunks(messages, (message) => JSON.stringify(message.body).length, QUEUE_SEND_BATCH_BYTES, QUEUE_SEND_BATCH);
}
/**
 * A queue message is billed three operations (written, read, deleted): at a page view per request,
 * a message per request would be a third of what an event costs (docs/cost.md). A second of an
 * isolate's requests share one; the facts feed aggregates read minutes later (recommendation lists,
 * KPI reports), so a second's delay is nothing to them.
 */
export const FACTS_FLUSH_MS = 1000;

/**
 * One window per kind of fact. The request that opens the window sends everything collected in
 * it from its own waitUntil; the others only append.
 */
export class QueueWindow<T> {
  private collecting: Map<string, T[]> | undefined;
  private readonly label: string;
  private readonly toMessages: (workspaceId: string, items: T[]) => EventsQueuePayload[];

  constructor(label: string, toMessages: (workspaceId: string, items: T[]) => EventsQueuePayload[]) {
    this.label = label;
    this.toMessages = toMessages;
  }

  add(ctx: WaitUntil, queue: Env["EVENTS"], workspaceId: string, items: readonly T[]): void {
    if (items.length === 0) return;
    if (this.collecting) {
      const list = this.collecting.get(workspaceId);
      if (list) list.push(...items);
      else this.collecting.set(workspaceId, [...items]);
      return;
    }
    const window = new Map([[workspaceId, [...items]]]);
    this.collecting = window;
    afterResponse(
      ctx,
      this.label,
      scheduler.wait(FACTS_FLUSH_MS).then(async () => {
        if (this.collecting === window) this.collecting = undefined;
        const messages = [...window].flatMap(([ws, list]) => this.toMessages(ws, list)).map((body) => ({ body }));
        // Found by the demo store's browser test: a window of big requests' facts (pairs attached) passed 256 KB in one call, which failed and lost them all.
        for (const call of sendBatches(messages)) await queue.sendBatch(call);
      }),
    );
  }
}
