// What a visitor's messaging history brings to the customer it merges into (pure).
import { describe, expect, it } from "vitest";
import type { MessageLogRow, ScheduleRowRecord, TriggerRunRow } from "../src/customer/rows.ts";
import { EMPTY_MESSAGING, messagingAdditions } from "../src/triggers/run-merge.ts";

const T = Date.UTC(2026, 10, 3, 10, 0);

function run(runId: string, overrides: Partial<TriggerRunRow> = {}): TriggerRunRow {
  return {
    run_id: runId, trigger_id: runId.split(":")[0]!, template: "welcome_series", entry_key: "once", status: "active", reason: null, product_id: null,
    context: "{}", started_at: T, anchor_at: T, next_step: 1, last_sent_at: T, sent_count: 1, updated_at: T, ...overrides,
  };
}

function row(id: string, runId: string, status: string): ScheduleRowRecord {
  return {
    id, run_id: runId, trigger_id: runId.split(":")[0]!, kind: "step", step: 1, channel_index: 0, channels: null, chosen_by: null, due_at: T, expires_at: T,
    status, reason: null, attempts: 0, lease_until: null, message_id: null, source_received_at: null, created_at: T, updated_at: T,
  };
}

function message(id: string, runId: string): MessageLogRow {
  return {
    message_id: id, run_id: runId, trigger_id: "welcome", template: "welcome_series", step: 0, channel: "email", chosen_by: "cascade", status: "sent",
    product_id: null, queued_at: T, event_received_at: null, enqueued_wall_at: null, sent_at: T, delivered_at: null, failed_at: null, opened_at: null, clicked_at: null, error: null,
  };
}

describe("a visitor's messaging history in a merge", () => {
  it("brings its runs, their pending steps and its messages; the customer's own run wins a clash", () => {
    const visitor = {
      runs: [run("welcome:once"), run("cart:cart:v1", { template: "abandoned_cart" })],
      schedule: [row("welcome:once#s1", "welcome:once", "pending"), row("welcome:once#s0", "welcome:once", "done"), row("cart:cart:v1#s0", "cart:cart:v1", "pending")],
      messages: [message("m1", "welcome:once")],
    };
    const customer = { ...EMPTY_MESSAGING, runs: [run("cart:cart:v1", { template: "abandoned_cart", sent_count: 0 })] };
    const added = messagingAdditions(customer, visitor);
    expect(added.runs.map((r) => r.run_id)).toEqual(["welcome:once"]);
    expect(added.schedule.map((r) => r.id)).toEqual(["welcome:once#s1"]);
    expect(added.messages.map((m) => m.message_id)).toEqual(["m1"]);
  });

  it("leaves a run whose message is being sent with the visitor, which finishes it", () => {
    const visitor = { runs: [run("welcome:once")], schedule: [row("welcome:once#s0", "welcome:once", "sending")], messages: [] };
    expect(messagingAdditions(EMPTY_MESSAGING, visitor)).toEqual(EMPTY_MESSAGING);
  });
});
