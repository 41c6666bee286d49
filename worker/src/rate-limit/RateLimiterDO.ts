// One token bucket per (workspace, client IP), in memory: exact across every isolate, no storage written.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { bucketRule, takeTokens, type Bucket } from "./bucket.ts";

/**
 * The bucket lives in memory only: a rate limit needs no durability, and writing a row per request
 * would cost more than the requests it guards. An evicted object starts again with a full bucket,
 * which errs on the side of the customer.
 */
export class RateLimiterDO extends DurableObject<Env> {
  private bucket: Bucket | undefined;

  /** Grants up to `want` requests at `requestsPerMinute`; with none, says when to come back (ms). */
  async take(want: number, requestsPerMinute: number): Promise<{ granted: number; retryAfterMs: number }> {
    const result = takeTokens(this.bucket, bucketRule(requestsPerMinute), want, Date.now());
    this.bucket = result.bucket;
    return { granted: result.granted, retryAfterMs: result.retryAfterMs };
  }

  /** When the bucket is empty, how long until a token is back (ms); 0 when one is there. Takes nothing. */
  async waitMs(requestsPerMinute: number): Promise<number> {
    const peek = takeTokens(this.bucket, bucketRule(requestsPerMinute), 1, Date.now());
    return peek.granted > 0 ? 0 : peek.retryAfterMs;
  }
}
