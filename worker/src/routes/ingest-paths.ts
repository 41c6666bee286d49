// The Segment ingest paths, apart from their handler so CORS can name them without importing ingest.
import type { EventType } from "../schemas.ts";

/** analytics.js (analytics-next) posts single events to one-letter paths and batches to `/b`. */
export const INGEST_ROUTES = {
  batch: ["/batch", "/b", "/import"],
  track: ["/track", "/t"],
  identify: ["/identify", "/i"],
  page: ["/page", "/p"],
  screen: ["/screen", "/s"],
  alias: ["/alias", "/a"],
  group: ["/group", "/g"],
} as const satisfies Record<EventType | "batch", readonly string[]>;

export const INGEST_PATHS: readonly string[] = Object.values(INGEST_ROUTES).flat();
