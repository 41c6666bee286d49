// What the CustomerDO's ingest RPC takes and answers (routes/ingest.ts sends it, customer/CustomerDO.ts applies it).
import type { ItemFact } from "../facts.ts";
import type { Location } from "../geo/near-store.ts";
import type { KpiFact } from "../kpis/counters.ts";
import type { RecsQuery, RecsResult } from "../recs/serve.ts";
import type { SeamEvent, VisitorProfile } from "../schemas.ts";
import type { SegmentFact } from "../segments/facts.ts";

export interface IngestRequest {
  workspaceId: string;
  profileKey: string;
  events: SeamEvent[];
  /** Answer with the visitor profile after the batch (and any merge it caused). */
  includeProfile?: boolean;
  /** How many forwarding pointers this request has followed. */
  hops?: number;
  /** The time zone of the edge that received the request (`request.cf.timezone`), for quiet hours. */
  edgeTimeZone?: string;
  /** Where a browser's request came from (`request.cf`): near one of the workspace's stores sets `near_store`. */
  location?: Location;
  /** Recommendations to answer after the batch is applied (the page's widgets, asked with its events). */
  recs?: RecsQuery[];
  /**
   * The caller sends the segment facts the batch makes (the ingest route's queue window): they
   * come back in `segmentFacts`, marked as handed over in the batch's transaction. Without it
   * they leave through the object's outbox (a queue message of their own, retried by the alarm).
   */
  segmentFacts?: boolean;
}

export interface IngestOutcome {
  /** One per request event, in request order. */
  statuses: ("accepted" | "duplicate")[];
  facts: ItemFact[];
  /** What the batch adds to the daily KPI counters (touches, orders per model, leads …), when anything. */
  kpis?: KpiFact;
  /** The profile the events landed in (after forwarding). */
  profileKey: string;
  profile?: VisitorProfile;
  /** One per `recs` query, in order. */
  recs?: RecsResult[];
  /** Segment facts handed over to the caller (IngestRequest.segmentFacts), when the batch made any. */
  segmentFacts?: SegmentFact[];
}
