// The near-store offer a visitor's location starts: entering one of the workspace's stores' radius
// plans a coupon message, once per store a day, and never again within the trigger's cool-down.
import { DAY_MS, type TriggerDefinition } from "./definitions.ts";
import { coolingDown, runIdOf, startAction, type RunLookup, type TriggerAction } from "./evaluate.ts";

/** The store a visitor has just come near (customer/near-store.ts decides "just"). */
export interface StoreEntered {
  store_id: string;
  name: string;
  distance_km: number;
}

export function planNearStoreOffer(store: StoreEntered, triggers: readonly TriggerDefinition[], runs: RunLookup, now: number): TriggerAction[] {
  const actions: TriggerAction[] = [];
  for (const trigger of triggers) {
    if (!trigger.enabled || trigger.template !== "near_store_offer") continue;
    const entryKey = `${store.store_id}@${Math.floor(now / DAY_MS)}`;
    if (runs.run(runIdOf(trigger.id, entryKey)) || runs.active(trigger.id).length > 0 || coolingDown(trigger, runs, now)) continue;
    actions.push(startAction(trigger, entryKey, now, null, { store_id: store.store_id, store_name: store.name, distance_km: store.distance_km }));
  }
  return actions;
}
