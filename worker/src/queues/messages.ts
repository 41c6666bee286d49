// Consumer of the `messages` queue: outgoing customer messages on their way to a channel.
import type { Env } from "../env.ts";

export async function consumeMessages(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  for (const message of batch.messages) message.ack();
}
