// The report pages' state in the URL (`?from=&to=&model=`), so a view can be bookmarked and shared.
import { useMemo } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { query } from "../api/client.ts";
import { ATTRIBUTION_MODELS, type AttributionModel } from "../api/reports.ts";
import { rangeFromQuery, type DateRange } from "./date-range.ts";

export const MODEL_NAMES: Record<AttributionModel, string> = {
  first_touch: "First touch",
  last_touch: "Last touch",
  linear: "Linear",
  position_based: "Position",
};

export function modelFromQuery(value: string | undefined): AttributionModel {
  return (ATTRIBUTION_MODELS as readonly string[]).includes(value ?? "") ? (value as AttributionModel) : "last_touch";
}

export function useReportQuery() {
  const { query: params, route, path } = useLocation();
  const today = useMemo(() => new Date(), []);
  const range = rangeFromQuery(params, today);
  const model = modelFromQuery(params.model);
  const set = (next: Record<string, string | undefined> | DateRange) => route(`${path}${query({ ...params, ...next })}`, true);
  return { params, today, range, model, set };
}

/** Where a day's series point sits on the chart's x axis: the day's local midnight, in seconds. */
export function daySeconds(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y!, m! - 1, d!).getTime() / 1000;
}
