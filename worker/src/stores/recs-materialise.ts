// The cron's job: turn D1 aggregates of changed items into the KV lists the recommendations read.
import type { Env } from "../env.ts";
import {
  decayScale,
  neighboursKey,
  RELATIONS_BY_KIND,
  TRENDING_SIZE,
  trendingKey,
  type EdgeNeighbours,
  type EdgeRelation,
} from "../recs/edge.ts";
import type { NeighbourList } from "../recs/neighbours.ts";
import { SESSION_BLEND } from "../recs/recommenders.ts";
import { relatedItems } from "../recs/train.ts";
import { publishLookupsVersion } from "./recs-lookups.ts";

/** Changed items materialised per workspace per run; the rest wait for the next run. */
export const MATERIALISE_BATCH = 2000;
/** Session clicks older than this no longer pair with new ones (sessions end after 30 minutes). */
export const SESSION_CLICKS_RETENTION_MS = 2 * 86_400_000;
const MAX_TOP_K = Math.max(
  ...Object.values(RELATIONS_BY_KIND).flatMap((relations) => Object.values(relations).map((r) => r.topK)),
);

export interface MaterialiseReport {
  workspaces: number;
  items: number;
  categories: number;
}

/** Each item's top-K lists per relation, best first, normalised so the best scores 1 (as offline). */
async function readLists(db: D1Database, workspaceId: string, items: string[]): Promise<Map<string, EdgeNeighbours>> {
  const lists = new Map<string, EdgeNeighbours>(items.map((item) => [item, { views: 0 }]));
  const { results } = await db
    .prepare(
      `WITH wanted AS (SELECT value AS item FROM json_each(?)),
       ranked AS (
         SELECT p.item, p.relation, p.other, p.weight,
                ROW_NUMBER() OVER (PARTITION BY p.item, p.kind, p.relation ORDER BY p.weight DESC, p.rowid) AS n
         FROM item_pairs p JOIN wanted ON p.item = wanted.item
         WHERE p.workspace_id = ?)
       SELECT item, relation, other, weight FROM ranked WHERE n <= ? ORDER BY item, relation, n`,
    )
    .bind(JSON.stringify(items), workspaceId, MAX_TOP_K)
    .all<{ item: string; relation: EdgeRelation; other: string; weight: number }>();
  let best = 0;
  for (const row of results) {
    const entry = lists.get(row.item)!;
    const list = (entry[row.relation] ??= []);
    if (list.length === 0) best = row.weight;
    list.push({ item: row.other, score: row.weight / best });
  }
  return lists;
}

async function kvNeighbours(kv: KVNamespace, workspaceId: string, item: string): Promise<EdgeNeighbours | undefined> {
  return (await kv.get<EdgeNeighbours>(neighboursKey(workspaceId, item), "json")) ?? undefined;
}

async function materialiseWorkspace(env: Env, workspaceId: string, now: number): Promise<{ items: number; categories: number }> {
  const { results: dirty } = await env.DB.prepare(`SELECT item FROM dirty_items WHERE workspace_id = ? LIMIT ?`)
    .bind(workspaceId, MATERIALISE_BATCH)
    .all<{ item: string }>();
  const items = dirty.map((r) => r.item);
  if (items.length === 0) return { items: 0, categories: 0 };

  const fresh = await readLists(env.DB, workspaceId, items);
  const { results: stats } = await env.DB.prepare(
    `SELECT s.item, s.views, COALESCE(s.category, c.category) AS category
     FROM item_stats s LEFT JOIN catalog c ON c.workspace_id = s.workspace_id AND c.product_id = s.item AND c.variant = ''
     WHERE s.workspace_id = ? AND s.item IN (SELECT value FROM json_each(?))`,
  )
    .bind(workspaceId, JSON.stringify(items))
    .all<{ item: string; views: number; category: string | null }>();
  const nowScale = decayScale(now);
  for (const s of stats) fresh.get(s.item)!.views = s.views / nowScale;

  // Two-hop lists need the direct lists of every neighbour: fresh ones from this run, else KV's.
  if (SESSION_BLEND.training.related) {
    const graph = new Map<string, EdgeNeighbours>(fresh);
    const missing = new Set<string>();
    for (const lists of fresh.values())
      for (const { item } of [...(lists.later ?? []), ...(lists.earlier ?? [])]) if (!graph.has(item)) missing.add(item);
    await Promise.all(
      [...missing].map(async (item) => {
        const lists = await kvNeighbours(env.RECS_KV, workspaceId, item);
        if (lists) graph.set(item, lists);
      }),
    );
    const related = relatedItems(graph, SESSION_BLEND.training.related.topK);
    for (const [item, lists] of fresh) {
      const list = related.get(item);
      if (list) lists.related = list;
    }
  }

  await Promise.all([...fresh].map(([item, lists]) => env.RECS_KV.put(neighboursKey(workspaceId, item), JSON.stringify(lists))));
  await env.DB.prepare(`DELETE FROM dirty_items WHERE workspace_id = ? AND item IN (SELECT value FROM json_each(?))`)
    .bind(workspaceId, JSON.stringify(items))
    .run();

  const categories = [...new Set(stats.map((s) => s.category).filter((c): c is string => !!c))];
  await Promise.all([undefined, ...categories].map((category) => writeTrending(env, workspaceId, category)));
  await publishLookupsVersion(env.RECS_KV, workspaceId, now);
  return { items: items.length, categories: categories.length };
}

/** The most popular items (decayed views, carts and purchases) of a category, or of the whole store. */
async function writeTrending(env: Env, workspaceId: string, category: string | undefined): Promise<void> {
  const { results } = await env.DB.prepare(
    `SELECT s.item, s.popularity FROM item_stats s
     LEFT JOIN catalog c ON c.workspace_id = s.workspace_id AND c.product_id = s.item AND c.variant = ''
     WHERE s.workspace_id = ? AND (?2 IS NULL OR COALESCE(s.category, c.category) = ?2)
     ORDER BY s.popularity DESC, s.item LIMIT ?3`,
  )
    .bind(workspaceId, category ?? null, TRENDING_SIZE)
    .all<{ item: string; popularity: number }>();
  const best = results[0]?.popularity ?? 0;
  const list: NeighbourList = best > 0 ? results.map((r) => ({ item: r.item, score: r.popularity / best })) : [];
  // A KV write costs ten reads: a list that came out as it was is not written again.
  const key = trendingKey(workspaceId, category);
  const value = JSON.stringify(list);
  if ((await env.RECS_KV.get(key)) !== value) await env.RECS_KV.put(key, value);
}

/** Materialises every workspace's changed items (up to MATERIALISE_BATCH each) and prunes old clicks. */
export async function materialiseRecommendations(env: Env, now: number): Promise<MaterialiseReport> {
  await env.DB.prepare(`DELETE FROM session_clicks WHERE ts < ?`).bind(now - SESSION_CLICKS_RETENTION_MS).run();
  const { results } = await env.DB.prepare(`SELECT DISTINCT workspace_id FROM dirty_items`).all<{ workspace_id: string }>();
  const report: MaterialiseReport = { workspaces: 0, items: 0, categories: 0 };
  for (const { workspace_id } of results) {
    const done = await materialiseWorkspace(env, workspace_id, now);
    report.workspaces += 1;
    report.items += done.items;
    report.categories += done.categories;
  }
  return report;
}
