// The customer object's dealings with the identity directory and the other stores about it (D1, the product-interest and index shards):
// claiming its verified contacts, and deleting the customer everywhere. Called by CustomerDO.
import type { Env } from "../env.ts";
import { forgetMessaging } from "../stores/deliveries.ts";
import { forgetProductInterest } from "../stores/product-interest.ts";
import { isUserProfile, offlineProfileKey } from "../identity/profile-keys.ts";
import { claimIdentity, forgetIdentities } from "../stores/identity-directory.ts";
import { forgetCustomerIndex } from "../stores/segment-index.ts";
import type { CustomerStore } from "./store.ts";

/** Erases the customer in `store` and everything linked to it; answers whether it held a customer. */
export async function eraseCustomer(
  store: CustomerStore,
  env: Env,
  eraseLinked: (profileKey: string, owner: string) => Promise<void>,
): Promise<boolean> {
  const existed = store.exists();
  const self = store.meta.get("profile_key");
  const workspaceId = store.meta.get("workspace_id");
  const linked = [...store.linkedProfiles()];
  for (const profileKey of linked) await eraseLinked(profileKey, self ?? "");
  if (self && workspaceId) {
    await forgetIdentities(env.DB, workspaceId, self);
    await forgetMessaging(env.DB, workspaceId, [self, ...linked]);
    await forgetProductInterest(env, workspaceId, [self, ...linked]);
    await forgetCustomerIndex(env, workspaceId, [self, ...linked]);
  }
  await store.erase();
  return existed;
}

/**
 * Registers verified emails and phones in the identity directory. The first profile to claim one
 * owns it; an email-only or anonymous owner is merged into this customer, while another known
 * customer's email is a conflict: recorded here, never merged.
 */
export async function claimIdentities(store: CustomerStore, db: D1Database, mergeFrom: (source: string, now: number) => Promise<void>): Promise<void> {
  const self = store.meta.get("profile_key");
  const workspaceId = store.meta.get("workspace_id");
  if (!self || !workspaceId) return;
  const now = Date.now();
  for (const { kind, value } of store.unclaimedIdentities()) {
    const owner = await claimIdentity(db, workspaceId, kind, value, self, now, (o) => isUserProfile(self) && !isUserProfile(o));
    if (owner !== self) store.recordConflict(kind, value, owner, now);
    // Take over what an offline-only profile of this email or phone collected.
    else if (isUserProfile(self)) await mergeFrom(await offlineProfileKey(workspaceId, kind, value), now);
    store.markClaimed(kind, value);
  }
}
