// A schedule row whose processing throws is retried with backoff and finally dropped with the error: it never spins the alarm.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batch, trackEvent, uid } from "./helpers.ts";
import { customerObject, messagesOf, messagingWorkspace, pendingRows, runAlarm } from "./messaging-helpers.ts";

describe("a failing schedule row", () => {
  // Regression guard: a row that threw on every run re-armed the alarm in the past and spun.
  it("is retried 30 s later, then with doubling backoff, and dropped at the fifth failure with its error", async () => {
    const ws = await messagingWorkspace({ triggers: { cart: { template: "abandoned_cart", steps: [{ delay_minutes: 60 }] } } });
    const visitor = uid();
    await batch(
      [
        { type: "identify", anonymousId: visitor, traits: { email: "r@example.com" }, messageId: crypto.randomUUID() },
        trackEvent(visitor, "Product Added", { product_id: "a" }, { timestamp: new Date(Date.now() - 60_000).toISOString() }),
      ],
      ws.writeKey,
    );
    // Corrupt the run so building its message throws.
    await runInDurableObject(customerObject(ws, `a:${visitor}`), (_instance, state) => {
      state.storage.sql.exec(`UPDATE trigger_runs SET context = 'not json'`);
    });
    const due = Date.parse(pendingRows((await messagesOf(ws, visitor)).body)[0].due_at);

    expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    let [row] = pendingRows((await messagesOf(ws, visitor)).body);
    expect(row).toMatchObject({ attempts: 1, due_at: new Date(due + 30_000).toISOString() });
    expect(row.reason).toMatch(/^error: /);

    for (let i = 0; i < 4; i++) expect(await runAlarm(ws, `a:${visitor}`)).toBe(true);
    const state = (await messagesOf(ws, visitor)).body;
    expect(pendingRows(state)).toEqual([]);
    expect(state.schedule[0]).toMatchObject({ status: "dropped", attempts: 5 });
    expect(state.schedule[0].reason).toMatch(/^error: /);
    expect(state.alarm_at).toBeNull();
    expect(state.messages).toEqual([]);
  });
});
