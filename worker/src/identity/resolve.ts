// Which profile an event belongs to when the sender names the customer by email or phone only.
import { directoryOwner, offlineProfileKey } from "./directory.ts";
import { normalizeEmail, normalizePhone } from "./normalize.ts";

const CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;
/**
 * Isolate cache of directory answers. A stale answer is harmless: an offline profile that was
 * merged into a customer forwards every event to that customer.
 */
const cache = new Map<string, { profileKey: string; expires: number }>();

/**
 * The profile of a customer known by email (else phone): its owner in the identity directory,
 * or a new offline profile (`e:`/`p:` + hash) that a later sign-in with the same address merges.
 */
export async function profileKeyForContact(
  db: D1Database,
  workspaceId: string,
  traits: Record<string, unknown>,
): Promise<string | undefined> {
  const email = normalizeEmail(traits.email);
  const phone = normalizePhone(traits.phone);
  const contact = email ? ({ kind: "email", value: email } as const) : phone ? ({ kind: "phone", value: phone } as const) : undefined;
  if (!contact) return undefined;
  const cacheKey = `${workspaceId}\u0000${contact.kind}\u0000${contact.value}`;
  const hit = cache.get(cacheKey);
  if (hit && hit.expires > Date.now()) return hit.profileKey;
  const profileKey =
    (await directoryOwner(db, workspaceId, contact.kind, contact.value)) ??
    (await offlineProfileKey(workspaceId, contact.kind, contact.value));
  if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(cacheKey, { profileKey, expires: Date.now() + CACHE_TTL_MS });
  return profileKey;
}
