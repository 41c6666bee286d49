// What the dashboard reads from Seam's API: the fields its pages show, as the routes answer them
// (worker/src/customer/views.ts, the messaging state, the outbox, trigger definitions, /v1/recs).

export interface Session {
  signed_in: true;
  workspace: { id: string; name: string; write_key: string };
  expires_at: string;
  csrf_token: string;
}

export interface SeamEventView {
  messageId: string;
  type: "track" | "identify" | "page" | "screen" | "alias" | "group";
  event?: string;
  name?: string;
  timestamp: number;
  channel: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

export interface CartLine {
  product_id: string;
  variant: string | null;
  quantity: number;
  name: string | null;
  price: number | null;
  currency: string | null;
  image_url: string | null;
  source: { channel: string; device: string | null };
  added_at: string;
  updated_at: string;
}

export interface Order {
  order_id: string;
  total: number | null;
  revenue: number | null;
  currency: string | null;
  products: { product_id: string; quantity: number; price?: number; name?: string }[];
  channel: string;
  timestamp: string;
  attribution?: OrderAttribution | null;
}

export interface Touchpoint {
  timestamp: string;
  channel: string;
  type: string;
  event: string | null;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  message_id: string;
}

export interface CustomerState {
  profile_key: string;
  first_seen: string;
  last_seen: string;
  event_count: number;
  traits: Record<string, unknown>;
  identities: { kind: string; value: string; verified: boolean; first_seen: string; last_seen: string }[];
  linked_profiles: string[];
  consent: Record<string, boolean>;
  cart: { lines: CartLine[]; item_count: number; subtotal: number; currency: string | null; updated_at: string | null };
  viewed_items: { product_id: string; view_count: number; last_seen: string; name: string | null; price: number | null }[];
  orders: Order[];
  channel_history: Touchpoint[];
  recent_events: SeamEventView[];
  /** Attribution (issue 12): where the customer came from, their marketing touches newest first, their segments (ids). */
  lead_source?: LeadSource | null;
  touches?: TouchView[];
  segments?: string[];
}

export interface LeadSource {
  channel: string;
  source: string;
  medium: string | null;
  campaign: string | null;
  trigger_id: string | null;
  touched_at: string;
  became_lead_at: string;
}

export interface TouchView {
  timestamp: string;
  kind: "utm" | "referral" | "organic" | "direct" | "message" | "recommendation" | string;
  channel: string;
  source: string;
  medium: string | null;
  campaign: string | null;
  trigger_id: string | null;
  message_id: string | null;
  product_id: string | null;
}

/** An order's credits under every model: each credited touch with its share and the revenue it is worth. */
export interface OrderAttribution {
  revenue: number;
  window_days: number;
  models: Record<"first_touch" | "last_touch" | "linear" | "position_based", { channel: string; source: string; medium: string | null; campaign: string | null; touched_at: string; weight: number; revenue: number }[]>;
}

export type MessageStatus = "queued" | "sent" | "delivered" | "failed" | "opened" | "clicked" | string;

export interface CustomerMessage {
  message_id: string;
  trigger_id: string;
  template: string;
  step: number;
  channel: string;
  chosen_by: string | null;
  status: MessageStatus;
  queued_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  opened_at: string | null;
  clicked_at: string | null;
  error: string | null;
}

export interface ScheduleRow {
  id: string;
  trigger_id: string;
  kind: string;
  step: number;
  channel_index: number;
  /** Null until the step is due and its channel chosen. */
  channels: string[] | null;
  due_at: string;
  expires_at: string;
  status: string;
  reason: string | null;
  message_id: string | null;
}

export interface MessagingState {
  time_zone: string | null;
  messages: CustomerMessage[];
  schedule: ScheduleRow[];
  runs: { run_id: string; trigger_id: string; status: string; reason: string | null; started_at: string; sent_count: number }[];
}

export interface OutboxEntry {
  message_id: string;
  profile_key: string;
  channel: string;
  trigger_id: string;
  template: string;
  step: number;
  created_at: string;
  message: {
    payload?: {
      content?: Record<string, unknown>;
      customer?: { user_id?: string | null; email?: string | null; phone?: string | null; traits?: Record<string, unknown> };
      products?: { product_id: string; name: string | null; price: number | null; currency: string | null }[];
      order?: { order_id: string; total: number | null; currency: string | null } | null;
      cart?: { lines?: unknown[] } | null;
    };
  };
}

export interface TriggerStep {
  delay_minutes: number;
  content?: Record<string, unknown>;
}

export interface TriggerDefinition {
  id: string;
  template: string;
  enabled: boolean;
  version: number;
  steps: TriggerStep[];
  cooldown_hours: number;
  expires_after_hours: number;
  /** A step held by a frequency cap waits for the first allowed slot (true), or is dropped past its expiry. */
  wait_for_caps: boolean;
  channels: string[] | null;
  cascade_wait_hours: number | null;
  min_views: number;
  min_drop_percent: number;
  interest_days: number;
  entry_events: string[];
  content: Record<string, unknown>;
}

export interface TriggerTemplate {
  template: string;
  description: string;
  defaults: Omit<TriggerDefinition, "id" | "template" | "enabled" | "version">;
}

export interface TriggerVersion {
  version: number;
  definition: TriggerDefinition | null;
  created_at: string;
}

export interface CapRule {
  channel: string;
  max_messages?: number;
  window_days?: number;
  min_gap_hours?: number;
}

export interface MessagingPolicy {
  version: number;
  caps: CapRule[];
  quiet_hours: { start: string; end: string } | null;
  default_time_zone: string;
  cascade: { channels: string[]; wait_hours: number };
  preference_trait: string;
  opt_in_channels: string[];
  links: { product_url: string | null; cart_url: string | null; home_url: string | null };
  /** Attribution's conversion window (issue 12); saved back as it was read. */
  conversion_window_days: number;
  /** Browser-given emails and phones confirm themselves (one message with a link) before marketing goes to them. */
  double_opt_in: boolean;
}

export interface Product {
  product_id: string;
  name: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  image_url: string | null;
  url: string | null;
  in_stock?: boolean;
}

export interface RecsAnswer {
  recId: string;
  type: string;
  fallback: string | null;
  items: Product[];
}

/** The channels Seam sends messages on (worker/src/triggers/definitions.ts MESSAGE_CHANNELS). */
export const MESSAGE_CHANNELS = ["email", "sms", "messenger", "push"] as const;
