// How a channel webhook request is signed, and how a receiver verifies it (HMAC-SHA256 over timestamp and body).
import { constantTimeEqual, hmacSha256Hex } from "../crypto.ts";

export const SIGNATURE_HEADER = "x-seam-signature";
export const TIMESTAMP_HEADER = "x-seam-timestamp";
export const MESSAGE_ID_HEADER = "x-seam-message-id";
/** Receivers that dedupe by a standard header get the message id here too. */
export const IDEMPOTENCY_HEADER = "idempotency-key";
/** A receiver should refuse signatures older than this: it bounds how long a captured request can be replayed. */
export const SIGNATURE_TOLERANCE_S = 5 * 60;

/** The signed string is `${timestamp}.${body}`, so the timestamp cannot be swapped for a fresher one. */
export async function webhookSignature(secret: string, timestampS: number, body: string): Promise<string> {
  return `v1=${await hmacSha256Hex(secret, `${timestampS}.${body}`)}`;
}

/**
 * What a receiver does with `x-seam-timestamp`, `x-seam-signature` and the raw body: recompute,
 * compare in constant time, and refuse a stale timestamp.
 */
export async function verifyWebhookSignature(
  secret: string,
  request: { timestamp: string | null; signature: string | null; body: string },
  nowS: number,
  toleranceS = SIGNATURE_TOLERANCE_S,
): Promise<boolean> {
  const ts = Number(request.timestamp);
  if (!request.signature || !Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  return constantTimeEqual(await webhookSignature(secret, ts, request.body), request.signature);
}
