// Which customer a browser may read: its own anonymous visitor, or a signed-in customer with a valid userHash.
import type { Context } from "hono";
import * as z from "zod/mini";
import type { WorkspaceEnv } from "./auth.ts";
import { badRequest, forbidden } from "./errors.ts";
import { anonymousProfileKey, userProfileKey } from "./identity/profile-keys.ts";
import { userHashValid } from "./identity/verify.ts";

export const idParam = z.string().check(z.minLength(1), z.maxLength(256));
/** `/customers/:id`: the userId or anonymousId the store sent, bounded like every id. */
export const customerPath = z.object({ id: idParam });

export const visitorQuery = z.object({
  anonymousId: z.optional(idParam),
  userId: z.optional(idParam),
  userHash: z.optional(z.string().check(z.maxLength(128))),
  writeKey: z.optional(z.string()),
});

/**
 * The profile a browser may read: a signed-in customer only with a valid userHash (so an
 * unverified userId can never read another device's cart), else its own anonymous visitor.
 */
export async function visitorProfileKey(
  c: Context<WorkspaceEnv>,
  query: z.infer<typeof visitorQuery>,
): Promise<string> {
  if (query.userId !== undefined) {
    if (!query.userHash)
      throw forbidden("identity_not_verified", "reading a signed-in customer needs userHash = HMAC-SHA256(identity secret, userId)");
    if (!(await userHashValid(c.var.workspace.identitySecret, query.userId, query.userHash)))
      throw forbidden("invalid_user_hash", "userHash does not match userId");
    return userProfileKey(query.userId);
  }
  if (query.anonymousId !== undefined) return anonymousProfileKey(query.anonymousId);
  throw badRequest("invalid_query", "anonymousId, or userId with userHash, is required");
}

/** Whether the query names a visitor at all (some reads work without one). */
export function namesVisitor(query: z.infer<typeof visitorQuery>): boolean {
  return query.anonymousId !== undefined || query.userId !== undefined;
}


