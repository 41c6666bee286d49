// Every per-customer list is bounded: the oldest entries give way to new ones.
import { evictAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CAPS } from "../src/customer/schema.ts";
import { batch, customer, trackEvent, uid } from "./helpers.ts";

const t0 = Date.parse("2026-11-01T00:00:00.000Z");
const at = (i: number) => new Date(t0 + i * 1000).toISOString();

describe("caps", () => {
  it("keeps the most recent viewed items, touchpoints and raw events", async () => {
    const id = uid();
    const n = CAPS.touchpoints + 50;
    const events = Array.from({ length: n }, (_, i) =>
      trackEvent(id, "Product Viewed", { product_id: `p${i}` }, { timestamp: at(i), messageId: `m${i}` }),
    );
    await batch(events);
    const state = (await customer(id)).body;
    expect(state.event_count).toBe(n);
    expect(state.viewed_items).toHaveLength(CAPS.viewedItems);
    expect(state.viewed_items[0].product_id).toBe(`p${n - 1}`);
    expect(state.viewed_items.at(-1)!.product_id).toBe(`p${n - CAPS.viewedItems}`);
    expect(state.channel_history).toHaveLength(CAPS.touchpoints);
    expect(state.channel_history.at(-1)!.message_id).toBe(`m${n - CAPS.touchpoints}`);
    expect(state.recent_events).toHaveLength(CAPS.recentEvents);
  });

  it("remembers the message ids of the last CAPS.journalBatches batches for dedupe, through a wake-up, and forgets older ones; their views stay", async () => {
    const id = uid();
    const page = (messageId: string) => ({ type: "page", anonymousId: id, messageId });
    await batch([trackEvent(id, "Product Viewed", { product_id: "p-first", category: "shoes" }, { messageId: "s0" })]);
    // Batches arrive at the object in any order here: only s0's being the oldest matters.
    for (let start = 1; start <= CAPS.journalBatches; start += 50)
      await Promise.all(Array.from({ length: Math.min(50, CAPS.journalBatches + 1 - start) }, (_, i) => batch([page(`s${start + i}`)])));
    await evictAllDurableObjects();
    const recent = (await (await batch([page(`s${CAPS.journalBatches}`), page("s1")])).json()) as any;
    expect(recent.results.map((r: any) => r.status)).toEqual(["duplicate", "duplicate"]);
    // s0's batch left the journal: its view was folded into the viewed items, its id forgotten.
    expect((await customer(id)).body.viewed_items).toMatchObject([{ product_id: "p-first", view_count: 1, category: "shoes" }]);
    const forgotten = (await (await batch([trackEvent(id, "Product Viewed", { product_id: "p-first" }, { messageId: "s0" })])).json()) as any;
    expect(forgotten.results[0].status).toBe("accepted");
    expect((await customer(id)).body.viewed_items).toMatchObject([{ product_id: "p-first", view_count: 2, category: "shoes" }]);
  }, 120_000);

  it("keeps at most CAPS.cartLines cart lines", async () => {
    const id = uid();
    await batch(
      Array.from({ length: CAPS.cartLines + 5 }, (_, i) =>
        trackEvent(id, "Product Added", { product_id: `c${i}` }, { timestamp: at(i) }),
      ),
    );
    const lines = (await customer(id)).body.cart.lines;
    expect(lines).toHaveLength(CAPS.cartLines);
    expect(lines[0].product_id).toBe("c5");
  });
});
