// When each identity was last seen, without a row write per batch. Nearly every batch names the
// visitor's anonymous id again, and updating its row's last_seen was one billed row per batch. The
// row is now written only when something else about the identity changes (new, verified,
// confirmed, an earlier first time); a later last-seen time is kept in the profile meta under
// LAST_SEEN_KEY (which travels in the batch's journal row) and every reader takes the later of the
// two. A merge's snapshot carries the folded rows, and the key is then dropped.
import type { MetaCache } from "./meta.ts";
import type { IdentityRow } from "./rows.ts";

/**
 * An anonymous visitor's own anonymous id (profile `a:<id>`) is never a row either: every event of
 * the profile carries it, so its first and last times are the profile's (meta `first_seen`,
 * `last_seen`). Its row, with the identities table created for it, was five billed rows of a new
 * visitor's first batch. Readers and a merge's snapshot add it (withOwnIdentity).
 */
export function ownAnonymousId(meta: MetaCache): string | undefined {
  const profileKey = meta.get("profile_key");
  return profileKey?.startsWith("a:") ? profileKey.slice(2) : undefined;
}

/** The rows with the visitor's own anonymous id added (unless a row of it was written before). */
export function withOwnIdentity(rows: IdentityRow[], meta: MetaCache): IdentityRow[] {
  const own = ownAnonymousId(meta);
  const first = meta.get("first_seen");
  if (own === undefined || first === undefined || rows.some((r) => r.kind === "anonymous_id" && r.value === own)) return rows;
  const row: IdentityRow = {
    kind: "anonymous_id", value: own, verified: 0, claimed: 0, first_seen: Number(first), last_seen: Number(meta.get("last_seen") ?? first), confirmed: 0, confirm_requested_at: null,
  };
  return [...rows, row].sort((a, b) => a.first_seen - b.first_seen || a.kind.localeCompare(b.kind));
}

export const LAST_SEEN_KEY = "identities_last_seen";

const keyOf = (kind: string, value: string) => `${kind}\u0000${value}`;

/** The later last-seen times the meta holds, by identity. */
export function lastSeenTimes(meta: MetaCache): Record<string, number> {
  const json = meta.get(LAST_SEEN_KEY);
  return json ? (JSON.parse(json) as Record<string, number>) : {};
}

/** Remembers a later last-seen time of an identity whose row is otherwise unchanged (call inside a transaction). */
export function noteLastSeen(meta: MetaCache, kind: string, value: string, last: number, stored: number): void {
  const times = lastSeenTimes(meta);
  const key = keyOf(kind, value);
  if (last <= Math.max(stored, times[key] ?? 0)) return;
  times[key] = last;
  meta.set(LAST_SEEN_KEY, JSON.stringify(times));
}

/** The time in the meta for an identity about to be written with its row: the row takes it, the meta forgets it. */
export function takeLastSeen(meta: MetaCache, kind: string, value: string): number {
  const times = lastSeenTimes(meta);
  const key = keyOf(kind, value);
  const at = times[key];
  if (at === undefined) return 0;
  delete times[key];
  if (Object.keys(times).length === 0) meta.delete(LAST_SEEN_KEY);
  else meta.set(LAST_SEEN_KEY, JSON.stringify(times));
  return at;
}

/** Rows with their true last-seen time (the later of the row's and the meta's). */
export function withLastSeen<T extends Pick<IdentityRow, "kind" | "value" | "last_seen">>(rows: T[], meta: MetaCache): T[] {
  const times = lastSeenTimes(meta);
  return rows.map((r) => {
    const at = times[keyOf(r.kind, r.value)];
    return at !== undefined && at > r.last_seen ? { ...r, last_seen: at } : r;
  });
}
