// Trigger runs entered and exited, for the triggers report's funnel (entered → sent → opened →
// clicked → converted, and exits by reason). The messaging store tells of each as it writes the
// run row (inside its transaction); they are collected for the rest of that turn and handed on as
// one set of counter increments, on the workspace's dates. Counters, not a ledger: a run counted
// by a turn whose transaction then threw is the rare over-count, never a lost message.
import { localDay, type KpiIncrement } from "../kpis/counters.ts";

/** The increments of a turn's runs, once the workspace's time zone is known. */
export type RunIncrements = (timeZone: string) => KpiIncrement[];

export class RunCounts {
  private pending: { triggerId: string; metric: string; at: number }[] = [];
  private readonly flush: (increments: RunIncrements) => void;

  constructor(flush: (increments: RunIncrements) => void) {
    this.flush = flush;
  }

  /** One run entered (`entered`) or exited (`exited:<reason>`) at `at`. */
  readonly count = (triggerId: string, metric: string, at: number): void => {
    if (this.pending.push({ triggerId, metric, at }) > 1) return;
    // After the synchronous transaction that wrote the row has committed.
    queueMicrotask(() => {
      const taken = this.pending.splice(0);
      this.flush((timeZone) => taken.map((c): KpiIncrement => [localDay(c.at, timeZone), "trigger", c.triggerId, c.metric, 1]));
    });
  };
}
