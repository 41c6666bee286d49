// One customer's timeline across channels: what they did (events, with the campaign that brought
// them), what they bought, and what Seam sent them, newest first. Pure, so it is tested alone.
import type { CustomerState, MessagingState, SeamEventView, TouchView } from "../api/types.ts";
import { channelName, formatMoney, humanize } from "./format.ts";

export interface TimelineItem {
  key: string;
  at: number;
  /** Where it happened: the event's channel, or the channel a message went out on. */
  channel: string;
  kind: "did" | "received";
  title: string;
  detail: string | null;
  /** A message's furthest stage (sent, delivered, opened, clicked, failed). */
  status: string | null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : typeof value === "number" ? String(value) : null;
}

function eventTitle(e: SeamEventView): string {
  switch (e.type) {
    case "track":
      return e.event ?? "Event";
    case "page":
      return `Viewed page ${text(e.name) ?? text((e.properties ?? {}).path) ?? ""}`.trim();
    case "screen":
      return `Viewed screen ${text(e.name) ?? ""}`.trim();
    case "identify":
      return "Identified";
    case "alias":
      return "Linked an earlier id";
    default:
      return humanize(e.type);
  }
}

function eventDetail(e: SeamEventView): string | null {
  const p = e.properties ?? {};
  if (e.event === "Order Completed") {
    const total = typeof p.total === "number" ? p.total : typeof p.revenue === "number" ? p.revenue : null;
    return [text(p.order_id) && `Order ${text(p.order_id)}`, total !== null && formatMoney(total, text(p.currency))].filter(Boolean).join(" · ") || null;
  }
  const product = text(p.name) ?? text(p.product_id);
  if (product) return [product, typeof p.price === "number" ? formatMoney(p.price, text(p.currency)) : null, typeof p.quantity === "number" && p.quantity > 1 ? `× ${p.quantity}` : null].filter(Boolean).join(" · ");
  if (e.type === "identify") {
    const keys = Object.keys(e.traits ?? {});
    return keys.length ? `Traits: ${keys.slice(0, 4).join(", ")}${keys.length > 4 ? "…" : ""}` : null;
  }
  if (typeof p.channel === "string") return channelName(p.channel);
  return null;
}

/** Where a touch came from, in words: "google / cpc / spring-sale", "a recommendation (similar)". */
export function touchWords(t: Pick<TouchView, "kind" | "source" | "medium" | "campaign">): string {
  if (t.kind === "direct") return "direct";
  if (t.kind === "recommendation") return `a recommendation${t.campaign ? ` (${humanize(t.campaign)})` : ""}`;
  if (t.kind === "message") return `a message${t.campaign ? ` of ${t.campaign}` : ""}`;
  return [t.source, t.medium, t.campaign].filter(Boolean).join(" / ");
}

const MESSAGE_STAGES = ["clicked", "opened", "delivered", "failed", "sent", "queued"] as const;

export function buildTimeline(customer: CustomerState, messaging: MessagingState | null): TimelineItem[] {
  const touches = new Map(customer.channel_history.map((t) => [t.message_id, t]));
  const items: TimelineItem[] = customer.recent_events.map((e) => {
    const touch = touches.get(e.messageId);
    const via = touch && (touch.utm.source || touch.utm.campaign) ? `via ${[touch.utm.source, touch.utm.medium, touch.utm.campaign].filter(Boolean).join(" / ")}` : null;
    return {
      key: `e:${e.messageId}`,
      at: e.timestamp,
      channel: touch?.channel ?? e.channel,
      kind: "did",
      title: eventTitle(e),
      detail: [eventDetail(e), via].filter(Boolean).join(" · ") || null,
      status: null,
    };
  });
  // Touches whose event is older than the recent-events window still show where the customer came from.
  const shown = new Set(customer.recent_events.map((e) => e.messageId));
  for (const t of customer.channel_history)
    if (!shown.has(t.message_id))
      items.push({
        key: `t:${t.message_id}`,
        at: Date.parse(t.timestamp),
        channel: t.channel,
        kind: "did",
        title: t.event ?? humanize(t.type),
        detail: t.utm.source || t.utm.campaign ? `via ${[t.utm.source, t.utm.medium, t.utm.campaign].filter(Boolean).join(" / ")}` : null,
        status: null,
      });
  // Marketing touches (attribution): on the event they came with, else an item of their own.
  const byTime = new Map(items.map((i) => [i.at, i]));
  for (const t of customer.touches ?? []) {
    const at = Date.parse(t.timestamp);
    const words = `touch: ${touchWords(t)}`;
    const item = byTime.get(at);
    // An event whose campaign is already shown ("via …") says it once.
    if (item) item.detail = item.detail?.includes("via ") ? item.detail : [item.detail, words].filter(Boolean).join(" · ");
    else items.push({ key: `a:${t.timestamp}:${t.source}`, at, channel: t.channel, kind: "did", title: `Came in via ${touchWords(t)}`, detail: humanize(t.kind), status: null });
  }
  const lead = customer.lead_source;
  if (lead)
    items.push({ key: "lead", at: Date.parse(lead.became_lead_at), channel: lead.channel, kind: "did", title: "Became a lead", detail: `Lead source: ${touchWords({ kind: lead.source === "direct" ? "direct" : "utm", ...lead })}`, status: null });
  for (const m of messaging?.messages ?? [])
    items.push({
      key: `m:${m.message_id}`,
      at: Date.parse(m.sent_at ?? m.queued_at),
      channel: m.channel,
      kind: "received",
      title: `${humanize(m.template)} message`,
      detail: `Trigger ${m.trigger_id}, step ${m.step + 1}${m.chosen_by ? ` · channel chosen by ${m.chosen_by.replace(/_/g, " ")}` : ""}`,
      status: MESSAGE_STAGES.find((stage) => stage === m.status || (stage !== "queued" && m[`${stage}_at` as "sent_at"])) ?? m.status,
    });
  return items.sort((a, b) => b.at - a.at || a.key.localeCompare(b.key));
}
