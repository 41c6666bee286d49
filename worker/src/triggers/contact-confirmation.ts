// Double opt-in, the planning half: which address gets the one confirmation message, as a run of
// Seam's own `contact_confirmation` trigger, and which trigger a schedule row belongs to. Pure;
// customer/messaging.ts plans with it, triggers/due-step.ts decides its rows.
import type { ContactKind } from "../identity/profile-keys.ts";
import type { Contact } from "./channels.ts";
import { TEMPLATES, type MessageChannel, type TriggerDefinition } from "./definitions.ts";
import { type MessagingConfig } from "./policy.ts";
import { runIdOf, type TriggerAction } from "./evaluate.ts";

/** Seam's own trigger: never in a workspace's list, planned by the customer's object when an address needs confirming. */
export const CONTACT_CONFIRMATION_TRIGGER: TriggerDefinition = {
  id: "seam:contact-confirmation",
  template: "contact_confirmation",
  enabled: true,
  version: 1,
  ...TEMPLATES.contact_confirmation.defaults,
};

export const confirmationChannel = (kind: ContactKind): MessageChannel => (kind === "email" ? "email" : "sms");

/** The trigger a schedule row or run belongs to: the workspace's, or Seam's own confirmation (while double opt-in is on). */
export function triggerById(config: MessagingConfig, triggerId: string): TriggerDefinition | undefined {
  if (triggerId === CONTACT_CONFIRMATION_TRIGGER.id) return config.policy.double_opt_in ? CONTACT_CONFIRMATION_TRIGGER : undefined;
  return config.triggers.find((t) => t.id === triggerId);
}

/** Whether a batch can have brought a contact to confirm: an email or phone from a browser. */
export function mayNeedConfirmation(events: readonly { trusted?: boolean; traits: Record<string, unknown> }[]): boolean {
  return events.some((e) => !e.trusted && (e.traits.email != null || e.traits.phone != null));
}

/** One run per address, due at once; the address rides in the run's context. */
export function planConfirmations(contacts: readonly { kind: ContactKind; value: string }[], now: number): TriggerAction[] {
  return contacts.map(({ kind, value }) => {
    const entryKey = `${kind}:${value}`;
    return {
      kind: "start",
      trigger: CONTACT_CONFIRMATION_TRIGGER,
      runId: runIdOf(CONTACT_CONFIRMATION_TRIGGER.id, entryKey),
      entryKey,
      anchorAt: now,
      productId: null,
      context: { contact_kind: kind, contact_value: value },
      firstDueAt: now,
    };
  });
}

/** The address a confirmation run asks about, from its context. */
export function confirmationContact(context: Record<string, unknown>): { kind: ContactKind; value: string } | null {
  const kind = context.contact_kind;
  const value = context.contact_value;
  return (kind === "email" || kind === "phone") && typeof value === "string" ? { kind, value } : null;
}

/** Why a marketing row waits (due-step's "hold"): released the moment the customer confirms. */
export const AWAITING_CONFIRMATION = "awaiting_confirmation";

/** The contact a confirmation goes to: the address it asks about, whatever marketing would use. */
export function contactFor(contact: Contact, asked: { kind: ContactKind; value: string }): Contact {
  return asked.kind === "email" ? { ...contact, email: asked.value, emailConfirmed: false } : { ...contact, phone: asked.value, phoneConfirmed: false };
}
