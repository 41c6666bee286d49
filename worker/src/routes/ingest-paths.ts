// The Segment ingest paths, apart from their handler so CORS can name them without importing ingest.
import type { EventType } from "../schemas.ts";

/** analytics.js (analytics-next) posts single events to one-letter paths and batches to `/b`. */
export const INGEST_ROUTES: [EventType | "batch", string[]][] = [
  ["batch", ["/batch", "/b", "/import"]],
  ["track", ["/track", "/t"]],
  ["identify", ["/identify", "/i"]],
  ["page", ["/page", "/p"]],
  ["screen", ["/screen", "/s"]],
  ["alias", ["/alias", "/a"]],
  ["group", ["/group", "/g"]],
];

export const INGEST_PATHS = INGEST_ROUTES.flatMap(([, paths]) => paths);
