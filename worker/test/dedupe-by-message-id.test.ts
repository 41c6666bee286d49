// A resent event (same messageId) is answered `duplicate` and changes nothing: SDK retries rely on it.
// Regression: the dedupe read `rowsWritten`, which workerd reports as 1 for a conflicting DO NOTHING insert.
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

const send = async (batch: unknown[]) => {
  const res = await exports.default.fetch(
    new Request("https://seam.test/v1/batch", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: "wk_demo", batch }),
    }),
  );
  return (await res.json()) as { accepted: number; duplicate: number; results: { status: string }[] };
};

it("answers a resent messageId as a duplicate and counts the event once", async () => {
  const event = { type: "track", event: "Product Added", anonymousId: "dedupe-1", messageId: "m-dedupe-1", properties: { product_id: "sku_1" } };
  expect((await send([event])).results.map((r) => r.status)).toEqual(["accepted"]);
  const again = await send([event, { ...event, messageId: "m-dedupe-2" }]);
  expect(again.results.map((r) => r.status)).toEqual(["duplicate", "accepted"]);
  const state = (await (
    await exports.default.fetch(
      new Request("https://seam.test/v1/customers/dedupe-1", { headers: { authorization: "Bearer sk_demo" } }),
    )
  ).json()) as { event_count: number; cart: { lines: { quantity: number }[] } };
  expect(state.event_count).toBe(2);
  expect(state.cart.lines.map((l) => l.quantity)).toEqual([2]);
});

// Regression: each duplicate took an AUTOINCREMENT seq, so the last-N trim dropped ids still in the window.
// A batch of duplicates only now writes no journal row, so it takes no place among the batches remembered.
it("remembers the ids of the last batches however many duplicates arrive", async () => {
  const first = { type: "track", event: "First", anonymousId: "dedupe-2", messageId: "m-first" };
  const spam = { type: "track", event: "Spam", anonymousId: "dedupe-2", messageId: "m-spam" };
  expect((await send([first, spam])).accepted).toBe(2);
  for (let i = 0; i < 4; i++) expect((await send(Array(2500).fill(spam))).duplicate).toBe(2500);
  // A new event after the duplicates: only 2 batches with new ids so far, far below the 1,000 remembered.
  const next = { ...first, event: "Next", messageId: "m-next" };
  expect((await send([next])).accepted).toBe(1);
  expect((await send([first])).results.map((r) => r.status)).toEqual(["duplicate"]);
});
