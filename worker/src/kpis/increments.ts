// The counter increments a touch, an order, a lead or a message event makes. Pure: the customer's
// object decides what happened (and whether it is the customer's first of the day), this says what it counts.
import { ATTRIBUTION_MODELS, type OrderAttribution } from "../attribution/models.ts";
import type { Touch } from "../attribution/touches.ts";
import { consentChoices } from "../ingest/consent.ts";
import type { SeamEvent } from "../schemas.ts";
import { isMessageChannel } from "../triggers/definitions.ts";
import { METRICS, type KpiDimension, type KpiIncrement } from "./counters.ts";

type TouchFields = Pick<Touch, "channel" | "source" | "campaign" | "trigger_id">;

/** The dimension values a touch counts under: its channel and source, and its campaign and trigger when it has them. */
export function touchDimensions(touch: TouchFields): [KpiDimension, string][] {
  const dims: [KpiDimension, string][] = [
    ["channel", touch.channel],
    ["source", touch.source],
  ];
  if (touch.campaign) dims.push(["campaign", touch.campaign]);
  if (touch.trigger_id) dims.push(["trigger", touch.trigger_id]);
  return dims;
}

/**
 * A touch: one more touch under each of its dimension values, and one more customer where this is
 * the customer's first touch of the day under that value (`firstToday` asks the customer's object).
 */
export function touchIncrements(touch: Touch, day: string, firstToday: (dim: KpiDimension, value: string) => boolean): KpiIncrement[] {
  const out: KpiIncrement[] = [];
  for (const [dim, value] of touchDimensions(touch)) {
    out.push([day, dim, value, METRICS.touches, 1]);
    if (firstToday(dim, value)) out.push([day, dim, value, METRICS.customers, 1]);
  }
  if (touch.kind === "recommendation") out.push([day, "recs", touch.campaign ?? "unknown", METRICS.recClicks, 1]);
  return out;
}

/** An order: under every model, each credited touch's share of one order and of its revenue, on the order's day. */
export function orderIncrements(attribution: OrderAttribution, day: string, revenue: number): KpiIncrement[] {
  const out: KpiIncrement[] = [];
  for (const model of ATTRIBUTION_MODELS)
    for (const credit of attribution.credits[model])
      for (const [dim, value] of touchDimensions(attribution.touches[credit.touch]!)) {
        out.push([day, dim, value, METRICS.orders(model), credit.weight]);
        out.push([day, dim, value, METRICS.revenue(model), credit.weight * revenue]);
      }
  return out;
}

/**
 * Orders of products clicked in a recommendation list within the window: one order per list type it
 * drew from, and the value of those lines (the latest click on a product decides its list).
 */
export function recommendationOrderIncrements(
  recClicks: readonly Pick<Touch, "ts" | "campaign" | "product_id">[],
  lines: readonly { productId: string; price?: number | undefined; quantity: number }[],
  day: string,
): KpiIncrement[] {
  const listOf = new Map<string, string>();
  for (const click of [...recClicks].sort((a, b) => a.ts - b.ts)) if (click.product_id) listOf.set(click.product_id, click.campaign ?? "unknown");
  const revenueByList = new Map<string, number>();
  for (const line of lines) {
    const list = listOf.get(line.productId);
    if (list !== undefined) revenueByList.set(list, (revenueByList.get(list) ?? 0) + (line.price ?? 0) * line.quantity);
  }
  return [...revenueByList].flatMap(([list, revenue]): KpiIncrement[] => [
    [day, "recs", list, METRICS.recOrders, 1],
    [day, "recs", list, METRICS.recRevenue, revenue],
  ]);
}

/** A new lead, counted under the touch that brought the customer (their lead source). */
export function leadIncrements(leadSource: TouchFields, day: string): KpiIncrement[] {
  return touchDimensions(leadSource).map(([dim, value]): KpiIncrement => [day, dim, value, METRICS.newLeads, 1]);
}

/**
 * A message event (sent, delivered, opened, clicked, unsubscribed) under the message's channel, and
 * its trigger, which is also the campaign its links carry (`utm_campaign`).
 */
export function messageIncrements(day: string, channel: string, triggerId: string | null, metric: string): KpiIncrement[] {
  const out: KpiIncrement[] = [[day, "channel", channel, metric, 1]];
  if (triggerId) out.push([day, "campaign", triggerId, metric, 1], [day, "trigger", triggerId, metric, 1]);
  return out;
}

/**
 * The unsubscribes an event makes: a message channel switched off that was not off already, so a
 * repeated one-click unsubscribe (never deduped: it must take effect) counts once. Updates
 * `consent` (the customer's answers so far) with the event's choices.
 */
export function unsubscribeIncrements(event: SeamEvent, consent: Record<string, boolean>, day: string): KpiIncrement[] {
  const out: KpiIncrement[] = [];
  for (const { channel, granted } of consentChoices(event)) {
    if (!granted && consent[channel] !== false && isMessageChannel(channel)) {
      const triggerId = typeof event.properties.trigger_id === "string" ? event.properties.trigger_id : null;
      out.push(...messageIncrements(day, channel, triggerId, METRICS.unsubscribed));
    }
    consent[channel] = granted;
  }
  return out;
}
