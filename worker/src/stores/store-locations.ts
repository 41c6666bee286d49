// A workspace's physical stores and coupon pools in D1: stores are published to the edge with the
// messaging config (stores/messaging-config.ts), coupon codes are claimed one per message at send time.
import type { Env } from "../env.ts";
import type { StoreLocation } from "../geo/near-store.ts";
import { publishConfig } from "./messaging-config.ts";

/** Codes per upload, and the most a pool may hold. */
export const COUPON_LIMITS = { codesPerRequest: 10_000, codesPerPool: 1_000_000 } as const;

export async function listStores(db: D1Database, workspaceId: string): Promise<StoreLocation[]> {
  const { results } = await db
    .prepare(`SELECT store_id AS id, name, lat, lon, radius_km FROM stores WHERE workspace_id = ? ORDER BY store_id`)
    .bind(workspaceId)
    .all<StoreLocation>();
  return results;
}

/** Replaces the workspace's stores with these, in one batch, and publishes them to the edge. */
export async function putStores(env: Env, workspaceId: string, stores: readonly StoreLocation[], now: number): Promise<StoreLocation[]> {
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM stores WHERE workspace_id = ?`).bind(workspaceId),
    ...stores.map((s) =>
      env.DB.prepare(`INSERT INTO stores (workspace_id, store_id, name, lat, lon, radius_km, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`).bind(
        workspaceId,
        s.id,
        s.name,
        s.lat,
        s.lon,
        s.radius_km,
        now,
      ),
    ),
  ]);
  await publishConfig(env, workspaceId, now);
  return listStores(env.DB, workspaceId);
}

export async function couponPool(db: D1Database, workspaceId: string, pool: string): Promise<{ pool: string; total: number; available: number }> {
  const row = await db
    .prepare(`SELECT COUNT(*) AS total, COUNT(*) - COUNT(claimed_by) AS available FROM coupon_codes WHERE workspace_id = ? AND pool = ?`)
    .bind(workspaceId, pool)
    .first<{ total: number; available: number }>();
  return { pool, total: row?.total ?? 0, available: row?.available ?? 0 };
}

/** Adds codes to a pool (a code already there is kept as it is, claimed or not); answers how many were new. */
export async function addCouponCodes(db: D1Database, workspaceId: string, pool: string, codes: readonly string[], now: number): Promise<number> {
  const result = await db
    .prepare(
      `INSERT INTO coupon_codes (workspace_id, pool, code, created_at) SELECT ?, ?, value, ? FROM json_each(?) WHERE true
       ON CONFLICT (workspace_id, pool, code) DO NOTHING`,
    )
    .bind(workspaceId, pool, now, JSON.stringify([...new Set(codes)]))
    .run();
  return result.meta.changes;
}

/**
 * The code of one message: the one it claimed before (a retried send gets the same code), else a
 * free one, claimed for it in one statement (D1 runs statements one at a time, so two messages never
 * get one code). Null when the pool has no free code left.
 */
export async function claimCoupon(db: D1Database, workspaceId: string, pool: string, messageId: string, now: number): Promise<string | null> {
  const mine = await db
    .prepare(`SELECT code FROM coupon_codes WHERE workspace_id = ? AND pool = ? AND claimed_by = ?`)
    .bind(workspaceId, pool, messageId)
    .first<{ code: string }>();
  if (mine) return mine.code;
  const claimed = await db
    .prepare(
      `UPDATE coupon_codes SET claimed_by = ?, claimed_at = ?
       WHERE workspace_id = ? AND pool = ? AND code = (SELECT code FROM coupon_codes WHERE workspace_id = ? AND pool = ? AND claimed_by IS NULL LIMIT 1)
       RETURNING code`,
    )
    .bind(messageId, now, workspaceId, pool, workspaceId, pool)
    .first<{ code: string }>();
  return claimed?.code ?? null;
}
