// Which CustomerDO an event or a read belongs to. Names always carry the workspace, so tenants never meet.
import type { Env } from "../env.ts";
import type { SeamEvent } from "../schemas.ts";

/**
 * The profile key of an event: `u:<userId>` when the sender knows the user, else
 * `a:<anonymousId>`. The prefixes keep a userId that happens to equal someone's anonymousId apart.
 */
export function profileKeyOf(event: Pick<SeamEvent, "userId" | "anonymousId">): string {
  return event.userId != null ? `u:${event.userId}` : `a:${event.anonymousId}`;
}

export function customerStub(env: Env, workspaceId: string, profileKey: string) {
  return env.CUSTOMER.getByName(`${workspaceId}:${profileKey}`);
}
