// Where the customer is relative to the workspace's stores, in their profile (`near_store`): set
// when a request's location falls within a store's radius, cleared when one falls outside every one.
import { nearestStore, type Location, type StoreLocation } from "../geo/near-store.ts";
import type { NearStoreView } from "../schemas.ts";
import type { StoreEntered } from "../triggers/near-store.ts";
import type { MetaCache, Transaction } from "./meta.ts";

/**
 * Records the store the customer is near and answers the one they have just come near (the
 * near-store offer starts then), or null: still near the same store, near none, or no stores. Written only
 * when the store changes, so a visitor browsing in the shop costs no write per request.
 */
export function updateNearStore(meta: MetaCache, transaction: Transaction, stores: readonly StoreLocation[], at: Location, now: number): StoreEntered | null {
  const stored = meta.get("near_store");
  const before = stored ? (JSON.parse(stored) as NearStoreView) : null;
  const hit = nearestStore(stores, at);
  if (!hit) {
    if (before) transaction(() => meta.delete("near_store"));
    return null;
  }
  if (before?.store_id === hit.store.id) return null;
  const near: NearStoreView = { store_id: hit.store.id, name: hit.store.name, distance_km: hit.distanceKm, since: new Date(now).toISOString() };
  transaction(() => meta.set("near_store", JSON.stringify(near)));
  return { store_id: near.store_id, name: near.name, distance_km: near.distance_km };
}
