// Every profile-key encoding in one place: which customer an event or a read names, and the Durable Object name it lives under.
import { sha256Hex } from "../crypto.ts";
import type { Channel, SeamEvent } from "../schemas.ts";
import { normalizeEmail, normalizePhone } from "./normalize.ts";

/**
 * Profile keys carry a prefix so a userId that happens to equal someone's anonymousId, or an
 * offline contact hash, can never name the same object:
 * `u:` a known customer (verified userId), `a:` an anonymous visitor (device), `e:`/`p:` a customer
 * known only by an email or phone (a till, a call centre), named by a hash so no address appears.
 */
export const userProfileKey = (userId: string) => `u:${userId}`;
export const anonymousProfileKey = (anonymousId: string) => `a:${anonymousId}`;

/** Known customers: only these ever receive merges. */
export const isUserProfile = (profileKey: string) => profileKey.startsWith("u:");

/** A CustomerDO's name is `${workspaceId}:${profileKey}`, never a bare id, so tenants never meet (ARCHITECTURE rule 2). */
export const customerObjectName = (workspaceId: string, profileKey: string) => `${workspaceId}:${profileKey}`;

export type ContactKind = "email" | "phone";

/** The identity directory's key for an email or phone: hashed with the workspace, so D1 holds no address. */
export function contactHash(workspaceId: string, kind: ContactKind, value: string): Promise<string> {
  return sha256Hex(`${workspaceId}:${kind}:${value}`);
}

/** The contact a customer is named by in traits: the email, else the phone, normalised as the directory keeps it. */
export function contactOf(traits: Record<string, unknown>): { kind: ContactKind; value: string } | undefined {
  const email = normalizeEmail(traits.email);
  if (email) return { kind: "email", value: email };
  const phone = normalizePhone(traits.phone);
  return phone ? { kind: "phone", value: phone } : undefined;
}

/**
 * Within one batch the directory does not know yet what the batch itself says: the backend's
 * `identify` of user-42 with an email, then a till's order by that email, both in one request. The
 * order then belongs to user-42 (not to an email-only profile apart from them), as it would in the
 * next request. Changes the profile key of a contact-named event whose contact no directory owner
 * had (it got its offline key) and a verified user of the same batch names.
 */
export function ownersWithinBatch<T extends { event: SeamEvent; profileKey: string }>(entries: readonly T[]): void {
  const owners = new Map<string, string>();
  for (const { event, profileKey } of entries) {
    if (!event.verified || event.userId == null || !isUserProfile(profileKey)) continue;
    const contact = contactOf(event.traits);
    if (contact) owners.set(`${contact.kind}:${contact.value}`, profileKey);
  }
  if (owners.size === 0) return;
  for (const entry of entries) {
    if (!namesCustomerByContact(entry.event) || isUserProfile(entry.profileKey)) continue;
    const contact = contactOf(entry.event.traits);
    const owner = contact && owners.get(`${contact.kind}:${contact.value}`);
    if (owner) entry.profileKey = owner;
  }
}

/** The profile of a customer known only by an email or phone, before any sign-in. */
export async function offlineProfileKey(workspaceId: string, kind: ContactKind, value: string): Promise<string> {
  return `${kind === "email" ? "e" : "p"}:${(await contactHash(workspaceId, kind, value)).slice(0, 40)}`;
}

/**
 * The profile key of an event: a verified user (secret key or valid userHash) lands in its own
 * profile, else the anonymous visitor's; an unverified userId only tags the visitor's events and
 * never routes into the user's profile. Undefined when the event names no profile it may write
 * to: an email or phone only (the directory decides, for trusted senders), or an unverified
 * userId with no anonymous id (ingest rejects it as `unverified_user`).
 */
export function profileKeyOf(event: Pick<SeamEvent, "userId" | "anonymousId" | "verified">): string | undefined {
  if (event.userId != null && event.verified) return userProfileKey(event.userId);
  if (event.anonymousId != null) return anonymousProfileKey(event.anonymousId);
  return undefined;
}

/** The anonymous visitors a known customer's verified events name (their anonymousId, an alias's previousId): merged into the customer. */
export function visitorsNamedBy(events: readonly Pick<SeamEvent, "verified" | "anonymousId" | "type" | "previousId">[]): Set<string> {
  const visitors = new Set<string>();
  for (const event of events) {
    if (!event.verified) continue;
    if (event.anonymousId) visitors.add(anonymousProfileKey(event.anonymousId));
    if (event.type === "alias" && event.previousId) visitors.add(anonymousProfileKey(event.previousId));
  }
  return visitors;
}

/** An event that names a known customer without proof and has no anonymous visitor to land in. */
export function unverifiedUserOnly(event: Pick<SeamEvent, "userId" | "anonymousId" | "verified">): boolean {
  return event.userId != null && !event.verified && event.anonymousId == null;
}

/** Channels whose sending device is the store's (a till, a call centre's desk), never the customer's. */
export const OFFLINE_CHANNELS: ReadonlySet<Channel> = new Set(["pos", "call_centre"]);

/**
 * A till or call-centre event from the store's backend that names its customer by email or phone
 * and no user id. Its `anonymousId` is the till's own (Segment libraries always send one): landing
 * there would put every shopper of that till into one profile, and the email would be another
 * customer's, an identity conflict. Such an event belongs to the email's (else the phone's) owner.
 */
export function namesCustomerByContact(event: Pick<SeamEvent, "userId" | "verified" | "channel" | "traits">): boolean {
  return (
    event.verified &&
    event.userId == null &&
    OFFLINE_CHANNELS.has(event.channel) &&
    (normalizeEmail(event.traits.email) !== undefined || normalizePhone(event.traits.phone) !== undefined)
  );
}

/**
 * The event as its customer's: the till's anonymous id moves to `context.device.id` (the device the
 * event came from, as a cart line records it), so it neither routes the event nor is merged into
 * the customer as one of their devices.
 */
export function withStoreDevice(event: SeamEvent): SeamEvent {
  if (event.anonymousId == null) return event;
  const { anonymousId, ...rest } = event;
  const device = event.context.device !== null && typeof event.context.device === "object" ? (event.context.device as Record<string, unknown>) : {};
  return { ...rest, context: { ...event.context, device: { ...device, id: device.id ?? anonymousId } } };
}

/**
 * The profiles a backend's customer id (a userId or an anonymousId, as the store sent it) may
 * name, in the order to look: a known customer first, then an anonymous visitor.
 */
export function profileKeysForId(id: string): string[] {
  // A customer known only by an email or phone is named by its profile key (segment members, search).
  return isOfflineProfileKey(id) ? [userProfileKey(id), anonymousProfileKey(id), id] : [userProfileKey(id), anonymousProfileKey(id)];
}

const isOfflineProfileKey = (id: string) => /^[ep]:[0-9a-f]{40}$/.test(id);

/** What the API calls a customer: the userId or anonymousId the store sent, else (email or phone only) its profile key. */
export function customerIdOf(profileKey: string): string {
  return profileKey.startsWith("u:") || profileKey.startsWith("a:") ? profileKey.slice(2) : profileKey;
}
