// The identity directory in D1: hashed email/phone → profile key, written off the hot path.
import { sha256Hex } from "../crypto.ts";

export type DirectoryKind = "email" | "phone";

export function directoryHash(workspaceId: string, kind: DirectoryKind, value: string): Promise<string> {
  return sha256Hex(`${workspaceId}:${kind}:${value}`);
}

/** The profile key that owns an email or phone, or null. */
export async function directoryOwner(
  db: D1Database,
  workspaceId: string,
  kind: DirectoryKind,
  value: string,
): Promise<string | null> {
  const row = await db
    .prepare(`SELECT profile_key FROM identity_directory WHERE workspace_id = ? AND kind = ? AND value_hash = ?`)
    .bind(workspaceId, kind, await directoryHash(workspaceId, kind, value))
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
  kind: DirectoryKind,
  value: string,
  profileKey: string,
  now: number,
  takeFrom: (owner: string) => boolean = () => false,
): Promise<string> {
  const hash = await directoryHash(workspaceId, kind, value);
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
export async function repointIdentities(db: D1Database, workspaceId: string, from: string, to: string, now: number) {
  await db
    .prepare(`UPDATE identity_directory SET profile_key = ?, updated_at = ? WHERE workspace_id = ? AND profile_key = ?`)
    .bind(to, now, workspaceId, from)
    .run();
}

/** Removes every entry of a profile (privacy delete). */
export async function forgetIdentities(db: D1Database, workspaceId: string, profileKey: string) {
  await db
    .prepare(`DELETE FROM identity_directory WHERE workspace_id = ? AND profile_key = ?`)
    .bind(workspaceId, profileKey)
    .run();
}

/**
 * The profile of a customer known only by an email or phone (a till or call-centre purchase
 * before any sign-in): `e:`/`p:` and the directory hash, so no address appears in an object name.
 */
export async function offlineProfileKey(workspaceId: string, kind: DirectoryKind, value: string): Promise<string> {
  return `${kind === "email" ? "e" : "p"}:${(await directoryHash(workspaceId, kind, value)).slice(0, 40)}`;
}
