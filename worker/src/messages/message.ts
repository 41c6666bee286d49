// A message on the `messages` queue: its deterministic id and its shape.
import { sha256Hex } from "../crypto.ts";
import { isMessageChannel, type MessageChannel, type TemplateName } from "../triggers/definitions.ts";
import type { MessagePayload } from "./payload.ts";

export interface OutgoingMessage {
  v: 1;
  message_id: string;
  workspace_id: string;
  /** Where delivery reports go back to; not part of what the webhook receives. */
  profile_key: string;
  channel: MessageChannel;
  trigger_id: string;
  template: TemplateName;
  step: number;
  created_at: string;
  payload: MessagePayload;
}

/**
 * The same message gets the same id however often it is built: a step retried after a crash, a
 * queue redelivery, a second alarm. That id is the idempotency key end to end.
 */
export async function messageIdFor(workspaceId: string, profileKey: string, runId: string, step: number, channel: MessageChannel): Promise<string> {
  return `msg_${(await sha256Hex(`${workspaceId}\u0000${profileKey}\u0000${runId}\u0000${step}\u0000${channel}`)).slice(0, 32)}`;
}

export function isOutgoingMessage(body: unknown): body is OutgoingMessage {
  const m = body as Partial<OutgoingMessage> | null;
  return (
    m !== null &&
    typeof m === "object" &&
    m.v === 1 &&
    typeof m.message_id === "string" &&
    typeof m.workspace_id === "string" &&
    typeof m.profile_key === "string" &&
    isMessageChannel(m.channel) &&
    typeof m.trigger_id === "string" &&
    typeof m.payload === "object" &&
    m.payload !== null
  );
}

/** What a channel webhook receives (and the outbox stores): the message without routing fields. */
export type WebhookBody = Omit<OutgoingMessage, "v" | "profile_key">;

/** The JSON of a WebhookBody. */
export function webhookBody(message: OutgoingMessage): string {
  const { v: _v, profile_key: _profileKey, ...rest } = message;
  return JSON.stringify(rest);
}
