// The CustomerDO stub for a (workspace, profile key): the one place a name becomes an object.
import type { Env } from "../env.ts";
import { customerObjectName } from "../identity/profile-keys.ts";

export function customerStub(env: Env, workspaceId: string, profileKey: string) {
  return env.CUSTOMER.getByName(customerObjectName(workspaceId, profileKey));
}
