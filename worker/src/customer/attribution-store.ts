// The one owner of a customer's attribution tables: marketing touches, each order's credits under
// every model, the lead source, and the "first of the day" marks the KPI counters count unique
// customers by. It turns a batch's events into touches and credits, and says what the daily
// counters gain (kpis/increments.ts); the decisions are the pure attribution/ and kpis/ modules.
import { creditOrder, orderValue, touchesInWindow, type OrderAttribution } from "../attribution/models.ts";
import { advanceVisit, directTouch, touchFromEvent, touchWorthy, type Touch, type VisitState } from "../attribution/touches.ts";
import { canonicalEventName, commerceEffects, type OrderRecord } from "../commerce/ecommerce.ts";
import { localDay, METRICS, type FunnelStep, type KpiIncrement } from "../kpis/counters.ts";
import { leadIncrements, messageIncrements, orderIncrements, recommendationOrderIncrements, touchIncrements, unsubscribeIncrements } from "../kpis/increments.ts";
import type { SeamEvent } from "../schemas.ts";
import { CLICK_EVENTS, OPEN_EVENTS } from "../triggers/engagement.ts";
import type { MetaCache } from "./meta.ts";
import type { OrderAttributionRow, TouchRow } from "./rows.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";

const TOUCH_COLUMNS = "ts, kind, channel, source, medium, campaign, content, trigger_id, message_id, rec_id, product_id, event_id";
/** "First of the day" marks are kept this many days back: enough for events that arrive a day late. */
const MARK_DAYS_KEPT = 2;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The profile meta key of the "first of the day" marks, by day (never merged: identity/merge.ts OWN_META). */
export const MARKS_KEY = "kpi_marks";
/**
 * The profile meta key of the newest touches, not yet in the touches table (oldest first). Most
 * customers make a few touches ever (one a visit), so they ride in the batch's journal row and the
 * table is never created; past TOUCHES_HELD they move into it in one statement. A merge's snapshot
 * carries them with the table's (customer/store.ts), never as meta.
 */
export const HELD_TOUCHES_KEY = "touches_held";
const TOUCHES_HELD = 8;

const oldestMarkDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - MARK_DAYS_KEPT * DAY_MS).toISOString().slice(0, 10);

/** The workspace settings attribution and counters follow (from its published config). */
export interface ReportingSettings {
  /** Counters count on this time zone's dates. */
  timeZone: string;
  /** Touches up to this many days before an order share its credit. */
  windowDays: number;
}

/** What one of this customer's messages had already seen before the batch (messaging-store.ts answers). */
export interface MessageFacts {
  channel: string;
  trigger_id: string;
  sent: boolean;
  delivered: boolean;
  opened: boolean;
  clicked: boolean;
}

/** The state the batch's counters compare against, read before the batch was applied. */
export interface BeforeBatch {
  consent: Record<string, boolean>;
  messages: ReadonlyMap<string, MessageFacts>;
}

/** The lead source as the API shows it. */
export interface LeadSource {
  channel: string;
  source: string;
  medium: string | null;
  campaign: string | null;
  trigger_id: string | null;
  touched_at: string;
  became_lead_at: string;
}

const touchOf = (row: TouchRow): Touch => ({ ...row, kind: row.kind as Touch["kind"] });

export class AttributionStore {
  private readonly sql: Sql;
  private readonly meta: MetaCache;

  constructor(sql: Sql, meta: MetaCache) {
    this.sql = sql;
    this.meta = meta;
  }

  /**
   * Records the touches of a batch's accepted events (in event-time order) and credits its new
   * orders to the touches before them; answers the counter increments. Call inside a transaction,
   * right after the batch was applied (no await between: they commit together).
   */
  record(events: readonly SeamEvent[], settings: ReportingSettings, before: BeforeBatch): KpiIncrement[] {
    const out: KpiIncrement[] = [];
    const added: Touch[] = [];
    let visit = this.visit();
    const consent = { ...before.consent };
    const opened = new Set<string>();
    const clicked = new Set<string>();
    for (const event of events) {
      const day = localDay(event.timestamp, settings.timeZone);
      const effects = commerceEffects(event);
      if (effects.viewed) this.funnel(day, "views", out);
      if (effects.cart?.kind === "add") this.funnel(day, "carts", out);
      if (effects.order) {
        out.push(...this.creditOrder(effects.order, event, settings, day, added));
        this.funnel(day, "orders", out);
      }
      if (touchWorthy(event, effects.order !== undefined)) {
        const touch = touchFromEvent(event, visit);
        if (touch) {
          added.push(touch);
          out.push(...touchIncrements(touch, day, (dim, value) => this.firstToday(day, `${dim}|${value}`)));
        }
        visit = advanceVisit(visit, event, touch);
      }
      out.push(...this.listAndMessageEvents(event, day, before.messages, opened, clicked));
      out.push(...unsubscribeIncrements(event, consent, day));
    }
    this.insertTouches(added);
    if (visit.lastActivityAt !== null && String(visit.lastActivityAt) !== this.meta.get("visit_at")) {
      this.meta.set("visit_at", visit.lastActivityAt);
      this.meta.set("visit_touch", JSON.stringify(visit.current));
    }
    return out;
  }

  /** Recommendation impressions, and the first open and click of each of this customer's messages. */
  private listAndMessageEvents(event: SeamEvent, day: string, messages: BeforeBatch["messages"], opened: Set<string>, clicked: Set<string>): KpiIncrement[] {
    if (event.type !== "track") return [];
    const name = canonicalEventName(event.event);
    const p = event.properties;
    if (name === "product list viewed" && (typeof p.rec_id === "string" || typeof p.recId === "string"))
      return [[day, "recs", typeof p.list_id === "string" && p.list_id ? p.list_id.slice(0, 100) : "unknown", METRICS.recImpressions, 1]];
    const isClick = CLICK_EVENTS.has(name);
    const messageId = p.message_id;
    if ((!isClick && !OPEN_EVENTS.has(name)) || typeof messageId !== "string") return [];
    const facts = messages.get(messageId);
    if (!facts) return [];
    const out: KpiIncrement[] = [];
    // A click is an open too (the message log stamps both), so a message clicked without its pixel loading still counts as opened.
    if (!facts.opened && !opened.has(messageId)) {
      opened.add(messageId);
      out.push(...messageIncrements(day, facts.channel, facts.trigger_id, METRICS.opened));
    }
    if (isClick && !facts.clicked && !clicked.has(messageId)) {
      clicked.add(messageId);
      out.push(...messageIncrements(day, facts.channel, facts.trigger_id, METRICS.clicked));
    }
    return out;
  }

  /** Credits a new order (an order id seen before is not credited again) and stores the credits with it. */
  private creditOrder(order: OrderRecord, event: SeamEvent, settings: ReportingSettings, day: string, added: readonly Touch[]): KpiIncrement[] {
    const known = this.sql`SELECT 1 FROM order_attribution WHERE order_id = ${order.orderId}`.length > 0;
    if (known) return [];
    const inWindow = touchesInWindow([...this.touches(), ...added], order.timestamp, settings.windowDays);
    // Every order is credited somewhere: with no touch in the window, to a direct touch on its own channel.
    const credited = inWindow.length ? inWindow : [directTouch(order.channel, order.timestamp, event.messageId)];
    const revenue = orderValue(order);
    const attribution = creditOrder(credited, revenue);
    this.sql`INSERT INTO order_attribution (order_id, ts, revenue, window_days, attribution)
             VALUES (${order.orderId}, ${order.timestamp}, ${revenue}, ${settings.windowDays}, ${JSON.stringify(attribution)})`;
    this.sql`DELETE FROM order_attribution WHERE order_id IN (SELECT order_id FROM order_attribution ORDER BY ts DESC LIMIT -1 OFFSET ${CAPS.orderAttribution})`;
    const recClicks = inWindow.filter((t) => t.kind === "recommendation");
    return [...orderIncrements(attribution, day, revenue), ...recommendationOrderIncrements(recClicks, order.products, day)];
  }

  private funnel(day: string, step: FunnelStep, out: KpiIncrement[]): void {
    if (this.firstToday(day, `funnel|${step}`)) out.push([day, "funnel", step, METRICS.customers, 1]);
  }

  /**
   * Whether this is the customer's first time today under `mark` (a dimension value, a funnel
   * step): marks it, so the daily "customers" counters count each customer once a day without any
   * set in the aggregator. The marks of the last MARK_DAYS_KEPT days are one meta value
   * (MARKS_KEY), so marking writes no row of its own: the batch's journal row carries it. Marks
   * made before that live in the kpi_marks table, still read (and dropped when a new day starts).
   */
  private firstToday(day: string, mark: string): boolean {
    if (this.meta.get("marks_day") !== day && day > (this.meta.get("marks_day") ?? "")) {
      this.sql`DELETE FROM kpi_marks WHERE day < ${oldestMarkDay(day)}`;
      this.meta.set("marks_day", day);
    }
    const marks = JSON.parse(this.meta.get(MARKS_KEY) ?? "{}") as Record<string, string[]>;
    if (marks[day]?.includes(mark) || this.sql`SELECT 1 FROM kpi_marks WHERE day = ${day} AND mark = ${mark}`.length > 0) return false;
    marks[day] = [...(marks[day] ?? []), mark];
    const oldest = oldestMarkDay(this.meta.get("marks_day") ?? day);
    for (const kept of Object.keys(marks)) if (kept < oldest) delete marks[kept];
    this.meta.set(MARKS_KEY, JSON.stringify(marks));
    return true;
  }

  /** Holds new touches in the meta, or moves them all into the table once more than TOUCHES_HELD wait (see HELD_TOUCHES_KEY). */
  private insertTouches(touches: readonly Touch[]): void {
    if (touches.length === 0) return;
    const held = [...this.held(), ...touches];
    if (held.length <= TOUCHES_HELD) {
      this.meta.set(HELD_TOUCHES_KEY, JSON.stringify(held));
      return;
    }
    const columns = TOUCH_COLUMNS.split(", ");
    this.sql.text(
      `INSERT INTO touches (${TOUCH_COLUMNS}) SELECT ${columns.map((c) => `value->>'${c}'`).join(", ")} FROM json_each(?)`,
      JSON.stringify(held),
    );
    this.sql`DELETE FROM touches WHERE seq <= (SELECT MAX(seq) FROM touches) - ${CAPS.touches}`;
    this.meta.delete(HELD_TOUCHES_KEY);
  }

  /** The touches the meta holds, oldest written first. */
  held(): Touch[] {
    const json = this.meta.get(HELD_TOUCHES_KEY);
    return json ? (JSON.parse(json) as Touch[]) : [];
  }

  /** The visit in progress: when the customer was last active, and the touch it runs under (two meta keys, merged by the later visit). */
  private visit(): VisitState {
    const at = this.meta.get("visit_at");
    const touch = this.meta.get("visit_touch");
    return { lastActivityAt: at === undefined ? null : Number(at), current: touch ? (JSON.parse(touch) as VisitState["current"]) : null };
  }

  /**
   * Makes the customer a lead once they are known (a user id, an email or a phone): their first
   * touch, or a direct touch on `channel` when they have none, becomes `lead_source`, counted as a
   * new lead on `at`'s day. A merged-in profile that already was a lead brings its `lead_at`, so a
   * sign-in does not count the same person twice. Call inside a transaction, after any merge.
   */
  settleLead(known: boolean, at: number, channel: string, eventId: string, settings: ReportingSettings): KpiIncrement[] {
    if (!known || this.meta.get("lead_at") !== undefined) return [];
    const source = this.touches()[0] ?? directTouch(channel, at, eventId);
    this.meta.set("lead_at", at);
    this.meta.set("lead_source", JSON.stringify(source));
    return leadIncrements(source, localDay(at, settings.timeZone));
  }

  // ---- reads ------------------------------------------------------------------------------------

  /** Every touch kept, oldest first (among equal times, in the order written: the table's, then the meta's). */
  touches(): Touch[] {
    const written = [...this.sql.text<TouchRow>(`SELECT ${TOUCH_COLUMNS} FROM touches ORDER BY seq`).map(touchOf), ...this.held()];
    return written.slice(-CAPS.touches).sort((a, b) => a.ts - b.ts);
  }

  leadSource(): LeadSource | null {
    const stored = this.meta.get("lead_source");
    if (!stored) return null;
    const t = JSON.parse(stored) as Touch;
    return {
      channel: t.channel,
      source: t.source,
      medium: t.medium,
      campaign: t.campaign,
      trigger_id: t.trigger_id,
      touched_at: new Date(t.ts).toISOString(),
      became_lead_at: new Date(Number(this.meta.get("lead_at"))).toISOString(),
    };
  }

  /** Each order's attribution, by order id. */
  orderAttribution(): Map<string, OrderAttributionRow & { parsed: OrderAttribution }> {
    const rows = this.sql<OrderAttributionRow>`SELECT order_id, ts, revenue, window_days, attribution FROM order_attribution`;
    return new Map(rows.map((r) => [r.order_id, { ...r, parsed: JSON.parse(r.attribution) as OrderAttribution }]));
  }
}

