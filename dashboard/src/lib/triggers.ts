// Triggers as the editor sees them: the PUT body a definition saves as (PUT replaces the whole
// definition), which settings each template uses, and delays in the unit a person thinks in.
import type { TriggerDefinition } from "../api/types.ts";

/** The body of `PUT /v1/admin/triggers/:id` that saves this definition as it is. */
export function triggerInput(d: TriggerDefinition): Record<string, unknown> {
  return {
    template: d.template,
    enabled: d.enabled,
    steps: d.steps,
    cooldown_hours: d.cooldown_hours,
    expires_after_hours: d.expires_after_hours,
    wait_for_caps: d.wait_for_caps,
    channels: d.channels,
    cascade_wait_hours: d.cascade_wait_hours,
    min_views: d.min_views,
    min_drop_percent: d.min_drop_percent,
    interest_days: d.interest_days,
    // The API wants at least one entry event when the list is given; only welcome_series has any.
    ...(d.entry_events.length ? { entry_events: d.entry_events } : {}),
    content: d.content,
  };
}

/** Template-specific settings, shown only for the templates that read them (worker/src/triggers/definitions.ts). */
export const TEMPLATE_SETTINGS: Record<string, ("min_views" | "min_drop_percent" | "interest_days" | "entry_events")[]> = {
  browse_abandonment: ["min_views"],
  price_drop: ["min_drop_percent", "interest_days"],
  back_in_stock: ["interest_days"],
  welcome_series: ["entry_events"],
  new_in_favourite_category: ["min_views", "interest_days"],
};

export type DelayUnit = "minutes" | "hours" | "days";
export const DELAY_UNITS: Record<DelayUnit, number> = { minutes: 1, hours: 60, days: 24 * 60 };

/** The largest unit a delay is a whole number of: 1440 → 1 day, 90 → 90 minutes. */
export function delayInUnit(minutes: number): { amount: number; unit: DelayUnit } {
  if (minutes > 0 && minutes % DELAY_UNITS.days === 0) return { amount: minutes / DELAY_UNITS.days, unit: "days" };
  if (minutes > 0 && minutes % DELAY_UNITS.hours === 0) return { amount: minutes / DELAY_UNITS.hours, unit: "hours" };
  return { amount: minutes, unit: "minutes" };
}

/** The trigger id the API accepts (TRIGGER_ID_PATTERN). */
export const TRIGGER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
