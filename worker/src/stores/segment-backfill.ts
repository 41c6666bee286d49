// Back-fill of a new or changed segment over the workspace's existing customers: a job in D1 per
// segment, advanced one bounded page at a time by a message on the events queue (each page visits
// its customers' objects, which evaluate and send their membership facts as always). The job holds
// the cursor, so a redelivered page continues where the last one ended, and the cron resumes a job
// whose next page message was lost. Progress is the job's row.
import { customerStub } from "../customer/routing.ts";
import type { Env } from "../env.ts";
import type { SegmentBackfillMessage } from "../segments/facts.ts";
import { countCustomers, customerPage, markCustomersGone } from "./segment-index.ts";
import { workspaceSegments } from "./segment-definitions.ts";

/** Customers a page visits: small, so a page never holds the events consumer for long. */
export const BACKFILL_PAGE_SIZE = 25;
/** Customer objects a page visits at once. */
const BACKFILL_CONCURRENCY = 5;
/** A running job untouched this long lost its page message (or the consumer died): the cron sends another. */
export const BACKFILL_STALL_MS = 5 * 60_000;
/** Jobs one cron run resumes: one queue sendBatch (at most 100 messages); the next run takes the rest. */
const RESUMES_PER_RUN = 100;

export interface BackfillProgress {
  status: "running" | "done";
  version: number;
  processed: number;
  total: number;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface JobRow {
  version: number;
  status: "running" | "done";
  cursor: string | null;
  processed: number;
  total: number;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
}

const JOB_COLUMNS = "version, status, cursor, processed, total, started_at, updated_at, finished_at";

function pageMessage(workspaceId: string, segmentId: string, version: number): SegmentBackfillMessage {
  return { v: 1, kind: "segment_backfill", workspaceId, segmentId, version };
}

/** Starts (or restarts, for a newer version) the back-fill of a segment over every customer the index lists now. */
export async function startBackfill(env: Env, workspaceId: string, segmentId: string, version: number, now: number): Promise<void> {
  const total = await countCustomers(env, workspaceId);
  await env.DB.prepare(
    `INSERT INTO segment_backfills (workspace_id, segment_id, version, status, cursor, processed, total, started_at, updated_at, finished_at)
     VALUES (?, ?, ?, 'running', NULL, 0, ?, ?, ?, NULL)
     ON CONFLICT (workspace_id, segment_id) DO UPDATE SET version = excluded.version, status = 'running', cursor = NULL, processed = 0,
       total = excluded.total, started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL`,
  )
    .bind(workspaceId, segmentId, version, total, now, now)
    .run();
  await env.EVENTS.send(pageMessage(workspaceId, segmentId, version), { contentType: "json" });
}

export async function backfillProgress(db: D1Database, workspaceId: string, segmentId: string): Promise<BackfillProgress | null> {
  const job = await db.prepare(`SELECT ${JOB_COLUMNS} FROM segment_backfills WHERE workspace_id = ? AND segment_id = ?`).bind(workspaceId, segmentId).first<JobRow>();
  if (!job) return null;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    status: job.status,
    version: job.version,
    processed: job.processed,
    total: job.total,
    started_at: iso(job.started_at),
    updated_at: iso(job.updated_at),
    finished_at: job.finished_at === null ? null : iso(job.finished_at),
  };
}

/**
 * One page of a job: the next customers after the cursor evaluate every segment with the
 * definitions D1 holds now; the cursor moves only if no other delivery moved it meanwhile (then
 * this one stops, so two deliveries of a page never fork the job). "stale": the job is gone,
 * done, or of another version.
 */
export async function runBackfillPage(env: Env, message: SegmentBackfillMessage, now: number, pageSize = BACKFILL_PAGE_SIZE): Promise<"continued" | "done" | "stale"> {
  const { workspaceId, segmentId, version } = message;
  const job = await env.DB.prepare(`SELECT ${JOB_COLUMNS} FROM segment_backfills WHERE workspace_id = ? AND segment_id = ?`).bind(workspaceId, segmentId).first<JobRow>();
  if (!job || job.version !== version || job.status !== "running") return "stale";
  const page = await customerPage(env, workspaceId, job.cursor, pageSize);
  if (page.length) {
    const [segments, policy] = await Promise.all([
      workspaceSegments(env.DB, workspaceId),
      env.DB.prepare(`SELECT revision FROM messaging_policies WHERE workspace_id = ?`).bind(workspaceId).first<{ revision: number }>(),
    ]);
    const pushed = { revision: policy?.revision ?? 0, segments };
    const gone: string[] = [];
    for (let i = 0; i < page.length; i += BACKFILL_CONCURRENCY) {
      const chunk = page.slice(i, i + BACKFILL_CONCURRENCY);
      const outcomes = await Promise.all(chunk.map(({ profile_key }) => customerStub(env, workspaceId, profile_key).backfillSegments(pushed, now)));
      outcomes.forEach((outcome, j) => outcome !== "evaluated" && gone.push(chunk[j]!.profile_key));
    }
    await markCustomersGone(env, workspaceId, gone, now);
  }
  const done = page.length < pageSize;
  const moved = await env.DB.prepare(
    `UPDATE segment_backfills SET cursor = ?, processed = processed + ?, updated_at = ?, status = ?, finished_at = ?
     WHERE workspace_id = ? AND segment_id = ? AND version = ? AND status = 'running' AND cursor IS ?`,
  )
    .bind(page.at(-1)?.profile_key ?? job.cursor, page.length, now, done ? "done" : "running", done ? now : null, workspaceId, segmentId, version, job.cursor)
    .run();
  if (moved.meta.changes === 0) return "stale";
  if (done) return "done";
  await env.EVENTS.send(pageMessage(workspaceId, segmentId, version), { contentType: "json" });
  return "continued";
}

/** The cron: a running job untouched for BACKFILL_STALL_MS gets a new page message (the page continues from its cursor). */
export async function resumeStalledBackfills(env: Env, now: number): Promise<number> {
  const { results } = await env.DB.prepare(
    `UPDATE segment_backfills SET updated_at = ? WHERE rowid IN (SELECT rowid FROM segment_backfills WHERE status = 'running' AND updated_at < ? LIMIT ?)
     RETURNING workspace_id, segment_id, version`,
  )
    .bind(now, now - BACKFILL_STALL_MS, RESUMES_PER_RUN)
    .all<{ workspace_id: string; segment_id: string; version: number }>();
  if (results.length) await env.EVENTS.sendBatch(results.map((r) => ({ body: pageMessage(r.workspace_id, r.segment_id, r.version), contentType: "json" as const })));
  return results.length;
}
