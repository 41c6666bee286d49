// Dashboard sessions: the workspace's secret key, typed once into the dashboard's sign-in, exchanged
// for a session whose id travels in a signed HttpOnly cookie; the page never holds the key. Owns the
// `dashboard_sessions` table. Used by auth.ts (`secretKeyAuth` takes a session as well as the key)
// and routes/dashboard.ts (sign-in, sign-out); tested in worker/test/dashboard-sessions.test.ts.
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { constantTimeEqual, hmacSha256Hex, randomKey, sha256Hex } from "../crypto.ts";
import type { Env } from "../env.ts";
import { forbidden } from "../errors.ts";
import { workspaceBySecretKeyHash, type Workspace } from "../stores/workspaces.ts";

/** A session ends this long after sign-in, used or not: a shared laptop is not signed in for days. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Live sessions kept per workspace; signing in beyond this ends the oldest (the table stays bounded). */
export const MAX_SESSIONS_PER_WORKSPACE = 50;
/** The header a state-changing call made with the cookie must carry: the session's CSRF token. */
export const CSRF_HEADER = "x-seam-csrf";
/** Methods that change nothing, so need no CSRF token. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

const COOKIE = "seam_session";
/** 256 bits of randomness: base62 carries ~5.95 bits a character. */
const SESSION_ID_CHARS = 43;

export interface DashboardSession {
  workspace: Workspace;
  expiresAt: number;
  /** Sent back by the page in `x-seam-csrf` on every state-changing call; derived from the session id. */
  csrfToken: string;
  idHash: string;
}

interface SessionRow {
  workspace_id: string;
  secret_key_hash: string;
  expires_at: number;
}

function sessionSecret(env: Env): string {
  if (!env.SESSION_SECRET) throw forbidden("dashboard_disabled", "the dashboard is disabled: SESSION_SECRET is not set");
  return env.SESSION_SECRET;
}

/**
 * Over https the cookie is `__Host-` prefixed (Secure, Path=/, no Domain: no sibling subdomain can
 * plant or widen it); `npm run dev` serves plain http on localhost, where a Secure cookie would be
 * dropped by some browsers, so there it is a plain host-only cookie.
 */
function cookieOptions(c: Context): CookieOptions {
  const https = new URL(c.req.url).protocol === "https:";
  return { path: "/", httpOnly: true, sameSite: "Strict", secure: https, ...(https ? { prefix: "host" as const } : {}) };
}

function csrfTokenFor(secret: string, sessionId: string): Promise<string> {
  return hmacSha256Hex(secret, `seam-dashboard-csrf.${sessionId}`);
}

/** Opens a session for a workspace whose secret key (by its hash) was just presented, and sets its cookie. */
export async function openSession<E extends { Bindings: Env }>(c: Context<E>, workspace: Workspace, secretKeyHash: string, now: number): Promise<DashboardSession> {
  const secret = sessionSecret(c.env);
  const id = randomKey("ses", SESSION_ID_CHARS);
  const idHash = await sha256Hex(id);
  const expiresAt = now + SESSION_TTL_MS;
  const db = c.env.DB;
  // Expired rows go on every sign-in, and a workspace keeps at most its newest N: no cron needed.
  await db.batch([
    db.prepare(`DELETE FROM dashboard_sessions WHERE expires_at <= ?`).bind(now),
    db
      .prepare(`INSERT INTO dashboard_sessions (id_hash, workspace_id, secret_key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`)
      .bind(idHash, workspace.id, secretKeyHash, now, expiresAt),
    db
      .prepare(
        `DELETE FROM dashboard_sessions WHERE workspace_id = ? AND id_hash NOT IN
           (SELECT id_hash FROM dashboard_sessions WHERE workspace_id = ? ORDER BY created_at DESC, id_hash LIMIT ?)`,
      )
      .bind(workspace.id, workspace.id, MAX_SESSIONS_PER_WORKSPACE),
  ]);
  await setSignedCookie(c, COOKIE, id, secret, { ...cookieOptions(c), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
  return { workspace, expiresAt, csrfToken: await csrfTokenFor(secret, id), idHash };
}

/**
 * The session the request's cookie names, or null: no cookie, a forged or tampered one (its
 * signature), an ended or expired session, or a workspace whose secret key was rotated since the
 * session opened (another isolate sees a rotation within the workspace cache's TTL, as the key does).
 */
export async function readSession<E extends { Bindings: Env }>(c: Context<E>, now: number): Promise<DashboardSession | null> {
  const secret = c.env.SESSION_SECRET;
  if (!secret) return null;
  const id = await getSignedCookie(c, secret, COOKIE, cookieOptions(c).prefix);
  if (!id) return null;
  const idHash = await sha256Hex(id);
  const row = await c.env.DB.prepare(`SELECT workspace_id, secret_key_hash, expires_at FROM dashboard_sessions WHERE id_hash = ?`)
    .bind(idHash)
    .first<SessionRow>();
  if (!row || row.expires_at <= now) return null;
  const workspace = await workspaceBySecretKeyHash(c.env, row.secret_key_hash);
  if (!workspace || workspace.id !== row.workspace_id) return null;
  return { workspace, expiresAt: row.expires_at, csrfToken: await csrfTokenFor(secret, id), idHash };
}

/** Ends the session (everywhere: the row goes) and clears the cookie; without a session, only clears it. */
export async function endSession<E extends { Bindings: Env }>(c: Context<E>, session: DashboardSession | null): Promise<void> {
  if (session) await c.env.DB.prepare(`DELETE FROM dashboard_sessions WHERE id_hash = ?`).bind(session.idHash).run();
  deleteCookie(c, COOKIE, cookieOptions(c));
}

/**
 * Whether a state-changing call carries the session's CSRF token. Another site can make the
 * browser send a form or a simple request, never a custom header (that needs a CORS preflight,
 * which Seam never grants to secret-key routes); SameSite=Strict is the second lock.
 */
export function csrfTokenValid(c: Context, session: DashboardSession): boolean {
  const sent = c.req.header(CSRF_HEADER);
  return sent !== undefined && constantTimeEqual(sent, session.csrfToken);
}
