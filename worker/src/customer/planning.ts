// What a batch of accepted events starts: trigger runs (the pure planner over the customer's facts)
// and, under double opt-in, the confirmation of a contact a browser gave. Called by
// customer/messaging.ts inside the batch's transaction; the planners themselves are pure.
import { canonicalEventName, productFrom } from "../commerce/ecommerce.ts";
import type { ContactKind } from "../identity/profile-keys.ts";
import type { SeamEvent } from "../schemas.ts";
import { mayNeedConfirmation, planConfirmations } from "../triggers/contact-confirmation.ts";
import type { MessagingConfig } from "../triggers/policy.ts";
import { planForEvents, type RunLookup, type TriggerAction } from "../triggers/evaluate.ts";
import type { CustomerReads } from "./store-reads.ts";

/** The workspace's triggers the batch enters, leaves or moves. */
export function planTriggerRuns(
  accepted: readonly SeamEvent[],
  options: { now: number; cartChanged: boolean },
  config: MessagingConfig,
  customer: CustomerReads,
  segments: ReadonlySet<string>,
  runs: RunLookup,
): TriggerAction[] {
  // Page views, screens and identifies are most of the traffic and start or end nothing by themselves.
  if (!config.triggers.some((t) => t.enabled) || (!options.cartChanged && !accepted.some((e) => e.type === "track"))) return [];
  const viewed = new Set<string>();
  for (const e of accepted) {
    const product = canonicalEventName(e.event) === "product viewed" ? productFrom(e.properties) : null;
    if (product) viewed.add(product.productId);
  }
  return planForEvents(
    accepted,
    config.triggers,
    { now: options.now, cart: customer.cartSnapshot(), cartChanged: options.cartChanged, viewCounts: customer.viewCounts([...viewed]), segments },
    runs,
  );
}

/**
 * Double opt-in: the one confirmation message for an email or phone a browser just gave (the
 * customer's current, unconfirmed, never-asked address); `requested` marks it asked.
 */
export function planContactConfirmations(
  accepted: readonly SeamEvent[],
  config: MessagingConfig,
  customer: CustomerReads,
  requested: (kind: ContactKind, value: string, now: number) => void,
  now: number,
): TriggerAction[] {
  // A store that sends nothing through Seam (no trigger on) asks nobody to confirm anything.
  if (!config.policy.double_opt_in || !config.triggers.some((t) => t.enabled) || !mayNeedConfirmation(accepted)) return [];
  const contacts = customer.contactsToConfirm(customer.traits());
  for (const { kind, value } of contacts) requested(kind, value, now);
  return planConfirmations(contacts, now);
}
