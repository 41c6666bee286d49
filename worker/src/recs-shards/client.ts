// Talking to a workspace's recommendation shards: a queue batch's item facts grouped per shard (one
// call each), and the reads the cron and the catalog fan-outs make.
import type { Env } from "../env.ts";
import type { FactKind, ItemFact } from "../facts.ts";
import { addFactStats } from "../recs/fold.ts";
import { recsShardOf, type InterestEntry, type ItemDelta } from "./item-record.ts";
import type { ShardPart } from "./RecsShardDO.ts";

/**
 * Recommendation shards per workspace (`${workspace}:${shard}`, items by fnv1a(item) mod N), the
 * workspace setting `recsShards` (1–64). Default 4: the consumer makes one call (one logged row) per
 * shard per batch, so fewer shards cost fewer rows, while each shard folds a quarter of the items
 * (docs/scale.md has the limits). N may grow, never shrink: the cron then has every shard hand the
 * items it no longer owns to their new shard (RecsShardDO.rehome).
 */
export const DEFAULT_RECS_SHARDS = 4;
export const MAX_RECS_SHARDS = 64;

export function recsShardCount(settings: Readonly<Record<string, unknown>> | undefined): number {
  const n = settings?.recsShards;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_RECS_SHARDS ? n : DEFAULT_RECS_SHARDS;
}

export { recsShardOf };

export function recsShard(env: Env, workspaceId: string, shard: number) {
  return env.RECS_SHARDS.getByName(`${workspaceId}:${shard}`);
}

/** Where a shard sits in its workspace's layout: its workspace, its index and the workspace's N. */
export interface ShardLayout {
  workspaceId: string;
  self: number;
  shards: number;
}

const INTEREST_SLOT: Record<FactKind, 1 | 2 | 3> = { view: 1, cart: 2, buy: 3 };

/**
 * One queue message's facts as per-item increments: stats and interest for the fact's item, each
 * pair for its `from` item (summed per message, first-seen order kept), grouped by shard.
 */
export function messageParts(id: string, facts: readonly ItemFact[], shards: number): Map<number, ShardPart> {
  const deltas = new Map<string, { delta: ItemDelta; pairs: Map<string, [string, string, number]>; interest: Map<string, InterestEntry> }>();
  const deltaOf = (item: string) => {
    let entry = deltas.get(item);
    if (!entry) {
      entry = { delta: { item, views: 0, carts: 0, buys: 0, popularity: 0, pairs: [], interest: [] }, pairs: new Map(), interest: new Map() };
      deltas.set(item, entry);
    }
    return entry;
  };
  for (const fact of facts) {
    const own = deltaOf(fact.item);
    const stats = { ...own.delta, category: own.delta.category ?? null };
    addFactStats(stats, fact);
    Object.assign(own.delta, { views: stats.views, carts: stats.carts, buys: stats.buys, popularity: stats.popularity });
    if (stats.category) own.delta.category = stats.category;
    const entry = own.interest.get(fact.customer) ?? [fact.customer, 0, 0, 0];
    const slot = INTEREST_SLOT[fact.kind];
    entry[slot] = Math.max(entry[slot], fact.ts);
    own.interest.set(fact.customer, entry);
    for (const [relation, from, to, weight] of fact.pairs ?? []) {
      const pairs = deltaOf(from).pairs;
      const key = `${relation}\u0000${to}`;
      const pair = pairs.get(key);
      if (pair) pair[2] += weight;
      else pairs.set(key, [relation, to, weight]);
    }
  }
  const parts = new Map<number, ShardPart>();
  for (const { delta, pairs, interest } of deltas.values()) {
    delta.pairs = [...pairs.values()];
    delta.interest = [...interest.values()];
    const shard = recsShardOf(delta.item, shards);
    const part = parts.get(shard) ?? { id, items: [] };
    part.items.push(delta);
    parts.set(shard, part);
  }
  return parts;
}

/**
 * Hands every shard its parts of a queue batch in one call, all shards at once. Rejects if any
 * shard failed: the caller retries the batch, and a shard that already applied a message skips it.
 */
export async function addFactsToShards(env: Env, messages: readonly { id: string; workspaceId: string; shards: number; facts: ItemFact[] }[]): Promise<void> {
  const calls = new Map<string, { workspaceId: string; shard: number; parts: ShardPart[] }>();
  for (const { id, workspaceId, shards, facts } of messages)
    for (const [shard, part] of messageParts(id, facts, shards)) {
      const key = `${workspaceId}\u0000${shard}`;
      const call = calls.get(key) ?? { workspaceId, shard, parts: [] };
      call.parts.push(part);
      calls.set(key, call);
    }
  const results = await Promise.all([...calls.values()].map(({ workspaceId, shard, parts }) => recsShard(env, workspaceId, shard).add(parts)));
  // Callers send only validated facts: a refusal is a bug to see in the logs, not a reason to retry forever.
  if (results.some((r) => r.invalid)) console.error("seam: a recommendation shard refused a malformed call");
}

/** Every shard of a workspace with N = `shards`. */
export function allShards(env: Env, workspaceId: string, shards: number) {
  return Array.from({ length: shards }, (_, shard) => recsShard(env, workspaceId, shard));
}
