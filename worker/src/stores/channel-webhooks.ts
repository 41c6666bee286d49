// Channel webhooks per workspace in D1, read by the messages consumer through an isolate cache.
import { randomKey } from "../crypto.ts";
import type { Env } from "../env.ts";
import type { MessageChannel } from "../triggers/definitions.ts";
import { TtlCache } from "../ttl-cache.ts";

export interface ChannelWebhook {
  channel: MessageChannel;
  url: string;
  secret: string;
}

/** The consumer reads webhooks on every message; a changed URL reaches other isolates within this. */
export const WEBHOOK_CACHE_TTL_MS = 30_000;
const WEBHOOK_CACHE_MAX_ENTRIES = 5_000;

const cache = new TtlCache<ChannelWebhook | null>(WEBHOOK_CACHE_MAX_ENTRIES);

export function forgetCachedWebhooks(): void {
  cache.clear();
}

export async function webhookFor(env: Env, workspaceId: string, channel: MessageChannel, now: number): Promise<ChannelWebhook | null> {
  return cache.getOrLoad(
    `${workspaceId}\u0000${channel}`,
    now,
    async () => {
      const row = await env.DB.prepare(`SELECT url, secret FROM channel_webhooks WHERE workspace_id = ? AND channel = ?`)
        .bind(workspaceId, channel)
        .first<{ url: string; secret: string }>();
      return row ? { channel, url: row.url, secret: row.secret } : null;
    },
    () => WEBHOOK_CACHE_TTL_MS,
  );
}

/**
 * Sets a channel's webhook URL. The signing secret is made on creation (or on `rotateSecret`) and
 * returned then only; changing the URL keeps it, so the receiver need not be reconfigured.
 */
export async function putWebhook(
  env: Env,
  workspaceId: string,
  channel: MessageChannel,
  url: string,
  rotateSecret: boolean,
  now: number,
): Promise<{ created: boolean; secret: string | null }> {
  const existing = await env.DB.prepare(`SELECT secret FROM channel_webhooks WHERE workspace_id = ? AND channel = ?`)
    .bind(workspaceId, channel)
    .first<{ secret: string }>();
  const secret = existing && !rotateSecret ? existing.secret : randomKey("whsec");
  await env.DB.prepare(
    `INSERT INTO channel_webhooks (workspace_id, channel, url, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (workspace_id, channel) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at`,
  )
    .bind(workspaceId, channel, url, secret, now, now)
    .run();
  forgetCachedWebhooks();
  return { created: !existing, secret: existing && !rotateSecret ? null : secret };
}

export async function deleteWebhook(env: Env, workspaceId: string, channel: MessageChannel): Promise<boolean> {
  const result = await env.DB.prepare(`DELETE FROM channel_webhooks WHERE workspace_id = ? AND channel = ?`)
    .bind(workspaceId, channel)
    .run();
  forgetCachedWebhooks();
  return result.meta.changes > 0;
}

/** The webhooks of a workspace, without their secrets. */
export async function listWebhooks(db: D1Database, workspaceId: string) {
  const { results } = await db
    .prepare(`SELECT channel, url, created_at, updated_at FROM channel_webhooks WHERE workspace_id = ? ORDER BY channel`)
    .bind(workspaceId)
    .all<{ channel: string; url: string; created_at: number; updated_at: number }>();
  return results.map((r) => ({
    channel: r.channel,
    url: r.url,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  }));
}
