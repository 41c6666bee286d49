// Which index shard holds a customer, a batch's segment facts grouped per shard, and the merges of
// what the shards answer (pages by profile key, a sample spread over the shards). Pure.
import { shardOf } from "../aggregator/shards.ts";
import { compareText } from "../compare.ts";
import type { SegmentFact } from "../segments/facts.ts";

/**
 * Index shards per workspace (`${workspace}:${shard}`, customers by fnv1a(profile key) mod N, the
 * aggregator's hash). A customer's index row and all its membership rows live in its shard, so an
 * erasure touches one shard and a segment's members are spread over all. The consumer makes one
 * call per shard per queue batch, so fewer shards cost fewer requests; reads ask every shard.
 * Changing N would move customers to other shards: it needs a rehome first (none exists yet).
 */
export const INDEX_SHARDS = 4;

export function indexShardOf(profileKey: string, shards = INDEX_SHARDS): number {
  return shardOf(profileKey, shards);
}

export function indexShardName(workspaceId: string, shard: number): string {
  return `${workspaceId}:${shard}`;
}

/** Keys grouped by their shard. */
export function keysByShard(profileKeys: readonly string[], shards = INDEX_SHARDS): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const key of profileKeys) {
    const shard = indexShardOf(key, shards);
    out.set(shard, [...(out.get(shard) ?? []), key]);
  }
  return out;
}

/** One shard's call of a queue batch: its facts from every message, and which messages they came from. */
export interface ShardCall {
  workspaceId: string;
  shard: number;
  facts: SegmentFact[];
  messages: Set<number>;
}

/** The facts of a batch's messages (by index) as one call per (workspace, shard). */
export function factsByShard(messages: readonly { workspaceId: string; facts: readonly SegmentFact[] }[], shards = INDEX_SHARDS): ShardCall[] {
  const calls = new Map<string, ShardCall>();
  messages.forEach(({ workspaceId, facts }, index) => {
    for (const fact of facts) {
      const shard = indexShardOf(fact.customer, shards);
      const key = `${workspaceId}\u0000${shard}`;
      const call = calls.get(key) ?? { workspaceId, shard, facts: [], messages: new Set<number>() };
      call.facts.push(fact);
      call.messages.add(index);
      calls.set(key, call);
    }
  });
  return [...calls.values()];
}

/** Every shard's page (each sorted by profile key, each at most `limit`) as the workspace's first `limit` rows. */
export function mergePages<T extends { profile_key: string }>(pages: readonly (readonly T[])[], limit: number): T[] {
  return pages
    .flat()
    .sort((a, b) => compareText(a.profile_key, b.profile_key))
    .slice(0, limit);
}

/**
 * How many of a `limit`-customer sample each shard gives, in proportion to its customers (largest
 * remainders first, so the parts add up to min(limit, total)); every customer when they all fit.
 */
export function sampleShares(counts: readonly number[], limit: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= limit) return [...counts];
  const exact = counts.map((n) => (limit * n) / total);
  const shares = exact.map(Math.floor);
  let left = limit - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}
