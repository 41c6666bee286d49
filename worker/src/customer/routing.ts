// Which CustomerDO an event or a read belongs to. Names always carry the workspace, so tenants never meet.
import type { Env } from "../env.ts";
import type { SeamEvent } from "../schemas.ts";

/**
 * The profile key of an event: `u:<userId>` for a verified user (secret key or valid userHash),
 * else `a:<anonymousId>`; an unverified userId only tags the events of the anonymous visitor it
 * came with and never routes into the user's own profile. Undefined when the event names no
 * profile it may write to: an email or phone only (the directory decides, for trusted senders),
 * or an unverified userId with no anonymous id (ingest rejects it as `unverified_user`).
 * The prefixes keep a userId that happens to equal someone's anonymousId apart.
 */
export function profileKeyOf(event: Pick<SeamEvent, "userId" | "anonymousId" | "verified">): string | undefined {
  if (event.userId != null && event.verified) return `u:${event.userId}`;
  if (event.anonymousId != null) return `a:${event.anonymousId}`;
  return undefined;
}

/** An event that names a known customer without proof and has no anonymous visitor to land in. */
export function unverifiedUserOnly(event: Pick<SeamEvent, "userId" | "anonymousId" | "verified">): boolean {
  return event.userId != null && !event.verified && event.anonymousId == null;
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
