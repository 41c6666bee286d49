// The identity directory in D1 (hashed email/phone → profile key), written off the hot path, and
// resolution of an event that names its customer by email or phone only.
import { contactHash, contactOf, offlineProfileKey, type ContactKind } from "../identity/profile-keys.ts";
import { TtlCache } from "../ttl-cache.ts";

const RESOLVE_CACHE_TTL_MS = 60_000;
const RESOLVE_CACHE_MAX_ENTRIES = 10_000;
/**
 * Directory answers of this isolate. A stale answer is harmless: an offline profile that was
 * merged into a customer forwards every event to that customer.
 */
const resolved = new TtlCache<string>(RESOLVE_CACHE_MAX_ENTRIES);

/** The profile key that owns an email or phone, or null. */
export async function directoryOwner(db: D1Database, workspaceId: string, kind: ContactKind, value: string): Promise<string | null> {
  const row = await db
    .prepare(`SELECT profile_key FROM identity_directory WHERE workspace_id = ? AND kind = ? AND value_hash = ?`)
    .bind(workspaceId, kind, await contactHash(workspaceId, kind, value))
    .first<{ profile_key: string }>();
  return row?.profile_key ?? null;
}

/**
 * Claims an email or phone for a profile and returns the owner afterwards. The first claim wins;
 * `takeFrom` lists owners this profile may take the entry over from (profiles it has merged in).
 */
export async function claimIdentity(
  db: D1Database,
  workspaceId: string,
  kind: ContactKind,
  value: string,
  profileKey: string,
  now: number,
  takeFrom: (owner: string) => boolean = () => false,
): Promise<string> {
  const hash = await contactHash(workspaceId, kind, value);
  await db
    .prepare(
      `INSERT INTO identity_directory (workspace_id, kind, value_hash, profile_key, updated_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, value_hash) DO NOTHING`,
    )
    .bind(workspaceId, kind, hash, profileKey, now)
    .run();
  const owner = (await directoryOwner(db, workspaceId, kind, value))!;
  if (owner !== profileKey && takeFrom(owner)) {
    await db
      .prepare(
        `UPDATE identity_directory SET profile_key = ?, updated_at = ?
         WHERE workspace_id = ? AND kind = ? AND value_hash = ? AND profile_key = ?`,
      )
      .bind(profileKey, now, workspaceId, kind, hash, owner)
      .run();
    return profileKey;
  }
  return owner;
}

/** Points every entry of `from` at `to` (after a merge). */
export async function repointIdentities(db: D1Database, workspaceId: string, from: string, to: string, now: number): Promise<void> {
  await db
    .prepare(`UPDATE identity_directory SET profile_key = ?, updated_at = ? WHERE workspace_id = ? AND profile_key = ?`)
    .bind(to, now, workspaceId, from)
    .run();
}

/** Removes every entry of a profile (privacy delete). */
export async function forgetIdentities(db: D1Database, workspaceId: string, profileKey: string): Promise<void> {
  await db.prepare(`DELETE FROM identity_directory WHERE workspace_id = ? AND profile_key = ?`).bind(workspaceId, profileKey).run();
}

/**
 * The profile of a customer known by email (else phone): its owner in the identity directory,
 * or a new offline profile (`e:`/`p:` + hash) that a later sign-in with the same address merges.
 */
export async function profileKeyForContact(db: D1Database, workspaceId: string, traits: Record<string, unknown>): Promise<string | undefined> {
  const contact = contactOf(traits);
  if (!contact) return undefined;
  return resolved.getOrLoad(
    `${workspaceId}\u0000${contact.kind}\u0000${contact.value}`,
    Date.now(),
    async () =>
      (await directoryOwner(db, workspaceId, contact.kind, contact.value)) ??
      (await offlineProfileKey(workspaceId, contact.kind, contact.value)),
    () => RESOLVE_CACHE_TTL_MS,
  );
}
