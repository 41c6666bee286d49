// Segments for the store's backend and the dashboard (secret key): the workspace's built-in and
// custom segments with their sizes, tuning a built-in, custom segments from the rule language,
// their members (a page, or CSV), and a new or changed segment's back-fill progress.
import { Hono } from "hono";
import * as z from "zod/mini";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import { customerIdOf } from "../identity/profile-keys.ts";
import { doc } from "../openapi.ts";
import { decodeCursor, encodeCursor, PAGE_DEFAULT, pageOf, pageQueryShape } from "../page-cursor.ts";
import { builtinParamsSchema, builtinSegment, isBuiltinSegment, type BuiltinSegmentId } from "../segments/builtins.ts";
import { SEGMENT_LIMITS, segmentsReferencing, segmentToStore, unknownReferences, type SegmentDefinition } from "../segments/definitions.ts";
import { SEGMENT_ID_PATTERN, segmentRuleSchema } from "../segments/rules.ts";
import { listDefinitions } from "../stores/messaging-config.ts";
import { backfillProgress, startBackfill } from "../stores/segment-backfill.ts";
import { deleteSegment, putSegment, workspaceSegments } from "../stores/segment-definitions.ts";
import { previewSegmentRule } from "../stores/segment-preview.ts";
import { segmentChanges, segmentMembers, segmentSizes, utcDay } from "../stores/segment-index.ts";
import { audienceSegments } from "../triggers/audience.ts";
import { DAY_MS } from "../triggers/definitions.ts";
import { jsonBody, queryParams } from "../validation.ts";

/** A CSV export holds at most this many members; `x-next-cursor` continues it. */
const CSV_MAX_ROWS = 50_000;
const CSV_PAGE = 1_000;
/** Days of entries and exits `GET /v1/segments/:id` shows. */
const CHANGES_DAYS = 30;

const segmentBody = z
  .strictObject({
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(SEGMENT_LIMITS.nameLength))),
    params: z.optional(z.record(z.string().check(z.maxLength(64)), z.unknown())),
    rule: z.optional(segmentRuleSchema),
  })
  .check(z.refine((b) => b.params !== undefined || b.rule !== undefined, "send `params` (a built-in segment) or `rule` (a custom segment)"));

const pageQuery = z.object(pageQueryShape);
const previewBody = z.strictObject({ rule: segmentRuleSchema });

function segmentIdParam(id: string): string {
  if (!SEGMENT_ID_PATTERN.test(id)) throw badRequest("invalid_segment_id", "a segment id is 1-63 lower-case letters, digits, - and _, starting with a letter or digit");
  return id;
}

/** The issues of a built-in's params, or null when they are valid. */
function paramIssues(id: string, params: Record<string, unknown>): unknown[] | null {
  const result = builtinParamsSchema(id as BuiltinSegmentId).safeParse(params);
  return result.success ? null : result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/** A segment as the API shows it (the dashboard's `Segment`). */
function segmentView(d: SegmentDefinition, size: number) {
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    version: d.version,
    ...(d.kind === "builtin" ? { description: builtinSegment(d.id as BuiltinSegmentId).description, params: d.params } : { rule: d.rule }),
    size,
  };
}

async function findSegment(db: D1Database, workspaceId: string, id: string): Promise<SegmentDefinition> {
  const segment = (await workspaceSegments(db, workspaceId)).find((d) => d.id === segmentIdParam(id));
  if (!segment) throw notFound(`no segment ${id} in this workspace`);
  return segment;
}

function pageAfter(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const key = decodeCursor(cursor);
  if (key === null) throw badRequest("invalid_cursor", "the cursor is not one this API gave out");
  return key;
}

/** A CSV field; one that a spreadsheet would run as a formula is prefixed with ' (customer ids come from browsers). */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const segmentRoutes = new Hono<WorkspaceEnv>()
  .use(secretKeyAuth)
  .get("/", doc("Segments", "secret key", "The workspace's segments (built-in and custom) with their sizes"), async (c) => {
    const [definitions, sizes] = await Promise.all([workspaceSegments(c.env.DB, c.var.workspace.id), segmentSizes(c.env, c.var.workspace.id)]);
    return c.json({ segments: definitions.map((d) => segmentView(d, sizes.get(d.id) ?? 0)) });
  })
  /**
   * The size a custom rule would have now, before it is saved: evaluated in a sample of customers'
   * objects, an estimate (`estimated`) with its sample size unless the sample was every customer.
   */
  .post("/preview", doc("Segments", "secret key", "Estimate the size of a segment rule before saving it (a sample of customers)"), jsonBody(previewBody), async (c) => {
    const { rule } = c.req.valid("json");
    const definitions = await workspaceSegments(c.env.DB, c.var.workspace.id);
    const unknown = unknownReferences(rule, definitions);
    if (unknown.length) throw badRequest("unknown_segment", `the rule names segments that do not exist: ${unknown.join(", ")}`, { segments: unknown });
    return c.json(await previewSegmentRule(c.env, c.var.workspace.id, rule, definitions, Date.now()));
  })
  /** One segment: its size, the back-fill of its last change, entries and exits per day. */
  .get("/:id", doc("Segments", "secret key", "One segment with its back-fill progress and daily entries and exits"), async (c) => {
    const segment = await findSegment(c.env.DB, c.var.workspace.id, c.req.param("id"));
    const ws = c.var.workspace.id;
    const [sizes, backfill, changes] = await Promise.all([
      segmentSizes(c.env, ws),
      backfillProgress(c.env.DB, ws, segment.id),
      segmentChanges(c.env, ws, segment.id, utcDay(Date.now() - (CHANGES_DAYS - 1) * DAY_MS)),
    ]);
    return c.json({
      segment: { ...segmentView(segment, sizes.get(segment.id) ?? 0), backfill, changes: changes.map((d) => ({ date: d.day, entered: d.entered, exited: d.exited })) },
    });
  })
  /**
   * Creates a custom segment (`rule`) or tunes a built-in (`params`); a change gets a new version
   * and is back-filled over the existing customers (`backfill` shows how far).
   */
  .put("/:id", doc("Segments", "secret key", "Create a custom segment or change a built-in's params (back-filled over existing customers)"), jsonBody(segmentBody), async (c) => {
    const id = segmentIdParam(c.req.param("id"));
    const ws = c.var.workspace.id;
    const toStore = segmentToStore(id, c.req.valid("json"), await workspaceSegments(c.env.DB, ws), paramIssues);
    if ("status" in toStore) throw new ApiError(toStore.status, toStore.code, toStore.message, toStore.details);
    const now = Date.now();
    const { definition, created, changed } = await putSegment(c.env, ws, id, toStore, now);
    if (changed) await startBackfill(c.env, ws, id, definition.version, now);
    const [sizes, backfill] = await Promise.all([segmentSizes(c.env, ws), backfillProgress(c.env.DB, ws, id)]);
    return c.json({ segment: { ...segmentView(definition, sizes.get(id) ?? 0), backfill } }, created && definition.kind === "custom" ? 201 : 200);
  })
  /** Deletes a custom segment, unless a trigger's audience or another segment's rule names it. */
  .delete("/:id", doc("Segments", "secret key", "Delete a custom segment (not one a trigger or another segment uses)"), async (c) => {
    const id = segmentIdParam(c.req.param("id"));
    const ws = c.var.workspace.id;
    if (isBuiltinSegment(id)) throw badRequest("builtin_segment", `${id} is a built-in segment: it cannot be deleted (its params can be changed)`);
    const [definitions, triggers] = await Promise.all([workspaceSegments(c.env.DB, ws), listDefinitions(c.env.DB, ws)]);
    const usedBy = {
      triggers: triggers.filter((t) => audienceSegments(t.audience).includes(id)).map((t) => t.id),
      segments: segmentsReferencing(id, definitions),
    };
    if (usedBy.triggers.length || usedBy.segments.length)
      throw new ApiError(409, "segment_in_use", `segment ${id} is used by ${[...usedBy.triggers.map((t) => `trigger ${t}`), ...usedBy.segments.map((s) => `segment ${s}`)].join(", ")}`, usedBy);
    return c.json({ deleted: await deleteSegment(c.env, ws, id, Date.now()) });
  })
  /** A page of members, by customer; `next_cursor` continues. */
  .get("/:id/members", doc("Segments", "secret key", "A page of a segment's members"), queryParams(pageQuery), async (c) => {
    const segment = await findSegment(c.env.DB, c.var.workspace.id, c.req.param("id"));
    const q = c.req.valid("query");
    const limit = q.limit ? Number(q.limit) : PAGE_DEFAULT;
    const rows = await segmentMembers(c.env, c.var.workspace.id, segment.id, pageAfter(q.cursor), limit + 1);
    const page = pageOf(rows, limit, (r) => r.profile_key);
    return c.json({
      members: page.rows.map((r) => ({ customer_id: customerIdOf(r.profile_key), profile_key: r.profile_key, since: new Date(r.since).toISOString() })),
      next_cursor: page.next_cursor,
    });
  })
  /** The members as CSV (customer_id, profile_key, since), up to CSV_MAX_ROWS; `x-next-cursor` continues a longer list. */
  .get("/:id/members.csv", doc("Segments", "secret key", "A segment's members as CSV"), queryParams(z.object({ cursor: pageQueryShape.cursor })), async (c) => {
    const segment = await findSegment(c.env.DB, c.var.workspace.id, c.req.param("id"));
    let after = pageAfter(c.req.valid("query").cursor);
    const lines = ["customer_id,profile_key,since"];
    let more = false;
    while (lines.length - 1 < CSV_MAX_ROWS) {
      const rows = await segmentMembers(c.env, c.var.workspace.id, segment.id, after, CSV_PAGE);
      for (const r of rows) lines.push([customerIdOf(r.profile_key), r.profile_key, new Date(r.since).toISOString()].map(csvField).join(","));
      if (rows.length < CSV_PAGE) break;
      after = rows.at(-1)!.profile_key;
      more = lines.length - 1 >= CSV_MAX_ROWS;
    }
    if (more && after !== null) c.header("x-next-cursor", encodeCursor(after));
    c.header("content-disposition", `attachment; filename="seam-segment-${segment.id}.csv"`);
    return c.body(`${lines.join("\n")}\n`, 200, { "content-type": "text/csv; charset=utf-8" });
  });
