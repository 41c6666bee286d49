// Offline session data for the recommendation evaluator: loading ../shared/data and scoring next-item predictions.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ScoredItem } from "../worker/src/recs/neighbours.ts";
import type { RecentItem } from "../worker/src/recs/score.ts";
import type { TrainingSession } from "../worker/src/recs/train.ts";

/** The shared data folder, next to the repository root; read in place, never copied or bundled. */
export const DATA_DIR = path.join(import.meta.dirname, "..", "..", "shared", "data");

export interface Session extends TrainingSession {
  id: number;
  items: string[];
  times: number[];
}

export interface SessionFile {
  /** Sorted by (SessionId, Time) as session-rec does; equal times keep file order. */
  sessions: Session[];
  /** Session ids in order of first appearance in the file: the published "first N sessions". */
  fileOrder: number[];
}

/** Reads a TAB-separated session file with `SessionId`, `ItemId` and `Time` columns. */
export function loadSessionFile(relativePath: string): SessionFile {
  const [header, ...lines] = readFileSync(path.join(DATA_DIR, relativePath), "utf8").split("\n");
  const columns = header!.trim().split("\t");
  const [sessionCol, itemCol, timeCol] = ["SessionId", "ItemId", "Time"].map((name) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`${relativePath}: no ${name} column`);
    return index;
  }) as [number, number, number];
  const rows: { session: number; item: string; time: number; line: number }[] = [];
  lines.forEach((text, line) => {
    if (text.trim() === "") return;
    const cells = text.split("\t");
    rows.push({ session: Number(cells[sessionCol]), item: cells[itemCol]!, time: Number(cells[timeCol]), line });
  });
  const fileOrder = [...new Set(rows.map((r) => r.session))];
  rows.sort((a, b) => a.session - b.session || a.time - b.time || a.line - b.line);
  const byId = new Map<number, Session>();
  for (const { session, item, time } of rows) {
    let s = byId.get(session);
    if (!s) byId.set(session, (s = { id: session, items: [], times: [] }));
    s.items.push(item);
    s.times.push(time);
  }
  return { sessions: [...byId.values()], fileOrder };
}

/** The first `count` sessions in file order (the ECIR 2024 and session-rec subsets), sorted by id. */
export function firstSessions(file: SessionFile, count: number): Session[] {
  const keep = new Set(file.fileOrder.slice(0, count));
  return file.sessions.filter((s) => keep.has(s.id));
}

/** Latest click time in a training set: the moment the neighbour lists are materialised. */
export function latestTime(sessions: readonly Session[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const s of sessions) for (const t of s.times) latest = Math.max(latest, t);
  return latest;
}

export interface Accuracy {
  hr20: number;
  mrr20: number;
  points: number;
}

/** The cut-off of HR@k and MRR@k: the published tables use 20. */
export const CUTOFF = 20;

/**
 * session-rec's next-item protocol: after every prefix s1..sp (p ≥ 1) predict s(p+1); HR@20 is
 * the share of points whose target is in the top 20, MRR@20 the mean of 1/rank (0 beyond 20).
 */
export function evaluateNextItem(
  sessions: readonly Session[],
  predict: (prefix: RecentItem[]) => ScoredItem[],
): Accuracy {
  let hits = 0;
  let reciprocalRanks = 0;
  let points = 0;
  for (const session of sessions) {
    const prefix: RecentItem[] = [];
    for (let position = 0; position < session.items.length - 1; position++) {
      prefix.push({ item: session.items[position]!, ts: session.times[position]! });
      const rank = predict(prefix.slice())
        .slice(0, CUTOFF).findIndex((r) => r.item === session.items[position + 1]);
      points++;
      if (rank >= 0) {
        hits++;
        reciprocalRanks += 1 / (rank + 1);
      }
    }
  }
  return { hr20: hits / points, mrr20: reciprocalRanks / points, points };
}
