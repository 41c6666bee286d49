// Consumer of the `messages` queue: sends each message to its channel's webhook (signed), or to the local outbox.
import { customerStub } from "../customer/routing.ts";
import type { DeliveryReport } from "../customer/messaging.ts";
import type { Env } from "../env.ts";
import { claimDelivery, deliverToOutbox, markAttemptFailed, markSent } from "../stores/deliveries.ts";
import { webhookFor } from "../stores/channel-webhooks.ts";
import { isOutgoingMessage, webhookBody, type OutgoingMessage } from "../messages/message.ts";
import {
  IDEMPOTENCY_HEADER,
  MESSAGE_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  webhookSignature,
} from "../messages/webhook-signature.ts";

/** wrangler.toml's `max_retries` for seam-messages: after the last retry the queue dead-letters the message. */
export const MESSAGE_MAX_RETRIES = 8;
/** A webhook that does not answer within this is a failed attempt (it is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Retry backoff: 10 s, 20 s, 40 s … capped at 15 minutes; with 8 retries a message gets about an hour. */
export const RETRY_BASE_S = 10;
export const RETRY_MAX_S = 15 * 60;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_S * 2 ** Math.max(0, attempts - 1), RETRY_MAX_S);
}

class DeliveryError extends Error {}

/** Tells the customer's object what happened; a lost report must not turn into a resend. */
async function report(env: Env, message: OutgoingMessage, delivery: DeliveryReport): Promise<void> {
  try {
    await customerStub(env, message.workspace_id, message.profile_key).recordDelivery(delivery);
  } catch (error) {
    console.error("messages: delivery report failed", message.message_id, error);
  }
}

async function sendToWebhook(url: string, secret: string, message: OutgoingMessage, now: number): Promise<void> {
  const body = webhookBody(message);
  const timestamp = Math.floor(now / 1000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: await webhookSignature(secret, timestamp, body),
        [MESSAGE_ID_HEADER]: message.message_id,
        [IDEMPOTENCY_HEADER]: message.message_id,
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DeliveryError(`webhook unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The body is not needed, but must be consumed or cancelled so the connection is released.
  await response.body?.cancel();
  if (!response.ok) throw new DeliveryError(`webhook answered ${response.status}`);
}

/**
 * At least once in, at most once out: each message is claimed in the delivery ledger before it
 * is sent, so a redelivery of a message already sent is acked without sending. A failed attempt
 * is retried with backoff; the last one reports the failure to the customer's object and lets
 * the queue dead-letter the message.
 */
export async function consumeMessages(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const queued of batch.messages) {
    const message = queued.body;
    if (!isOutgoingMessage(message)) {
      console.warn("messages queue: dropping malformed message", queued.id);
      queued.ack();
      continue;
    }
    const now = Date.now();
    let claimed = false;
    try {
      const claim = await claimDelivery(env.DB, message, now);
      if (claim.kind === "already_sent") {
        // Not sent again; the report is repeated (idempotent) in case the first one was lost.
        await report(env, message, { message_id: message.message_id, status: "sent", at: Date.now() });
        queued.ack();
        continue;
      }
      if (claim.kind === "in_flight") {
        // Another consumer holds it; look again when its lease runs out.
        queued.retry({ delaySeconds: Math.max(1, Math.ceil((claim.leaseUntil - now) / 1000)) });
        continue;
      }
      claimed = true;
      const webhook = await webhookFor(env, message.workspace_id, message.channel, now);
      if (webhook) {
        await sendToWebhook(webhook.url, webhook.secret, message, now);
        await markSent(env.DB, message.message_id, "webhook", Date.now());
      } else {
        await deliverToOutbox(env.DB, message, Date.now());
      }
      await report(env, message, { message_id: message.message_id, status: "sent", at: Date.now(), via: webhook ? "webhook" : "outbox" });
      queued.ack();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!(error instanceof DeliveryError)) console.error("messages: delivery attempt failed", message.message_id, error);
      const final = queued.attempts > MESSAGE_MAX_RETRIES;
      if (claimed) await markAttemptFailed(env.DB, message.message_id, reason, final, Date.now()).catch(() => undefined);
      if (final) await report(env, message, { message_id: message.message_id, status: "failed", at: Date.now(), error: reason });
      // On the final attempt this hands the message to the dead-letter queue.
      queued.retry({ delaySeconds: retryDelaySeconds(queued.attempts) });
    }
  }
}
