// Talking to a workspace's aggregator shards: one call per shard with a batch's facts, and reads
// that ask every shard and add up what they hold.
import type { Env } from "../env.ts";
import type { AddResult } from "./AggregatorDO.ts";
import { aggregatorObjectName, AGGREGATOR_SHARDS, type KeyRange, type SumFact } from "./shards.ts";

function shardStub(env: Env, workspaceId: string, shard: number) {
  return env.AGGREGATOR.getByName(aggregatorObjectName(workspaceId, shard));
}

/** Hands each shard its facts in one call, all shards at once. Rejects if any shard failed (the caller retries; facts apply once). */
export async function addToShards(env: Env, workspaceId: string, perShard: ReadonlyMap<number, SumFact[]>): Promise<AddResult[]> {
  const results = await Promise.all([...perShard].map(([shard, facts]) => shardStub(env, workspaceId, shard).add(facts)));
  // Callers send only validated facts: a refusal is a bug to see in the logs, not a reason to retry forever.
  if (results.some((r) => r.invalid)) console.error("seam: an aggregator shard refused a malformed call", workspaceId);
  return results;
}

/** The sums in these key ranges, added up over every shard of the workspace. */
export async function readSums(env: Env, workspaceId: string, ranges: KeyRange[]): Promise<Map<string, number>> {
  const answers = await Promise.all(Array.from({ length: AGGREGATOR_SHARDS }, (_, shard) => shardStub(env, workspaceId, shard).read(ranges)));
  const sums = new Map<string, number>();
  for (const { keys, values } of answers) keys.forEach((key, i) => sums.set(key, (sums.get(key) ?? 0) + values[i]!));
  return sums;
}
