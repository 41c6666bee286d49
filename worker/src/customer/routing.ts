// Which CustomerDO an event or a read belongs to. Names always carry the workspace, so tenants never meet.
import type { Env } from "../env.ts";
import type { SeamEvent } from "../schemas.ts";

/**
 * The profile key of an event: `u:<userId>` for a verified user (secret key or valid userHash),
 * else `a:<anonymousId>`; an unverified userId tags the events of the anonymous visitor it came
 * with and never routes into the user's own profile. Only a userId with no anonymous id at all
 * (a server library with the write key) lands on `u:` unverified, like Segment's. Undefined when
 * the event names the customer by email or phone only: the directory decides.
 * The prefixes keep a userId that happens to equal someone's anonymousId apart.
 */
export function profileKeyOf(event: Pick<SeamEvent, "userId" | "anonymousId" | "verified">): string | undefined {
  if (event.userId != null && (event.verified || event.anonymousId == null)) return `u:${event.userId}`;
  if (event.anonymousId != null) return `a:${event.anonymousId}`;
  return undefined;
}

export function customerStub(env: Env, workspaceId: string, profileKey: string) {
  return env.CUSTOMER.getByName(`${workspaceId}:${profileKey}`);
}

/**
 * The profiles a backend's customer id (a userId or an anonymousId, as the store sent it) may
 * name, in the order to look: a known customer first, then an anonymous visitor.
 */
export function profileKeysForId(id: string): string[] {
  return [`u:${id}`, `a:${id}`];
}
