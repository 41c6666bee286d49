// A token bucket (pure): how many requests a (workspace, client IP) may make now, and when to come back.

/** Requests per minute per client IP when a workspace sets none: a busy shopper's page makes a handful. */
export const DEFAULT_REQUESTS_PER_MINUTE = 600;
/** The bucket holds a quarter of a minute's budget (at least this many), so a page load's burst passes. */
const MIN_BURST = 10;
const BURST_SHARE = 0.25;

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface BucketRule {
  perMinute: number;
  burst: number;
}

export function bucketRule(requestsPerMinute: number): BucketRule {
  return { perMinute: requestsPerMinute, burst: Math.max(MIN_BURST, Math.ceil(requestsPerMinute * BURST_SHARE)) };
}

/**
 * Refills the bucket for the time since it was last touched, then grants up to `want` tokens.
 * With none granted, `retryAfterMs` is when the next token will be there.
 */
export function takeTokens(
  bucket: Bucket | undefined,
  rule: BucketRule,
  want: number,
  now: number,
): { bucket: Bucket; granted: number; retryAfterMs: number } {
  const perMs = rule.perMinute / 60_000;
  const elapsed = bucket ? Math.max(0, now - bucket.updatedAt) : 0;
  const tokens = bucket ? Math.min(rule.burst, bucket.tokens + elapsed * perMs) : rule.burst;
  const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
  const left = tokens - granted;
  return {
    bucket: { tokens: left, updatedAt: now },
    granted,
    retryAfterMs: granted > 0 ? 0 : Math.ceil((1 - left) / perMs),
  };
}
