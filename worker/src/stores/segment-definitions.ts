// Segment definitions in D1 (custom segments, and built-ins a workspace tuned): the source of
// truth, published whole with the messaging config to KV, where the customer objects read them.
import type { Env } from "../env.ts";
import { resolveSegments, type SegmentDefinition, type SegmentToStore, type StoredSegment } from "../segments/definitions.ts";
import { publishConfig } from "./messaging-config.ts";
import { forgetSegment } from "./segment-index.ts";

export async function storedSegments(db: D1Database, workspaceId: string): Promise<StoredSegment[]> {
  const { results } = await db
    .prepare(`SELECT segment_id, kind, name, definition, version FROM segment_definitions WHERE workspace_id = ? ORDER BY segment_id`)
    .bind(workspaceId)
    .all<StoredSegment>();
  return results;
}

/** Every segment of the workspace, built-ins first. */
export async function workspaceSegments(db: D1Database, workspaceId: string): Promise<SegmentDefinition[]> {
  return resolveSegments(await storedSegments(db, workspaceId));
}

/**
 * Saves a segment and publishes the config. Saving what is already there changes nothing (no new
 * version, no back-fill). Returns the segment as published and whether it changed.
 */
export async function putSegment(
  env: Env,
  workspaceId: string,
  segmentId: string,
  segment: SegmentToStore,
  now: number,
): Promise<{ definition: SegmentDefinition; created: boolean; changed: boolean }> {
  const existing = await env.DB.prepare(`SELECT name, definition, version FROM segment_definitions WHERE workspace_id = ? AND segment_id = ?`)
    .bind(workspaceId, segmentId)
    .first<{ name: string; definition: string; version: number }>();
  const changed = !existing || existing.definition !== segment.definition || existing.name !== segment.name;
  if (changed) {
    await env.DB.prepare(
      `INSERT INTO segment_definitions (workspace_id, segment_id, kind, name, definition, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (workspace_id, segment_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, definition = excluded.definition,
         version = segment_definitions.version + 1, updated_at = excluded.updated_at`,
    )
      .bind(workspaceId, segmentId, segment.kind, segment.name, segment.definition, now, now)
      .run();
    await publishConfig(env, workspaceId, now);
  }
  const definition = (await workspaceSegments(env.DB, workspaceId)).find((d) => d.id === segmentId)!;
  return { definition, created: !existing, changed };
}

/**
 * Deletes a custom segment with its back-fill, publishes the config, then its index rows in every
 * shard. Those go whether or not the definition was still there, so repeating a DELETE whose shard
 * calls failed finishes it (a segment never defined has no rows to lose).
 */
export async function deleteSegment(env: Env, workspaceId: string, segmentId: string, now: number): Promise<boolean> {
  const [deleted] = await env.DB.batch([
    env.DB.prepare(`DELETE FROM segment_definitions WHERE workspace_id = ? AND segment_id = ? AND kind = 'custom' RETURNING segment_id`).bind(workspaceId, segmentId),
    env.DB.prepare(`DELETE FROM segment_backfills WHERE workspace_id = ? AND segment_id = ?`).bind(workspaceId, segmentId),
  ]);
  const existed = Boolean(deleted?.results.length);
  if (existed) await publishConfig(env, workspaceId, now);
  await forgetSegment(env, workspaceId, segmentId);
  return existed;
}
