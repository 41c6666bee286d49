// Trigger definitions and messaging policy: stored and versioned in D1, published whole to KV for the CustomerDOs
// (stores/published-config.ts is the reading side).
import type { Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import { definitionWithDefaults, LIMITS, resolveDefinition, type TriggerDefinition, type TriggerInput } from "../triggers/definitions.ts";
import { DEFAULT_POLICY, policyWithDefaults, resolvePolicy, type MessagingConfig, type MessagingPolicy, type PolicyInput } from "../triggers/policy.ts";
import { resolveSegments, type StoredSegment } from "../segments/definitions.ts";
import { writePublishedConfig } from "./published-config.ts";

interface DefinitionRow {
  definition: string;
}

/** The rows publishConfig's batch reads: each statement selects some of these columns. */
interface PublishRow extends Partial<StoredSegment> {
  revision?: number;
  definition?: string;
  policy?: string | null;
  allowed_origins?: string;
  store_id?: string;
  name?: string;
  lat?: number;
  lon?: number;
  radius_km?: number;
}

export async function listDefinitions(db: D1Database, workspaceId: string): Promise<TriggerDefinition[]> {
  const { results } = await db
    .prepare(`SELECT definition FROM trigger_definitions WHERE workspace_id = ? ORDER BY trigger_id`)
    .bind(workspaceId)
    .all<DefinitionRow>();
  return results.map((r) => definitionWithDefaults(JSON.parse(r.definition) as TriggerDefinition));
}

export async function definitionById(db: D1Database, workspaceId: string, triggerId: string): Promise<TriggerDefinition | null> {
  const row = await db
    .prepare(`SELECT definition FROM trigger_definitions WHERE workspace_id = ? AND trigger_id = ?`)
    .bind(workspaceId, triggerId)
    .first<DefinitionRow>();
  return row ? definitionWithDefaults(JSON.parse(row.definition) as TriggerDefinition) : null;
}

export async function definitionVersions(db: D1Database, workspaceId: string, triggerId: string) {
  const { results } = await db
    .prepare(
      `SELECT version, definition, created_at FROM trigger_definition_versions
       WHERE workspace_id = ? AND trigger_id = ? ORDER BY version DESC`,
    )
    .bind(workspaceId, triggerId)
    .all<{ version: number; definition: string | null; created_at: number }>();
  return results.map((r) => ({
    version: r.version,
    // A null definition is the version that deleted the trigger.
    definition: r.definition === null ? null : definitionWithDefaults(JSON.parse(r.definition) as TriggerDefinition),
    created_at: new Date(r.created_at).toISOString(),
  }));
}

/** Creates or replaces a trigger; its version is one more than any version it ever had. */
export async function putDefinition(
  env: Env,
  workspaceId: string,
  triggerId: string,
  input: TriggerInput,
  now: number,
): Promise<{ definition: TriggerDefinition; created: boolean }> {
  const existing = await definitionById(env.DB, workspaceId, triggerId);
  if (!existing) {
    const count = await env.DB.prepare(`SELECT COUNT(*) AS n FROM trigger_definitions WHERE workspace_id = ?`)
      .bind(workspaceId)
      .first<{ n: number }>();
    if ((count?.n ?? 0) >= LIMITS.triggersPerWorkspace)
      throw new ApiError(409, "too_many_triggers", `a workspace has at most ${LIMITS.triggersPerWorkspace} triggers`);
  }
  const last = await env.DB.prepare(
    `SELECT MAX(version) AS v FROM trigger_definition_versions WHERE workspace_id = ? AND trigger_id = ?`,
  )
    .bind(workspaceId, triggerId)
    .first<{ v: number | null }>();
  const definition = resolveDefinition(triggerId, input, (last?.v ?? 0) + 1);
  const json = JSON.stringify(definition);
  // The version row's primary key makes a concurrent save of the same version fail instead of overwrite.
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO trigger_definition_versions (workspace_id, trigger_id, version, definition, created_at) VALUES (?, ?, ?, ?, ?)`,
    ).bind(workspaceId, triggerId, definition.version, json, now),
    env.DB.prepare(
      `INSERT INTO trigger_definitions (workspace_id, trigger_id, template, enabled, version, definition, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, trigger_id) DO UPDATE SET template = excluded.template, enabled = excluded.enabled,
         version = excluded.version, definition = excluded.definition, updated_at = excluded.updated_at`,
    ).bind(workspaceId, triggerId, definition.template, definition.enabled ? 1 : 0, definition.version, json, now, now),
  ]);
  await publishConfig(env, workspaceId, now);
  return { definition, created: existing === null };
}

export async function deleteDefinition(env: Env, workspaceId: string, triggerId: string, now: number): Promise<boolean> {
  const existing = await definitionById(env.DB, workspaceId, triggerId);
  if (!existing) return false;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO trigger_definition_versions (workspace_id, trigger_id, version, definition, created_at) VALUES (?, ?, ?, NULL, ?)`,
    ).bind(workspaceId, triggerId, existing.version + 1, now),
    env.DB.prepare(`DELETE FROM trigger_definitions WHERE workspace_id = ? AND trigger_id = ?`).bind(workspaceId, triggerId),
  ]);
  await publishConfig(env, workspaceId, now);
  return true;
}

export async function getPolicy(db: D1Database, workspaceId: string): Promise<MessagingPolicy> {
  const row = await db
    .prepare(`SELECT policy FROM messaging_policies WHERE workspace_id = ?`)
    .bind(workspaceId)
    .first<{ policy: string | null }>();
  return row?.policy ? policyWithDefaults(JSON.parse(row.policy) as MessagingPolicy) : DEFAULT_POLICY;
}

export async function putPolicy(env: Env, workspaceId: string, input: PolicyInput, now: number): Promise<MessagingPolicy> {
  const current = await getPolicy(env.DB, workspaceId);
  const policy = resolvePolicy(input, current.version + 1);
  await env.DB.prepare(
    `INSERT INTO messaging_policies (workspace_id, version, policy, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET version = excluded.version, policy = excluded.policy, updated_at = excluded.updated_at`,
  )
    .bind(workspaceId, policy.version, JSON.stringify(policy), now)
    .run();
  await publishConfig(env, workspaceId, now);
  return policy;
}

/**
 * Reads the workspace's whole config from D1 in one batch (one snapshot, with a freshly bumped
 * revision) and writes it to KV, where every customer object checks the revision at its next
 * event. Two admins saving at once may publish out of order; the next save corrects it, and
 * `revision` shows which copy an object holds.
 */
export async function publishConfig(env: Env, workspaceId: string, now: number): Promise<MessagingConfig> {
  // One batch, one row shape per statement: the columns each of them selects.
  const [, revision, definitions, policy, workspace, stores, segments] = await env.DB.batch<PublishRow>([
    env.DB.prepare(
      `INSERT INTO messaging_policies (workspace_id, updated_at) VALUES (?, ?) ON CONFLICT (workspace_id) DO NOTHING`,
    ).bind(workspaceId, now),
    env.DB.prepare(`UPDATE messaging_policies SET revision = revision + 1 WHERE workspace_id = ? RETURNING revision`).bind(workspaceId),
    env.DB.prepare(`SELECT definition FROM trigger_definitions WHERE workspace_id = ? ORDER BY trigger_id`).bind(workspaceId),
    env.DB.prepare(`SELECT policy FROM messaging_policies WHERE workspace_id = ?`).bind(workspaceId),
    env.DB.prepare(`SELECT allowed_origins FROM workspaces WHERE id = ?`).bind(workspaceId),
    env.DB.prepare(`SELECT store_id, name, lat, lon, radius_km FROM stores WHERE workspace_id = ? ORDER BY store_id`).bind(workspaceId),
    env.DB.prepare(`SELECT segment_id, kind, name, definition, version FROM segment_definitions WHERE workspace_id = ? ORDER BY segment_id`).bind(workspaceId),
  ]);
  const policyJson = policy!.results[0]?.policy;
  const originsJson = workspace!.results[0]?.allowed_origins;
  const config: MessagingConfig = {
    workspace_id: workspaceId,
    revision: revision!.results[0]?.revision ?? 0,
    policy: policyWithDefaults(policyJson ? (JSON.parse(policyJson) as MessagingPolicy) : DEFAULT_POLICY),
    triggers: definitions!.results.flatMap((r) => (r.definition ? [definitionWithDefaults(JSON.parse(r.definition) as TriggerDefinition)] : [])),
    allowed_origins: originsJson ? (JSON.parse(originsJson) as string[]) : [],
    stores: stores!.results.map((r) => ({ id: r.store_id!, name: r.name!, lat: r.lat!, lon: r.lon!, radius_km: r.radius_km! })),
    segments: resolveSegments(segments!.results as StoredSegment[]),
  };
  await writePublishedConfig(env.CONFIG_KV, config);
  return config;
}
