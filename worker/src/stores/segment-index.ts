// The segment membership index and the customer index, on the workspace's index shards
// (index-shards/IndexShardDO.ts, customers by profile key): written by the events consumer from the
// facts the customer objects send (queues/segment-facts.ts), read by the segments and customers API.
// Writes go to the shard of each customer; reads ask every shard and merge (pages by profile key,
// sums of counts). Nothing here touches D1: the event path writes no D1 row (issue 15).
import type { Env } from "../env.ts";
import { factsByShard, INDEX_SHARDS, indexShardName, keysByShard, mergePages, sampleShares } from "../index-shards/shards.ts";
import type { SegmentFact } from "../segments/facts.ts";

export { INDEX_TOMBSTONE_MS, utcDay } from "../index-shards/IndexShardDO.ts";

function shard(env: Env, workspaceId: string, index: number) {
  return env.INDEX_SHARDS.getByName(indexShardName(workspaceId, index));
}

function everyShard<T>(env: Env, workspaceId: string, ask: (stub: ReturnType<typeof shard>) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: INDEX_SHARDS }, (_, i) => ask(shard(env, workspaceId, i))));
}

/**
 * Folds messages' facts, one call per (workspace, shard) for them all, all calls at once; each
 * shard orders its facts and is idempotent, so a redelivered message changes nothing. Answers the
 * indexes of the messages whose facts a failed call held (to retry; the others are applied).
 */
export async function applySegmentFacts(env: Env, messages: readonly { workspaceId: string; facts: readonly SegmentFact[] }[], now: number): Promise<Set<number>> {
  const calls = factsByShard(messages);
  const outcomes = await Promise.allSettled(calls.map((call) => shard(env, call.workspaceId, call.shard).apply(call.facts, now)));
  const failed = new Set<number>();
  outcomes.forEach((outcome, i) => {
    if (outcome.status === "rejected") {
      console.error("seam: an index shard call failed", calls[i]!.workspaceId, calls[i]!.shard, outcome.reason);
      for (const m of calls[i]!.messages) failed.add(m);
    }
    // Callers send only validated facts: a refusal is a bug to see in the logs, not a reason to retry forever.
    else if (outcome.value.invalid) console.error("seam: an index shard refused a malformed call", calls[i]!.workspaceId);
  });
  return failed;
}

/** Objects a back-fill found merged away or empty: out of the customer index (their customer, if any, is listed under its own key). */
export async function markCustomersGone(env: Env, workspaceId: string, profileKeys: readonly string[], now: number): Promise<void> {
  if (profileKeys.length === 0) return;
  const facts = profileKeys.map((key): SegmentFact => ({ type: "customer", customer: key, present: false, at: now }));
  if ((await applySegmentFacts(env, [{ workspaceId, facts }], now)).size) throw new Error("an index shard failed to mark customers gone");
}

// ---- reads ----------------------------------------------------------------------------------

export async function segmentSizes(env: Env, workspaceId: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const answer of await everyShard(env, workspaceId, (s) => s.segmentSizes())) for (const { segment, n } of answer) sizes.set(segment, (sizes.get(segment) ?? 0) + n);
  return sizes;
}

/** A page of a segment's members, by profile key after `after`. */
export async function segmentMembers(env: Env, workspaceId: string, segmentId: string, after: string | null, limit: number) {
  return mergePages(await everyShard(env, workspaceId, (s) => s.segmentMembers(segmentId, after, limit)), limit);
}

/** Asks each shard about its own keys only; the answers' pairs in one map. */
async function amongKeys(env: Env, workspaceId: string, profileKeys: readonly string[], ask: (stub: ReturnType<typeof shard>, keys: string[]) => Promise<[string, number][]>) {
  const answers = await Promise.all([...keysByShard(profileKeys)].map(([index, keys]) => ask(shard(env, workspaceId, index), keys)));
  return new Map(answers.flat());
}

/** Which of `profileKeys` are in the segment, with since when. */
export async function membersAmong(env: Env, workspaceId: string, segmentId: string, profileKeys: readonly string[]): Promise<Map<string, number>> {
  return amongKeys(env, workspaceId, profileKeys, async (s, keys) => (await s.membersAmong(segmentId, keys)).map((r) => [r.profile_key, r.since]));
}

/** Entries and exits per UTC day since `fromDay` (YYYY-MM-DD), oldest first. */
export async function segmentChanges(env: Env, workspaceId: string, segmentId: string, fromDay: string) {
  const days = new Map<string, { day: string; entered: number; exited: number }>();
  for (const answer of await everyShard(env, workspaceId, (s) => s.segmentChanges(segmentId, fromDay)))
    for (const { day, entered, exited } of answer) {
      const total = days.get(day) ?? { day, entered: 0, exited: 0 };
      total.entered += entered;
      total.exited += exited;
      days.set(day, total);
    }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** A page of the workspace's customers (objects holding one), by profile key after `after`. */
export async function customerPage(env: Env, workspaceId: string, after: string | null, limit: number) {
  return mergePages(await everyShard(env, workspaceId, (s) => s.customerPage(after, limit)), limit);
}

/** Which of `profileKeys` the index lists as customers. */
export async function indexedCustomers(env: Env, workspaceId: string, profileKeys: readonly string[]): Promise<Map<string, number>> {
  return amongKeys(env, workspaceId, profileKeys, async (s, keys) => (await s.customersAmong(keys)).map((r) => [r.profile_key, r.seen_at]));
}

export async function countCustomers(env: Env, workspaceId: string): Promise<number> {
  return (await everyShard(env, workspaceId, (s) => s.countCustomers())).reduce((a, b) => a + b, 0);
}

/**
 * `limit` customers for the size preview's sample, with the workspace's count: from each shard a
 * run of its index (its share of `limit`, by its count) from the place `start()` (0 to 1) picks.
 * Every customer when they all fit.
 */
export async function customerSample(env: Env, workspaceId: string, limit: number, start: () => number): Promise<{ customers: number; keys: string[] }> {
  const counts = await everyShard(env, workspaceId, (s) => s.countCustomers());
  const shares = sampleShares(counts, limit);
  const at = start();
  const runs = await Promise.all(
    shares.map((share, i) => (share === 0 ? [] : shard(env, workspaceId, i).customerRun(Math.floor(at * Math.max(0, counts[i]! - share + 1)), share))),
  );
  return { customers: counts.reduce((a, b) => a + b, 0), keys: runs.flat().sort() };
}

// ---- privacy, deletes ------------------------------------------------------------------------

/** A deleted customer (and the devices merged into it) leaves no row behind, in the shard of each key. */
export async function forgetCustomerIndex(env: Env, workspaceId: string, profileKeys: readonly string[]): Promise<void> {
  await Promise.all([...keysByShard(profileKeys)].map(([index, keys]) => shard(env, workspaceId, index).forgetCustomers(keys)));
}

/** A deleted segment's members and counts, in every shard. */
export async function forgetSegment(env: Env, workspaceId: string, segmentId: string): Promise<void> {
  await everyShard(env, workspaceId, (s) => s.forgetSegment(segmentId));
}
