// Who is calling: the operator (ADMIN_TOKEN), a store's backend (secret key) or a browser/app (write key).
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Env } from "./env.ts";
import { constantTimeEqual } from "./crypto.ts";
import { CSRF_HEADER, csrfTokenValid, readSession, SAFE_METHODS } from "./dashboard/sessions.ts";
import { forbidden, unauthorized } from "./errors.ts";
import { enforceRateLimit } from "./rate-limit/limit.ts";
import {
  originAllowed,
  workspaceBySecretKey,
  workspaceByWriteKey,
  type Workspace,
} from "./stores/workspaces.ts";

/** `browserWorkspace`: the request was let in by this workspace's write key from an allowed origin (CORS answers it). */
export type BrowserEnv = { Bindings: Env; Variables: { browserWorkspace?: Workspace } };
export type WorkspaceEnv = { Bindings: Env; Variables: { workspace: Workspace; browserWorkspace?: Workspace } };

/** The user name of `Authorization: Basic base64(user:password)`, as Segment sends the write key. */
export function basicAuthUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return undefined;
  try {
    const decoded = atob(match[1]!);
    const user = decoded.split(":")[0];
    return user || undefined;
  } catch {
    return undefined;
  }
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
}

/**
 * Resolves the workspace of a write key, checks the browser's Origin against the workspace's
 * allowed origins and the client against its rate limit. Throws 401 (no or unknown key), 403
 * (origin not allowed) or 429 (rate limited, readable by the allowed origin: CORS follows
 * `browserWorkspace`).
 */
async function browserWorkspace<E extends BrowserEnv>(c: Context<E>, writeKey: string | undefined): Promise<Workspace> {
  if (!writeKey) throw unauthorized("a write key is required (Basic auth user name or writeKey)");
  const workspace = await workspaceByWriteKey(c.env, writeKey);
  if (!workspace) throw unauthorized("unknown write key");
  if (!originAllowed(workspace, c.req.header("origin")))
    throw forbidden("origin_not_allowed", `origin ${c.req.header("origin")} is not allowed for this workspace`);
  c.set("browserWorkspace", workspace);
  await enforceRateLimit(c.env, workspace, c.req.header("cf-connecting-ip"));
  return workspace;
}

/**
 * Ingest accepts the public write key (browsers, apps, Segment libraries) or the secret key (the
 * store's backend: `Authorization: Bearer sk_…`, or a Segment server library configured with the
 * secret key as its write key). Events sent with the secret key are trusted: their user ids,
 * emails and phones count as verified.
 */
export async function ingestAuth(c: Context<BrowserEnv>, bodyWriteKey: string | undefined): Promise<{ workspace: Workspace; trusted: boolean }> {
  const header = c.req.header("authorization");
  const basicUser = basicAuthUser(header);
  const secret = bearer(header) ?? (basicUser?.startsWith("sk_") ? basicUser : undefined);
  if (secret) {
    const workspace = await workspaceBySecretKey(c.env, secret);
    if (!workspace) throw unauthorized("unknown secret key");
    return { workspace, trusted: true };
  }
  return { workspace: await browserWorkspace(c, basicUser ?? bodyWriteKey), trusted: false };
}

/** For visitor reads (`GET /v1/profile`): write key as Basic auth user or `?writeKey=`. */
export const writeKeyAuth = createMiddleware<WorkspaceEnv>(async (c, next) => {
  const key = basicAuthUser(c.req.header("authorization")) ?? c.req.query("writeKey");
  c.set("workspace", await browserWorkspace(c, key));
  await next();
});

/**
 * For a store's backend: `Authorization: Bearer <secret key>`; or for the dashboard, its session
 * cookie (worker/src/dashboard/sessions.ts), which on a state-changing call must come with the
 * session's CSRF token in `x-seam-csrf`. A Bearer key, when sent, decides alone.
 */
export const secretKeyAuth = createMiddleware<WorkspaceEnv>(async (c, next) => {
  const key = bearer(c.req.header("authorization"));
  if (key) {
    const workspace = await workspaceBySecretKey(c.env, key);
    if (!workspace) throw unauthorized("unknown secret key");
    c.set("workspace", workspace);
  } else {
    const session = await readSession(c, Date.now());
    if (!session) throw unauthorized("a secret key is required (Authorization: Bearer sk_…), or a dashboard session");
    if (!SAFE_METHODS.has(c.req.method) && !csrfTokenValid(c, session))
      throw forbidden("csrf_token_required", `a change made with the dashboard session needs its CSRF token in the ${CSRF_HEADER} header`);
    c.set("workspace", session.workspace);
  }
  await next();
});

/** For the operator API: `Authorization: Bearer <ADMIN_TOKEN>`; off when no token is configured. */
export const adminAuth = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw forbidden("admin_disabled", "the operator API is disabled: ADMIN_TOKEN is not set");
  const token = bearer(c.req.header("authorization"));
  if (!token || !constantTimeEqual(token, expected)) throw unauthorized("invalid admin token");
  await next();
});
