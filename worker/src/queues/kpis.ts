// The events queue's KPI messages: a batch's counter increments grouped per workspace and shard,
// one aggregator call per shard per batch (aggregator/AggregatorDO.ts applies each fact once).
import { addToShards } from "../aggregator/client.ts";
import { groupByShard } from "../aggregator/shards.ts";
import type { Env } from "../env.ts";
import { KPI_DIMENSIONS, kpiKey, kpiShardKey, type KpiDimension, type KpiFact, type KpiQueueMessage } from "../kpis/counters.ts";

const DIMENSIONS = new Set<string>(KPI_DIMENSIONS);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A counter's value or metric name longer than this is not one Seam made. */
const MAX_NAME = 300;

export function isKpiMessage(body: unknown): body is KpiQueueMessage {
  const m = body as KpiQueueMessage | null;
  return m !== null && typeof m === "object" && m.v === 1 && m.kind === "kpis" && typeof m.workspaceId === "string" && Array.isArray(m.facts);
}

function validIncrement(i: unknown): i is [string, KpiDimension, string, string, number] {
  return (
    Array.isArray(i) &&
    i.length === 5 &&
    typeof i[0] === "string" &&
    DAY.test(i[0]) &&
    DIMENSIONS.has(i[1]) &&
    typeof i[2] === "string" &&
    i[2].length <= MAX_NAME &&
    typeof i[3] === "string" &&
    i[3].length <= MAX_NAME &&
    typeof i[4] === "number" &&
    Number.isFinite(i[4])
  );
}

/**
 * Folds every KPI message of a batch: per workspace, the facts' increments are summed per key and
 * grouped per shard, and each shard gets one call. Throws when a shard failed: the caller retries
 * the batch, and the shards that already applied a fact skip it by its id.
 */
export async function foldKpiMessages(messages: readonly KpiQueueMessage[], env: Env): Promise<void> {
  const byWorkspace = new Map<string, KpiFact[]>();
  for (const message of messages) {
    const list = byWorkspace.get(message.workspaceId) ?? [];
    for (const fact of message.facts)
      if (fact && typeof fact.id === "string" && Array.isArray(fact.increments)) list.push({ id: fact.id, increments: fact.increments.filter(validIncrement) });
    byWorkspace.set(message.workspaceId, list);
  }
  await Promise.all(
    [...byWorkspace].map(([workspaceId, facts]) => {
      const keyed = facts.map((fact) => ({
        id: fact.id,
        increments: fact.increments.map(([day, dim, value, metric, delta]) => ({ key: kpiKey(dim, day, value, metric), shardKey: kpiShardKey(dim, value), delta })),
      }));
      return addToShards(env, workspaceId, groupByShard(keyed));
    }),
  );
}
