// What the decision for a due schedule row reads (triggers/due-step.ts DueStepFacts): the run, the
// trigger as configured now, the customer's contact, consent, engagement, caps and segments. Read
// synchronously from the customer's and the messaging store, before the row's first await.
import { capHorizonMs } from "../triggers/caps.ts";
import type { Contact } from "../triggers/channels.ts";
import { confirmationChannel, confirmationContact, contactFor, triggerById } from "../triggers/contact-confirmation.ts";
import type { DueStepFacts } from "../triggers/due-step.ts";
import type { MessagingConfig } from "../triggers/policy.ts";
import type { MessagingStore } from "./messaging-store.ts";
import type { ScheduledRow } from "./messaging-views.ts";
import type { CustomerReads } from "./store-reads.ts";

export function dueStepFacts(
  row: ScheduledRow,
  now: number,
  config: MessagingConfig,
  reads: { store: MessagingStore; customer: CustomerReads; segments: ReadonlySet<string>; timeZone: string },
): DueStepFacts & { contact: Contact } {
  const { store, customer, segments, timeZone } = reads;
  const { policy } = config;
  const run = store.runs.run(row.runId);
  const trigger = triggerById(config, row.triggerId);
  const traits = customer.traits();
  const asked = trigger?.template === "contact_confirmation" ? confirmationContact(store.runContext(row.runId)) : null;
  return {
    row,
    run,
    trigger,
    policy,
    now,
    sendTime: { ...customer.sendFacts(), otherRunLastSentAt: run ? store.otherRunLastSentAt(run.triggerId, run.runId) : null },
    stepEngaged: run !== undefined && row.kind === "cascade" && store.stepEngaged(run.runId, row.step),
    traits,
    engagement: store.engagementByChannel(),
    consent: customer.consent(),
    // A confirmation goes to the address it asks about, whichever address marketing uses.
    contact: asked ? contactFor(customer.contact(traits), asked) : customer.contact(traits),
    sent: store.sentSince(now - capHorizonMs(policy.caps)),
    timeZone,
    segments,
    ...(asked ? { confirmation: { channel: confirmationChannel(asked.kind), confirmed: customer.contactConfirmed(asked.kind, asked.value) } } : {}),
  };
}
