// Segment-compatible ingest: /v1/batch and the single-event paths, plus analytics.js's short aliases.
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ingestAuth, type BrowserEnv } from "../auth.ts";
import { customerStub } from "../customer/routing.ts";
import { namesCustomerByContact, ownersWithinBatch, profileKeyOf, unverifiedUserOnly, withStoreDevice } from "../identity/profile-keys.ts";
import type { AppEnv } from "../env.ts";
import { ApiError, badRequest, forbidden } from "../errors.ts";
import { DEV_LOCATION_HEADER, requestLocation } from "../geo/near-store.ts";
import { factMessages, type ItemFact } from "../facts.ts";
import { recsShardCount } from "../recs-shards/client.ts";
import { kpiMessages, type KpiFact } from "../kpis/counters.ts";
import { QueueWindow } from "../queue-window.ts";
import { segmentFactMessages, type SegmentFact } from "../segments/facts.ts";
import { profileKeyForContact } from "../stores/identity-directory.ts";
import { userHashOf, userHashVerifier } from "../identity/verify.ts";
import { normalizeEvent, type EnvelopeDefaults, type Rejection } from "../ingest/normalize.ts";
import type { Workspace } from "../stores/workspaces.ts";
import type { RecsQuery, RecsResult } from "../recs/serve.ts";
import { batchRecsList, recsAnswer } from "./recs.ts";
import { doc, jsonRequestBody } from "../openapi.ts";
import {
  batchEnvelopeSchema,
  batchRecsSchema,
  MAX_RECS_PER_BATCH,
  segmentEventSchema,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  type EventResult,
  type ErrorBody,
  type EventType,
  type IngestResponse,
  type SeamEvent,
  type VisitorProfile,
} from "../schemas.ts";

/** The HttpOnly first-party id cookie (see firstPartyId); the SDK's own, script-set one is `seam_aid`. */
const ID_COOKIE = "seam_fpid";
const ID_COOKIE_MAX_AGE_S = 365 * 24 * 3600;
const COOKIE_ID = /^[\w-]{1,128}$/;

/** Reads a JSON body sent as application/json or text/plain (sendBeacon, analytics.js). */
async function readJsonBody(c: Context<BrowserEnv>, maxBytes: number): Promise<{ body: unknown; bytes: number }> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/json" && type !== "text/plain")
    throw new ApiError(415, "unsupported_media_type", "send the body as application/json or text/plain");
  const declared = Number(c.req.header("content-length"));
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > maxBytes) throw tooLarge(maxBytes);
  try {
    return { body: JSON.parse(new TextDecoder().decode(raw)), bytes: raw.byteLength };
  } catch {
    throw badRequest("invalid_json", "the body is not valid JSON");
  }
}

function tooLarge(maxBytes: number) {
  return new ApiError(413, "payload_too_large", `the body is larger than ${maxBytes} bytes`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The HttpOnly first-party id cookie, for a workspace whose setting `firstPartyCookie` is true (or a
 * cookie Domain, e.g. "shop.com") and whose Seam is served on the store's own site: it outlives
 * Safari's 7-day cap on script-set storage. Events with no id get the cookie's. A batch the SDK
 * marks `fresh` (its storage was empty, so it minted an id) takes the cookie's id, which is returned
 * for the SDK to adopt; otherwise the SDK's id wins (reset() on sign-out must change it) and the
 * cookie follows it. Returns the id to send back, if any.
 */
function firstPartyId(c: Context<BrowserEnv>, workspace: Workspace, body: Record<string, unknown>, raws: unknown[]) {
  const setting = workspace.settings.firstPartyCookie;
  if (!setting) return undefined;
  const cookie = getCookie(c, ID_COOKIE);
  const known = cookie && COOKIE_ID.test(cookie) ? cookie : undefined;
  const fresh = body.fresh === 1 || body.fresh === true;
  if (known)
    for (const raw of raws)
      if (isObject(raw) && (fresh || (raw.anonymousId == null && raw.userId == null))) raw.anonymousId = known;
  const first = raws.find((raw) => isObject(raw) && typeof raw.anonymousId === "string") as { anonymousId: string } | undefined;
  const id = (fresh && known) || first?.anonymousId || known;
  if (id && COOKIE_ID.test(id))
    setCookie(c, ID_COOKIE, id, {
      path: "/",
      httpOnly: true,
      secure: true,
      sameSite: "Lax",
      maxAge: ID_COOKIE_MAX_AGE_S,
      ...(typeof setting === "string" && { domain: setting }),
    });
  return fresh ? known : undefined;
}

async function ingest(c: Context<BrowserEnv>, type: EventType | "batch") {
  const receivedAt = Date.now();
  const { body, bytes } = await readJsonBody(c, type === "batch" ? MAX_BATCH_BYTES : MAX_EVENT_BYTES);
  if (!isObject(body)) throw badRequest("invalid_body", "the body must be a JSON object");
  const bodyKey = typeof body.writeKey === "string" ? body.writeKey : undefined;
  const { workspace, trusted } = await ingestAuth(c, bodyKey);
  // Checked before anything is applied: a refused override changes nothing.
  const located = requestLocation(c.req.raw.cf, c.req.header(DEV_LOCATION_HEADER), c.env.SEAM_DEV_LOCATION === "allow");
  if (!located.ok) throw located.code === "dev_override_refused" ? forbidden(located.code, located.message) : badRequest(located.code, located.message);
  // The backend's requests come from its own servers: only a browser's or app's location is the customer's.
  const location = trusted ? undefined : located.location;

  let raws: unknown[];
  let defaults: EnvelopeDefaults;
  let recs: (RecsQuery | ErrorBody)[] | undefined;
  if (type === "batch") {
    // Checked first, for its own error: the envelope's check would only say "invalid_batch".
    if (body.recs !== undefined) {
      const lists = batchRecsSchema.safeParse(body.recs);
      if (!lists.success) throw badRequest("invalid_recs", `\`recs\` is a list of 1 to ${MAX_RECS_PER_BATCH} recommendation lists: {type, item?, category?, limit?}`);
      recs = lists.data.map(batchRecsList);
    }
    const envelope = batchEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw badRequest("invalid_batch", "a batch needs a `batch` array of events");
    raws = envelope.data.batch;
    if (raws.length === 0) throw badRequest("empty_batch", "the batch has no events");
    if (raws.length > MAX_BATCH_EVENTS)
      throw badRequest("batch_too_large", `a batch holds at most ${MAX_BATCH_EVENTS} events`, {
        events: raws.length,
      });
    defaults = {
      sentAt: envelope.data.sentAt,
      context: envelope.data.context,
      integrations: envelope.data.integrations,
      trusted,
      measureEvents: bytes > MAX_EVENT_BYTES,
    };
  } else {
    raws = [body];
    defaults = { type, trusted, measureEvents: false };
  }

  const knownId = firstPartyId(c, workspace, body, raws);

  const results: EventResult[] = new Array(raws.length);
  const reject = (index: number, rejection: Rejection) => {
    const { messageId, code, reason } = rejection;
    results[index] = { messageId, status: "rejected", code, reason };
  };
  const verifyUserHash = userHashVerifier(workspace.identitySecret);
  const groups = new Map<string, { events: SeamEvent[]; indexes: number[]; identifies: boolean }>();
  // Verification and directory look-ups are async; events keep their request order in `groups`.
  const routed = await Promise.all(
    raws.map(async (raw, index) => {
      const outcome = normalizeEvent(raw, receivedAt, defaults);
      if (!outcome.ok) return reject(index, outcome.rejection);
      // A till's or call centre's event lands with the customer its email or phone names, not in the till's own profile.
      const event = namesCustomerByContact(outcome.event) ? withStoreDevice(outcome.event) : outcome.event;
      const userHash = userHashOf(event.context);
      delete event.context.userHash;
      if (event.userId != null && !event.verified && userHash) {
        if (!(await verifyUserHash(event.userId, userHash)))
          return reject(index, { messageId: event.messageId, code: "invalid_user_hash", reason: "userHash does not match userId" });
        event.verified = true;
      }
      // A browser's word alone never reaches a known customer's profile (their traits, cart, messages).
      if (unverifiedUserOnly(event))
        return reject(index, {
          messageId: event.messageId,
          code: "unverified_user",
          reason: "a userId sent with the write key needs userHash = HMAC-SHA256(identity secret, userId), or an anonymousId to land on",
        });
      const profileKey = profileKeyOf(event) ?? (await profileKeyForContact(c.env.DB, workspace.id, event.traits));
      return { index, event, profileKey: profileKey! };
    }),
  );
  const entries = routed.filter((entry) => entry !== undefined);
  ownersWithinBatch(entries);
  for (const entry of entries) {
    const group = groups.get(entry.profileKey) ?? { events: [], indexes: [], identifies: false };
    group.events.push(entry.event);
    group.indexes.push(entry.index);
    // A verified sign-in answers with what the server knows after the merge (e.g. the restored cart).
    if (entry.event.verified && entry.event.userId != null && (entry.event.type === "identify" || entry.event.type === "alias"))
      group.identifies = true;
    groups.set(entry.profileKey, group);
  }

  // One RPC per customer, all customers in parallel.
  const facts: ItemFact[] = [];
  const kpis: KpiFact[] = [];
  // The edge's time zone is the fallback for quiet hours when the SDK sent none (context.timezone).
  const edgeTimeZone = (c.req.raw.cf as { timezone?: unknown } | undefined)?.timezone;
  let profile: VisitorProfile | undefined;
  // The page's widgets are about the visitor its last event landed with.
  const recsOwner = entries.at(-1)?.profileKey;
  const recsQueries = recs?.filter((list): list is RecsQuery => !("error" in list));
  let recsResults: RecsResult[] | undefined;
  const handed: SegmentFact[] = [];
  // Settled, not raced: the objects that answered handed their segment facts over (their outbox no
  // longer holds them), so another customer's failed call must not drop them with the request.
  const calls = await Promise.allSettled(
    [...groups].map(async ([profileKey, group]) => {
      const stub = customerStub(c.env, workspace.id, profileKey);
      const outcome = await stub.ingest({
        workspaceId: workspace.id,
        profileKey,
        events: group.events,
        includeProfile: group.identifies,
        ...(typeof edgeTimeZone === "string" ? { edgeTimeZone } : {}),
        ...(location ? { location } : {}),
        ...(recsQueries?.length && profileKey === recsOwner ? { recs: recsQueries } : {}),
        segmentFacts: true,
      });
      if (outcome.segmentFacts) handed.push(...(outcome.segmentFacts as SegmentFact[]));
      if (outcome.recs) recsResults = outcome.recs;
      outcome.statuses.forEach((status, i) => {
        results[group.indexes[i]!] = { messageId: group.events[i]!.messageId, status };
      });
      // RPC types widen tuples (pair and KPI increments) to arrays; the values are the same.
      facts.push(...(outcome.facts as ItemFact[]));
      if (outcome.kpis) kpis.push(outcome.kpis as KpiFact);
      if (outcome.profile) profile = outcome.profile;
    }),
  );
  segmentFacts.add(c.executionCtx, c.env.EVENTS, workspace.id, handed);
  const failed = calls.find((call) => call.status === "rejected");
  if (failed) throw failed.reason;
  factShardCounts.set(workspace.id, recsShardCount(workspace.settings));
  itemFacts.add(c.executionCtx, c.env.EVENTS, workspace.id, facts);
  kpiFacts.add(c.executionCtx, c.env.EVENTS, workspace.id, kpis);

  const response: IngestResponse = {
    success: true,
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicate: results.filter((r) => r.status === "duplicate").length,
    rejected: results.filter((r) => r.status === "rejected").length,
    results,
  };
  if (knownId) response.anonymousId = knownId;
  if (profile) response.profile = profile;
  if (recs && entries.length) {
    const results = recsResults ?? [];
    response.recs = recs.map((list) => ("error" in list ? list : recsAnswer(list.type, results.shift()!)));
  }
  if (response.rejected === results.length) {
    const first = results[0]!;
    // A forged or unproven identity is an authorisation failure, not a malformed body.
    const forged = results.every((r) => r.code === "invalid_user_hash" || r.code === "unverified_user");
    return c.json(
      {
        ...response,
        success: false,
        error: {
          code: raws.length === 1 ? first.code! : forged ? first.code! : "invalid_events",
          message: raws.length === 1 ? first.reason! : "every event in the batch was rejected",
          details: { results },
        },
      },
      forged ? 403 : 400,
    );
  }
  return c.json(response);
}

/** Each workspace's recommendation shard count as its last request saw it: facts carry it to the consumer, which needs no D1. */
const factShardCounts = new Map<string, number>();
// Item facts (recommendations, interest index), KPI counter facts and segment facts, each in its
// own window. Segment facts (customer objects' entries and exits, a new customer's presence) are
// handed over by the objects with their answers: a queue message per object was 3 billed queue
// operations for a fact or two. As with the other facts, those of a window are lost if the isolate
// dies within the window (FACTS_FLUSH_MS) or the queue refuses the send, and the index misses them:
// a customer's index fact is said again with its first batch a day later (customer/segments.ts
// REINDEX_AFTER_MS); a membership stays stale until it changes again. Outside a request the
// object's own outbox still sends and retries them, as it does when the object's answer failed.
const itemFacts = new QueueWindow<ItemFact>("facts to the events queue", (workspaceId, facts) => factMessages(workspaceId, facts, factShardCounts.get(workspaceId)));
const kpiFacts = new QueueWindow<KpiFact>("KPI facts to the events queue", kpiMessages);
const segmentFacts = new QueueWindow<SegmentFact>("segment facts to the events queue", segmentFactMessages);

const batchDoc = doc("Ingest", "write or secret key", "A Segment batch: up to 2,500 events, 500 KB; answered per event", {
  requestBody: jsonRequestBody(batchEnvelopeSchema, "`{\"batch\": [events], \"writeKey\"?, \"sentAt\"?, \"context\"?}`"),
});
const eventDoc = (type: EventType) =>
  doc("Ingest", "write or secret key", `One Segment \`${type}\` event, up to 32 KB`, {
    requestBody: jsonRequestBody(segmentEventSchema, `A Segment ${type} event (\`writeKey\` may be in the body)`),
  });

/**
 * Path by path (each with its `doc`), so `AppType` (and `hc<AppType>`) carries every ingest path and
 * its answer: a handler list with middleware over an array of paths loses the answer's type. Keep
 * in step with INGEST_ROUTES (CORS reads it); ingest-endpoints.test.ts posts to every path.
 */
export const ingestRoutes = new Hono<BrowserEnv>()
  .post("/batch", batchDoc, (c) => ingest(c, "batch"))
  .post("/b", batchDoc, (c) => ingest(c, "batch"))
  .post("/import", batchDoc, (c) => ingest(c, "batch"))
  .post("/track", eventDoc("track"), (c) => ingest(c, "track"))
  .post("/t", eventDoc("track"), (c) => ingest(c, "track"))
  .post("/identify", eventDoc("identify"), (c) => ingest(c, "identify"))
  .post("/i", eventDoc("identify"), (c) => ingest(c, "identify"))
  .post("/page", eventDoc("page"), (c) => ingest(c, "page"))
  .post("/p", eventDoc("page"), (c) => ingest(c, "page"))
  .post("/screen", eventDoc("screen"), (c) => ingest(c, "screen"))
  .post("/s", eventDoc("screen"), (c) => ingest(c, "screen"))
  .post("/alias", eventDoc("alias"), (c) => ingest(c, "alias"))
  .post("/a", eventDoc("alias"), (c) => ingest(c, "alias"))
  .post("/group", eventDoc("group"), (c) => ingest(c, "group"))
  .post("/g", eventDoc("group"), (c) => ingest(c, "group"));
