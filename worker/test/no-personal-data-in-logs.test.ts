// No email, phone number or tracking-link token ever reaches a log line: logs leave the
// workspace's data boundary (log drains, dashboards), and a token in a log is a working link.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { batch, deliverQueueBatch, request, trackEvent, uid } from "./helpers.ts";
import type { OutgoingMessage } from "../src/messages/message.ts";
import { admin, messagingWorkspace, waitForOutbox } from "./messaging-helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** Everything written to the console while `work` runs, as text (errors with their stacks). */
async function captureLogs(work: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const text = (value: unknown) =>
    value instanceof Error ? `${value.message}\n${value.stack ?? ""}` : typeof value === "string" ? value : JSON.stringify(value);
  for (const level of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(text).join(" ")));
  await work();
  return lines;
}

describe("logs", () => {
  it("carry no email, phone or token, through sends, clicks, refusals, failures and crashes", async () => {
    const email = "ada.lovelace@example.com";
    const phone = "+44 20 7946 0958";
    const tokens: string[] = [];
    const lines = await captureLogs(async () => {
      const ws = await messagingWorkspace({ triggers: { "cross-sell": { template: "post_purchase", steps: [{ delay_minutes: 0 }] } } });
      const visitor = uid();
      await batch(
        [
          { type: "identify", anonymousId: visitor, traits: { email, phone }, messageId: crypto.randomUUID() },
          trackEvent(visitor, "Order Completed", { order_id: uid("order"), products: [{ product_id: "tent", url: "https://shop.example/p/tent" }] }),
        ],
        ws.writeKey,
      );
      const [sent] = await waitForOutbox(ws, visitor, 1);
      const links = sent.message.payload.links;
      const click = sent.message.payload.products[0].link as string;
      for (const link of [links.open_pixel!, links.unsubscribe!, click]) tokens.push(new URL(link).pathname.split("/").pop()!);

      // Engagement, including a failure to record it (the customer's object is unreachable).
      await request(new URL(links.open_pixel!).pathname);
      await request(new URL(click).pathname, { redirect: "manual" });
      const getByName = env.CUSTOMER.getByName.bind(env.CUSTOMER);
      vi.spyOn(env.CUSTOMER, "getByName").mockImplementation(() => {
        throw new Error("object unreachable");
      });
      await request(new URL(click).pathname, { redirect: "manual" });
      await request(`/v1/unsubscribe/${tokens[1]}`, { method: "POST" });
      // A crash on a path that holds personal data: the 500 is logged without the path.
      expect((await request(`/v1/customers/${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${ws.secretKey}` } })).status).toBe(500);
      vi.mocked(env.CUSTOMER.getByName).mockImplementation(getByName);
      await request(`/v1/unsubscribe/${tokens[1]}`, { method: "POST" });

      // Refusals that carry the data in the body or the URL.
      await batch([{ type: "identify", userId: email, traits: { email, phone } }], ws.writeKey);
      await request(`/v1/t/c/${tokens[0]}`);
      await request(`/v1/profile?writeKey=${ws.writeKey}&userId=${encodeURIComponent(email)}&userHash=00`);

      // A webhook that fails, then a delivery whose ledger write fails.
      await admin(ws, "PUT", "/channels/email", { url: "https://hooks.example/email" });
      vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 503 }));
      await deliverQueueBatch("seam-messages", [{ ...(sent.message as OutgoingMessage), message_id: uid("msg") }]);
      vi.spyOn(env.DB, "prepare").mockImplementation(() => {
        throw new Error("D1_ERROR: simulated failure");
      });
      await deliverQueueBatch("seam-messages", [{ ...(sent.message as OutgoingMessage), message_id: uid("msg") }]);
    });

    expect(lines.length).toBeGreaterThan(3);
    const digits = phone.replace(/\D/g, "");
    for (const line of lines) {
      expect(line.toLowerCase()).not.toContain(email);
      expect(line).not.toContain(encodeURIComponent(email));
      expect(line.replace(/\D/g, "")).not.toContain(digits);
      for (const token of tokens) expect(line).not.toContain(token.slice(3, 40));
    }
  });
});
