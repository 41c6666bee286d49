// Rate limiting of browser traffic (write key) per workspace and client IP, enforced before any state
// is touched; and of failed dashboard sign-ins per client IP.
import type { Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { Workspace } from "../stores/workspaces.ts";
import { DEFAULT_REQUESTS_PER_MINUTE } from "./bucket.ts";

/**
 * An isolate takes at most a second's budget from the bucket at a time (and this many at most), and
 * may spend it for up to 30 s: a shopper's next page view, seconds later, costs no limiter request.
 * Tokens only ever come from the object, so no client gets past its budget; an isolate holding
 * unspent tokens can only make another isolate refuse that client a little early.
 */
const MAX_LEASE = 20;
const LEASE_TTL_MS = 30_000;
const MAX_LEASES = 10_000;

/**
 * Tokens this isolate was granted and has not spent: most requests of an active visitor are then
 * answered without a round trip to the limiter object. A lease lapses after LEASE_TTL_MS, so the
 * budget stays the object's; a refusal is remembered until its Retry-After, so a client that keeps
 * hammering costs no object requests either.
 */
const leases = new Map<string, { tokens: number; expires: number; deniedUntil: number }>();

export function requestsPerMinute(workspace: Workspace): number {
  const setting = (workspace.settings.rateLimit as { requestsPerMinute?: unknown } | undefined)?.requestsPerMinute;
  return typeof setting === "number" && setting > 0 ? setting : DEFAULT_REQUESTS_PER_MINUTE;
}

/** The client as the limit counts it: its IP (an IPv6 address by its /64, which one household holds). */
export function clientKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  if (!ip.includes(":")) return ip;
  return ip.split(":").slice(0, 4).join(":");
}

/** Throws 429 `rate_limited` with Retry-After (seconds) when the client is over the workspace's budget. */
export async function enforceRateLimit(env: Env, workspace: Workspace, ip: string | undefined, now = Date.now()): Promise<void> {
  const rpm = requestsPerMinute(workspace);
  const key = `${workspace.id}:${clientKey(ip)}:${rpm}`;
  const lease = leases.get(key);
  if (lease && lease.deniedUntil > now) throw rateLimited(lease.deniedUntil - now, rpm);
  if (lease && lease.expires > now && lease.tokens > 0) {
    lease.tokens -= 1;
    return;
  }
  const want = Math.max(1, Math.min(MAX_LEASE, Math.floor(rpm / 60)));
  const { granted, retryAfterMs } = await env.RATE_LIMITER.getByName(`${workspace.id}:${clientKey(ip)}`).take(want, rpm);
  if (leases.size >= MAX_LEASES && !leases.has(key)) leases.delete(leases.keys().next().value!);
  if (granted === 0) {
    leases.set(key, { tokens: 0, expires: now, deniedUntil: now + retryAfterMs });
    throw rateLimited(retryAfterMs, rpm);
  }
  // Requests that ran out together each took a lease: what the others left is kept, not overwritten.
  const left = leases.get(key);
  const kept = left && left.expires > now ? left.tokens : 0;
  leases.set(key, { tokens: kept + granted - 1, expires: now + LEASE_TTL_MS, deniedUntil: 0 });
}

/**
 * Failed dashboard sign-ins per client IP a minute (the bucket holds MIN_BURST of them): a person
 * mistyping the key is never stopped, a guesser is. Only failures count, so signing in again and
 * again with the right key (a marketer on several devices, the browser tests) is never refused.
 */
export const FAILED_SIGN_INS_PER_MINUTE = 5;

function signInLimiter(env: Env, ip: string | undefined) {
  // Its own name space: sign-in has no workspace until the key is known.
  return env.RATE_LIMITER.getByName(`sign-in:${clientKey(ip)}`);
}

/** Throws 429 when this client's failed sign-ins used up the budget; costs one object request. */
export async function enforceSignInLimit(env: Env, ip: string | undefined): Promise<void> {
  const waitMs = await signInLimiter(env, ip).waitMs(FAILED_SIGN_INS_PER_MINUTE);
  if (waitMs > 0) throw rateLimited(waitMs, FAILED_SIGN_INS_PER_MINUTE, "failed sign-ins from this client");
}

/** Counts a failed sign-in against the client's budget. */
export async function recordFailedSignIn(env: Env, ip: string | undefined): Promise<void> {
  await signInLimiter(env, ip).take(1, FAILED_SIGN_INS_PER_MINUTE);
}

function rateLimited(retryAfterMs: number, rpm: number, what = "requests from this client"): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(429, "rate_limited", `too many ${what} (at most ${rpm} a minute); retry in ${seconds} s`, undefined, {
    "retry-after": String(seconds),
  });
}
