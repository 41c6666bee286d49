// Request and response shapes shared by the worker, the SDK and the widget.
// Ingest follows Segment's HTTP Tracking API spec; everything Seam adds is additive.
// zod/mini: the same validation as zod with a tree-shakable API (≈20 KB in the worker bundle instead of ≈450 KB).
import * as z from "zod/mini";
import { EVENT_TYPES, REC_TYPES, type Channel, type EventType } from "./contracts.ts";
import { MAX_LIMIT } from "./recs/serve.ts";

export * from "./contracts.ts";

/** Limits as Segment documents them for its HTTP Tracking API. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
/** Deeper payloads are almost always a serialisation bug on the sender's side. */
export const MAX_PROPERTY_DEPTH = 8;
export const MAX_ID_LENGTH = 256;
export const MAX_NAME_LENGTH = 512;

const boundedString = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const jsonObject = z.record(z.string(), z.unknown());
const id = boundedString(1, MAX_ID_LENGTH);
/** Segment accepts numeric ids and coerces them to strings. */
const idLike = z.union([id, z.pipe(z.number(), z.transform(String))]);
const isoDate = z.iso.datetime({ offset: true, local: true });
const name = z.string().check(z.maxLength(MAX_NAME_LENGTH));

/**
 * One Segment event as a client library sends it. Unknown top-level fields are
 * allowed (the spec lets libraries add their own) but are not stored.
 */
export const segmentEventSchema = z
  .looseObject({
    type: z.enum(EVENT_TYPES),
    messageId: z.optional(id),
    userId: z.nullish(idLike),
    anonymousId: z.nullish(idLike),
    previousId: z.optional(idLike),
    groupId: z.optional(idLike),
    event: z.optional(boundedString(1, MAX_NAME_LENGTH)),
    name: z.nullish(name),
    category: z.nullish(name),
    properties: z.optional(jsonObject),
    traits: z.optional(jsonObject),
    context: z.optional(jsonObject),
    integrations: z.optional(jsonObject),
    timestamp: z.optional(isoDate),
    originalTimestamp: z.optional(isoDate),
    sentAt: z.optional(isoDate),
  })
  .check(
    z.superRefine((e, ctx) => {
      if (e.type === "alias") {
        if (e.userId == null || e.previousId == null)
          ctx.addIssue({ code: "custom", message: "alias needs userId and previousId" });
        return;
      }
      if (e.type === "track" && !e.event)
        ctx.addIssue({ code: "custom", path: ["event"], message: "track needs an event name" });
      if (e.type === "group" && e.groupId == null)
        ctx.addIssue({ code: "custom", path: ["groupId"], message: "group needs a groupId" });
    }),
  );
export type SegmentEvent = z.infer<typeof segmentEventSchema>;

/** The envelope of `/v1/batch` (and analytics.js's `/v1/b`). */
/** What one recommendation list asks for, in GET /v1/recs's query and in a batch's `recs`. */
export const recsListFields = {
  type: z.enum(REC_TYPES),
  item: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  category: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
};

/** Lists one batch may ask for: the widgets of one page. */
export const MAX_RECS_PER_BATCH = 4;

/** One list of a batch's `recs` (GET /v1/recs's query, with a numeric limit). */
export const batchRecsListSchema = z.strictObject({ ...recsListFields, limit: z.optional(z.int().check(z.gte(1), z.lte(MAX_LIMIT))) });

/**
 * A batch's `recs`: the page's widgets ask with the page's events, so a page view costs one request
 * (and one customer-object call), not two. Answered in the ingest response's `recs`, one per list, in
 * order; a malformed list is answered with its own error, as a malformed event is (the events still count).
 */
export const batchRecsSchema = z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_RECS_PER_BATCH));

export const batchEnvelopeSchema = z.looseObject({
  batch: z.array(z.unknown()),
  recs: z.optional(batchRecsSchema),
  sentAt: z.optional(isoDate),
  context: z.optional(jsonObject),
  integrations: z.optional(jsonObject),
  writeKey: z.optional(z.string()),
});

/** An event after validation, clock-skew correction and channel derivation. */
export interface SeamEvent {
  messageId: string;
  type: EventType;
  /** Track event name (`Product Added`), or the page/screen name. */
  event?: string;
  name?: string;
  userId?: string;
  anonymousId?: string;
  previousId?: string;
  groupId?: string;
  /** Event time in ms since the epoch, corrected for the sender's clock skew. */
  timestamp: number;
  /** When the edge received it, ms since the epoch. */
  receivedAt: number;
  channel: Channel;
  /**
   * Whether the sender proved who the customer is: the request carried the secret key, or the
   * userId came with a valid userHash. Unverified user ids tag events but never read or merge.
   */
  verified: boolean;
  /**
   * Sent with the secret key (the store's backend). Emails and phones it carries are confirmed
   * contacts; those from a browser (write key, even with a valid userHash) need the customer's
   * click on a confirmation link first, when the workspace uses double opt-in.
   */
  trusted?: boolean;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  context: Record<string, unknown>;
}

const origins = z.array(boundedString(1, 300)).check(z.maxLength(100));

/** Workspace settings: the known ones are checked, others are kept as given. */
const workspaceSettings = z.looseObject({
  /** The HttpOnly first-party id cookie: true (host-only) or its Domain. */
  firstPartyCookie: z.optional(z.union([z.boolean(), boundedString(1, 253)])),
  /** Browser (write-key) requests per minute per client IP; unset: DEFAULT_REQUESTS_PER_MINUTE. */
  rateLimit: z.optional(z.strictObject({ requestsPerMinute: z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)) })),
  /** Recommendation shards (recs-shards/client.ts: default 4, at most 64); may grow, never shrink. */
  recsShards: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64))),
});

export const createWorkspaceSchema = z.strictObject({
  id: z.optional(
    z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, "lower-case letters, digits, - and _, 2-63 characters")),
  ),
  name: boundedString(1, 200),
  allowedOrigins: z.optional(origins),
  settings: z.optional(workspaceSettings),
});

export const updateWorkspaceSchema = z.strictObject({
  name: z.optional(boundedString(1, 200)),
  allowedOrigins: z.optional(origins),
  settings: z.optional(workspaceSettings),
});

export const KEY_KINDS = ["write", "secret", "identity"] as const;
export const rotateKeysSchema = z.strictObject({
  keys: z.optional(z.array(z.enum(KEY_KINDS)).check(z.minLength(1))),
});
