// Identity verification: a userId from a browser counts only with the store backend's HMAC of it.
import { constantTimeEqual, hmacSha256Hex } from "../crypto.ts";

/** Where a client may put the hash: `context.userHash`, or `integrations.Seam.userHash` / `integrations.userHash`. */
export function userHashOf(context: Record<string, unknown>): string | undefined {
  const integrations = (context.integrations ?? {}) as Record<string, unknown>;
  const seam = (integrations.Seam ?? integrations.seam ?? {}) as Record<string, unknown>;
  const hash = context.userHash ?? seam.userHash ?? integrations.userHash;
  return typeof hash === "string" && hash.length > 0 ? hash : undefined;
}

/**
 * `userHash = HMAC-SHA256(identity secret, userId)` as lower-case hex, computed by the store's
 * backend; the browser only relays it. Compared in constant time.
 */
export async function userHashValid(identitySecret: string, userId: string, userHash: string): Promise<boolean> {
  return constantTimeEqual(await hmacSha256Hex(identitySecret, userId), userHash);
}

/** Memoises verifications within one request: a batch repeats the same userId and hash. */
export function userHashVerifier(identitySecret: string) {
  const results = new Map<string, Promise<boolean>>();
  return (userId: string, userHash: string): Promise<boolean> => {
    const key = `${userId}\u0000${userHash}`;
    let result = results.get(key);
    if (!result) {
      result = userHashValid(identitySecret, userId, userHash);
      results.set(key, result);
    }
    return result;
  };
}
