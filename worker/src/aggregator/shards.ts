// Which aggregator shard a sum lives in, and a batch's increments grouped per shard. Pure.

/**
 * Aggregator objects per workspace (`${workspace}:${shard}`). Growth means more shards, never a
 * bigger single writer (ARCHITECTURE rule 4). Readers sum what every shard holds, so N may grow
 * (old sums stay where they are and still add up); it must never shrink.
 */
export const AGGREGATOR_SHARDS = 4;

/** One fact's increments for one shard: applied once by `id`, however often it is delivered. */
export interface SumFact {
  id: string;
  sums: [key: string, delta: number][];
}

/** A key range [from, to) of sums to read. */
export interface KeyRange {
  from: string;
  to: string;
}

/** FNV-1a, 32 bits: stable across isolates and releases, which is all a shard function needs. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function shardOf(shardKey: string, shards = AGGREGATOR_SHARDS): number {
  return fnv1a(shardKey) % shards;
}

export function aggregatorObjectName(workspaceId: string, shard: number): string {
  return `${workspaceId}:${shard}`;
}

/**
 * Groups facts' increments by the shard their key lives in, summed per key within each fact (the
 * aggregator then writes each key once per flush). A fact reaching three shards becomes three
 * SumFacts with the same id: each shard remembers it applied its part.
 */
export function groupByShard(
  facts: readonly { id: string; increments: readonly { key: string; shardKey: string; delta: number }[] }[],
  shards = AGGREGATOR_SHARDS,
): Map<number, SumFact[]> {
  const out = new Map<number, SumFact[]>();
  for (const fact of facts) {
    const perShard = new Map<number, Map<string, number>>();
    for (const { key, shardKey, delta } of fact.increments) {
      if (!Number.isFinite(delta) || delta === 0) continue;
      const shard = shardOf(shardKey, shards);
      const sums = perShard.get(shard) ?? new Map<string, number>();
      sums.set(key, (sums.get(key) ?? 0) + delta);
      perShard.set(shard, sums);
    }
    for (const [shard, sums] of perShard) {
      const list = out.get(shard) ?? [];
      list.push({ id: fact.id, sums: [...sums] });
      out.set(shard, list);
    }
  }
  return out;
}
