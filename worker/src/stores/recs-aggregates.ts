// Folds item facts from the events queue into D1: one read of what the fold needs, the pure fold, one batch of upserts.
import type { ItemFact } from "../facts.ts";
import { clickKey, foldFacts, groupBySession, pairingWindow, type Fold } from "../recs/fold.ts";

/** Rows per jsonb_each statement: keeps each bound JSON parameter around a few hundred KB. */
const ROWS_PER_STATEMENT = 2000;

function jsonChunks<T>(rows: T[]): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) chunks.push(JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)));
  return chunks;
}

/**
 * Folds a queue batch's facts into D1: one read of what the fold needs (each session's latest
 * `pairingWindow` clicks, and which of the batch's facts were folded before), one pure fold, then
 * one D1 batch of set-based upserts (jsonb_each), which D1 runs as a single transaction: the fold
 * and the record of which facts it folded commit together, so a redelivered batch adds nothing.
 * The events consumer runs one batch at a time (max_concurrency = 1 in wrangler.toml), so no two
 * folds of one session race between the read and the write.
 */
export async function aggregateFacts(db: D1Database, facts: { workspaceId: string; fact: ItemFact }[]): Promise<Fold> {
  const groups = groupBySession(facts);
  const folded = groups.map(() => [] as { messageId: string; item: string }[]);
  const alreadyFolded = groups.map(() => new Set<string>());
  // Both reads go through the primary key or the (workspace, kind, session, ts) index: a long
  // session costs its window, not its length.
  const reads: D1PreparedStatement[] = [];
  const byWindow = new Map<number, [number, string, string, string][]>();
  groups.forEach((g, i) => {
    const window = pairingWindow(g.kind);
    if (window === 0) return;
    const list = byWindow.get(window) ?? [];
    list.push([i, g.workspaceId, g.kind, g.session]);
    byWindow.set(window, list);
  });
  // SQLite's LIMIT cannot name an outer column: one statement per window size (there are two).
  for (const [window, list] of byWindow)
    for (const chunk of jsonChunks(list))
      reads.push(
        db
          .prepare(
            `SELECT w.value->>0 AS g, c.message_id, c.item
             FROM jsonb_each(?) w JOIN session_clicks c ON c.rowid IN (
               SELECT rowid FROM session_clicks
               WHERE workspace_id = w.value->>1 AND kind = w.value->>2 AND session = w.value->>3
               ORDER BY ts DESC, rowid DESC LIMIT ?)
             ORDER BY g, c.ts, c.rowid`,
          )
          .bind(chunk, window),
      );
  const windowReads = reads.length;
  for (const chunk of jsonChunks(groups.flatMap((g, i) => g.facts.map((f) => [i, g.workspaceId, g.kind, g.session, f.messageId, f.item]))))
    reads.push(
      db
        .prepare(
          `SELECT f.value->>0 AS g, c.message_id, c.item
           FROM jsonb_each(?) f JOIN session_clicks c
             ON c.workspace_id = f.value->>1 AND c.kind = f.value->>2 AND c.session = f.value->>3
            AND c.message_id = f.value->>4 AND c.item = f.value->>5`,
        )
        .bind(chunk),
    );
  const answers = reads.length ? await db.batch<{ g: number; message_id: string; item: string }>(reads) : [];
  answers.forEach((answer, r) => {
    for (const row of answer.results) {
      if (r < windowReads) folded[row.g]!.push({ messageId: row.message_id, item: row.item });
      else alreadyFolded[row.g]!.add(clickKey(row.message_id, row.item));
    }
  });
  const fold = foldFacts(groups.map((g, i) => ({ ...g, folded: folded[i]!, alreadyFolded: alreadyFolded[i]! })));

  const statements: D1PreparedStatement[] = [];
  for (const rows of jsonChunks(fold.clicks.map((c) => [c.workspaceId, c.kind, c.session, c.messageId, c.item, c.ts])))
    statements.push(
      db
        .prepare(
          `INSERT INTO session_clicks (workspace_id, kind, session, message_id, item, ts)
           SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM jsonb_each(?) WHERE true
           ON CONFLICT DO NOTHING`,
        )
        .bind(rows),
    );
  for (const rows of jsonChunks([...fold.pairs.values()].map((p) => [p.workspaceId, p.kind, p.relation, p.item, p.other, p.weight])))
    statements.push(
      db
        .prepare(
          `INSERT INTO item_pairs (workspace_id, kind, relation, item, other, weight)
           SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM jsonb_each(?) WHERE true
           ON CONFLICT (workspace_id, kind, relation, item, other) DO UPDATE SET weight = weight + excluded.weight`,
        )
        .bind(rows),
    );
  for (const rows of jsonChunks([...fold.stats.values()].map((s) => [s.workspaceId, s.item, s.category, s.views, s.carts, s.buys, s.popularity])))
    statements.push(
      db
        .prepare(
          `INSERT INTO item_stats (workspace_id, item, category, views, carts, buys, popularity)
           SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM jsonb_each(?) WHERE true
           ON CONFLICT (workspace_id, item) DO UPDATE SET
             category = COALESCE(excluded.category, category),
             views = views + excluded.views, carts = carts + excluded.carts, buys = buys + excluded.buys,
             popularity = popularity + excluded.popularity`,
        )
        .bind(rows),
    );
  for (const rows of jsonChunks([...fold.dirty].map((key) => key.split("\u0000"))))
    statements.push(
      db
        .prepare(
          `INSERT INTO dirty_items (workspace_id, item) SELECT value->>0, value->>1 FROM jsonb_each(?) WHERE true
           ON CONFLICT DO NOTHING`,
        )
        .bind(rows),
    );
  if (statements.length) await db.batch(statements);
  return fold;
}
