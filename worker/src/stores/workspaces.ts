// Workspaces (tenants) in D1, read through an isolate-memory cache so a known key never waits on D1.
import { randomKey, sha256Hex } from "../crypto.ts";
import type { Env } from "../env.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import { DEFAULT_RECS_SHARDS, recsShardCount } from "../recs-shards/client.ts";
import { originMatches } from "../origins.ts";
import type { KEY_KINDS } from "../schemas.ts";
import { TtlCache } from "../ttl-cache.ts";

export interface Workspace {
  id: string;
  name: string;
  writeKey: string;
  /** Secret for identity verification HMACs (`userHash`); not the secret API key. */
  identitySecret: string;
  allowedOrigins: string[];
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface IssuedKeys {
  writeKey?: string;
  secretKey?: string;
  identitySecret?: string;
}

type KeyKind = (typeof KEY_KINDS)[number];

const DEFAULT_CACHE_TTL_MS = 60_000;
/** Unknown keys are remembered briefly too, so a misconfigured site cannot hammer D1. */
const NEGATIVE_CACHE_TTL_MS = 10_000;
const CACHE_MAX_ENTRIES = 5_000;

const cache = new TtlCache<Workspace | null>(CACHE_MAX_ENTRIES);

function cacheTtl(env: Env): number {
  const ttl = Number(env.WORKSPACE_CACHE_TTL_MS);
  return Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_CACHE_TTL_MS;
}

function cached(env: Env, cacheKey: string, load: () => Promise<Workspace | null>): Promise<Workspace | null> {
  const ttl = cacheTtl(env);
  return cache.getOrLoad(cacheKey, Date.now(), load, (workspace) => (workspace ? ttl : Math.min(NEGATIVE_CACHE_TTL_MS, ttl)));
}

/** Forgets every cached lookup of this isolate (after a rotation; other isolates expire by TTL). */
export function forgetCachedWorkspaces(): void {
  cache.clear();
}

interface WorkspaceRow {
  id: string;
  name: string;
  write_key: string;
  identity_secret: string;
  allowed_origins: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

function fromRow(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    writeKey: row.write_key,
    identitySecret: row.identity_secret,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS = "id, name, write_key, identity_secret, allowed_origins, settings, created_at, updated_at";

export function workspaceByWriteKey(env: Env, writeKey: string): Promise<Workspace | null> {
  return cached(env, `w:${writeKey}`, async () => {
    const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM workspaces WHERE write_key = ?`)
      .bind(writeKey)
      .first<WorkspaceRow>();
    return row ? fromRow(row) : null;
  });
}

/**
 * Looks a workspace up by its secret key. Only the key's SHA-256 is stored and compared: a
 * lookup by the hash of a high-entropy key leaks nothing an attacker can use through timing.
 */
export async function workspaceBySecretKey(env: Env, secretKey: string): Promise<Workspace | null> {
  return workspaceBySecretKeyHash(env, await sha256Hex(secretKey));
}

/** The workspace whose secret key has this SHA-256 now; null once the key was rotated (dashboard sessions). */
export function workspaceBySecretKeyHash(env: Env, hash: string): Promise<Workspace | null> {
  return cached(env, `s:${hash}`, async () => {
    const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM workspaces WHERE secret_key_hash = ?`)
      .bind(hash)
      .first<WorkspaceRow>();
    return row ? fromRow(row) : null;
  });
}

export async function workspaceById(env: Env, id: string): Promise<Workspace> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM workspaces WHERE id = ?`)
    .bind(id)
    .first<WorkspaceRow>();
  if (!row) throw notFound(`workspace ${id} does not exist`);
  return fromRow(row);
}

export async function createWorkspace(
  env: Env,
  input: { id?: string; name: string; allowedOrigins?: string[]; settings?: Record<string, unknown> },
  now: number,
): Promise<{ workspace: Workspace; keys: Required<IssuedKeys> }> {
  const id = input.id ?? randomKey("ws", 12).toLowerCase();
  const keys = {
    writeKey: randomKey("wk"),
    secretKey: randomKey("sk"),
    identitySecret: randomKey("ids"),
  };
  const result = await env.DB.prepare(
    `INSERT INTO workspaces (id, name, write_key, secret_key_hash, identity_secret, allowed_origins, settings, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  )
    .bind(
      id,
      input.name,
      keys.writeKey,
      await sha256Hex(keys.secretKey),
      keys.identitySecret,
      JSON.stringify(input.allowedOrigins ?? ["*"]),
      JSON.stringify(input.settings ?? {}),
      now,
      now,
    )
    .run();
  if (result.meta.changes === 0) throw new ApiError(409, "conflict", `workspace ${id} already exists`);
  return { workspace: await workspaceById(env, id), keys };
}

export async function updateWorkspace(
  env: Env,
  id: string,
  patch: { name?: string; allowedOrigins?: string[]; settings?: Record<string, unknown> },
  now: number,
): Promise<Workspace> {
  const current = await workspaceById(env, id);
  const settings = patch.settings ? withRecsShards(patch.settings, current.settings) : current.settings;
  await env.DB.prepare(
    `UPDATE workspaces SET name = ?, allowed_origins = ?, settings = ?, updated_at = ? WHERE id = ?`,
  )
    .bind(
      patch.name ?? current.name,
      JSON.stringify(patch.allowedOrigins ?? current.allowedOrigins),
      JSON.stringify(settings),
      now,
      id,
    )
    .run();
  forgetCachedWorkspaces();
  return workspaceById(env, id);
}

/**
 * New settings, with the recommendation shard count carried over when the patch leaves it out: an
 * item's state lives in its shard, so N may grow (the cron re-homes items) but never shrink.
 */
function withRecsShards(next: Record<string, unknown>, current: Record<string, unknown>): Record<string, unknown> {
  const before = recsShardCount(current);
  const after = next.recsShards === undefined ? before : recsShardCount(next);
  if (after < before) throw badRequest("invalid_settings", `recsShards can grow but never shrink (it is ${before})`, { recsShards: before });
  return after === DEFAULT_RECS_SHARDS && current.recsShards === undefined && next.recsShards === undefined ? next : { ...next, recsShards: after };
}

/** Issues new keys of the given kinds; the old ones stop working (in other isolates within the cache TTL). */
export async function rotateKeys(
  env: Env,
  id: string,
  kinds: readonly KeyKind[],
  now: number,
): Promise<IssuedKeys> {
  await workspaceById(env, id);
  const keys: IssuedKeys = {};
  const sets: string[] = [];
  const values: unknown[] = [];
  if (kinds.includes("write")) {
    keys.writeKey = randomKey("wk");
    sets.push("write_key = ?");
    values.push(keys.writeKey);
  }
  if (kinds.includes("secret")) {
    keys.secretKey = randomKey("sk");
    sets.push("secret_key_hash = ?");
    values.push(await sha256Hex(keys.secretKey));
  }
  if (kinds.includes("identity")) {
    keys.identitySecret = randomKey("ids");
    sets.push("identity_secret = ?");
    values.push(keys.identitySecret);
  }
  await env.DB.prepare(`UPDATE workspaces SET ${sets.join(", ")}, updated_at = ? WHERE id = ?`)
    .bind(...values, now, id)
    .run();
  forgetCachedWorkspaces();
  return keys;
}

/** Public view of a workspace for the operator API: never the identity secret. */
export function workspaceView(w: Workspace) {
  return {
    id: w.id,
    name: w.name,
    write_key: w.writeKey,
    allowed_origins: w.allowedOrigins,
    settings: w.settings,
    created_at: new Date(w.createdAt).toISOString(),
    updated_at: new Date(w.updatedAt).toISOString(),
  };
}

/**
 * Whether a browser origin may send to this workspace. `*` allows any origin; `https://*.shop.com`
 * allows the subdomains of shop.com. Requests without an Origin (servers, apps) are not browsers
 * and are not subject to CORS.
 */
export function originAllowed(workspace: Workspace, origin: string | undefined): boolean {
  if (!origin) return true;
  return originMatches(workspace.allowedOrigins, origin, { anyOrigin: true });
}
