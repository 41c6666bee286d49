// Serving one recommendation request: candidates by type, exclusions, category variety, fallbacks.
// No Cloudflare import: lookups (KV at the edge, maps in tests) are passed in.
import type { ProductCard } from "../catalog/product.ts";
import { REC_TYPES, type RecommendedItem, type RecsFallback, type RecType } from "../contracts.ts";
import type { EdgeNeighbours } from "./edge.ts";
import type { NeighbourList, ScoredItem } from "./neighbours.ts";
import { BLEND_LIST_LOOKUPS, SESSION_BLEND } from "./recommenders.ts";
import { recommend, type RecentItem } from "./score.ts";

export { REC_TYPES, type RecommendedItem, type RecsFallback, type RecType };

export const DEFAULT_LIMIT = 8;
export const MAX_LIMIT = 50;
/** Candidates scored per request: enough to fill `limit` after exclusions and stock. */
export const CANDIDATES = 100;
/** Cards are read in rounds of this many (one KV read each), until `limit` items are shown. */
const CARD_ROUND = 24;

/** What a customer's object knows that recommendations use. */
export interface RecommendationContext {
  /** Product views, oldest first, repeats included. */
  clicks: RecentItem[];
  cart: string[];
  purchased: string[];
  /** Most recent first; the object fills it only for `recently_viewed`. */
  recentlyViewed: string[];
  lastCategory: string | null;
}

export interface RecsLookups {
  neighbours(item: string): Promise<EdgeNeighbours | undefined>;
  /** Trending in a category, or in the whole store without one. */
  trending(category?: string): Promise<NeighbourList>;
  /** The catalog's featured, then newest products (of a category): there before any event is. */
  newest(category?: string): Promise<NeighbourList>;
  card(item: string): Promise<ProductCard | undefined>;
}

export interface RecsQuery {
  type: RecType;
  item?: string;
  category?: string;
  limit: number;
}

export interface RecsResult {
  items: RecommendedItem[];
  fallback: RecsFallback;
}

/** No more than this many items of one category in a list that mixes categories. */
export function maxPerCategory(limit: number): number {
  return Math.max(2, Math.ceil(limit / 3));
}

/** A fallback entry: shown after every scored candidate, so it carries no score of its own. */
const unscored = (c: ScoredItem): ScoredItem => ({ item: c.item, score: 0 });

function sumLists(lists: [NeighbourList | undefined, number][]): ScoredItem[] {
  const scores = new Map<string, number>();
  for (const [list, weight] of lists) for (const { item, score } of list ?? []) scores.set(item, (scores.get(item) ?? 0) + weight * score);
  return [...scores].sort((a, b) => b[1] - a[1]).map(([item, score]) => ({ item, score }));
}

/** The session blend, reading the lists of the newest distinct clicks (as evaluated offline). */
async function blend(clicks: RecentItem[], lookups: RecsLookups): Promise<ScoredItem[]> {
  const newest = [...new Set(clicks.slice(-SESSION_BLEND.scoring.historyLength).map((c) => c.item).reverse())].slice(0, BLEND_LIST_LOOKUPS);
  const lists = new Map(await Promise.all(newest.map(async (item) => [item, await lookups.neighbours(item)] as const)));
  return recommend(clicks, (item) => lists.get(item), { ...SESSION_BLEND.scoring, limit: CANDIDATES, fallback: [] });
}

/** Candidates for a request, best first, before exclusions; and whether they are a fallback. */
async function candidates(query: RecsQuery, ctx: RecommendationContext, lookups: RecsLookups): Promise<{ list: ScoredItem[]; fallbackCategory: string | null }> {
  switch (query.type) {
    case "for_you":
      return { list: ctx.clicks.length ? await blend(ctx.clicks, lookups) : [], fallbackCategory: ctx.lastCategory };
    case "similar": {
      const anchor = await lookups.card(query.item!);
      return { list: await blend([{ item: query.item! }], lookups), fallbackCategory: anchor?.category ?? null };
    }
    case "bought_together": {
      const lists = await lookups.neighbours(query.item!);
      const anchor = await lookups.card(query.item!);
      // Bought together first, then carted together, then viewed together: the signal thins out.
      const list = sumLists([
        [lists?.boughtTogether, 1],
        [lists?.cartedTogether, 0.5],
        [lists?.later, 0.1],
        [lists?.earlier, 0.1],
      ]);
      return { list, fallbackCategory: anchor?.category ?? null };
    }
    case "cart": {
      const lists = await Promise.all(ctx.cart.map((item) => lookups.neighbours(item)));
      const list = sumLists(lists.flatMap((l) => [[l?.boughtTogether, 1], [l?.cartedTogether, 0.5], [l?.later, 0.1]] as [NeighbourList | undefined, number][]));
      return { list, fallbackCategory: ctx.lastCategory };
    }
    case "trending":
      return { list: await lookups.trending(query.category), fallbackCategory: null };
    case "recently_viewed":
      return { list: ctx.recentlyViewed.map((item, i) => ({ item, score: 1 / (i + 1) })), fallbackCategory: null };
  }
}

/**
 * Answers a recommendation request: the type's candidates, then trending in the relevant
 * category and in the store, then the catalog's newest products, as fallbacks; minus what is in
 * the cart, already bought, the item the page is about (`item`: the anchor of similar and bought
 * together, and left out of every other type, so a product page never recommends itself), out of
 * stock or not in the catalog; at most `maxPerCategory` of one category in
 * lists that mix categories (for you, cart, store-wide trending).
 */
export async function serveRecommendations(query: RecsQuery, ctx: RecommendationContext, lookups: RecsLookups): Promise<RecsResult> {
  const { list, fallbackCategory } = await candidates(query, ctx, lookups);
  // Fallback lists are read only when the candidates before them could not fill the list.
  const sources: { from: RecsFallback; load: () => Promise<ScoredItem[]> }[] = [{ from: null, load: async () => list }];
  if (query.type === "trending") {
    // A store without aggregates yet has no trending list: its newest products stand in.
    sources.push({ from: "catalog_newest", load: () => lookups.newest(query.category) });
  } else if (query.type !== "recently_viewed") {
    if (fallbackCategory) sources.push({ from: "category_trending", load: async () => (await lookups.trending(fallbackCategory)).map(unscored) });
    sources.push({ from: "global_trending", load: async () => (await lookups.trending()).map(unscored) });
    if (fallbackCategory) sources.push({ from: "catalog_newest", load: () => lookups.newest(fallbackCategory) });
    sources.push({ from: "catalog_newest", load: () => lookups.newest() });
  }

  const excluded = new Set([...ctx.cart, ...ctx.purchased, ...(query.item ? [query.item] : [])]);
  const diverse = query.type === "for_you" || query.type === "cart" || (query.type === "trending" && !query.category);
  const perCategory = new Map<string, number>();
  const cap = maxPerCategory(query.limit);
  const items: RecommendedItem[] = [];
  const overflow: RecommendedItem[] = [];
  let fallback: RecsFallback = null;
  const queued = new Set<string>();

  for (const source of sources) {
    if (items.length >= query.limit) break;
    const queue: ScoredItem[] = [];
    for (const c of await source.load()) {
      if (excluded.has(c.item) || queued.has(c.item)) continue;
      queued.add(c.item);
      queue.push(c);
    }
    for (let i = 0; i < queue.length && items.length < query.limit; i += CARD_ROUND) {
      const round = queue.slice(i, i + CARD_ROUND);
      const cards = await Promise.all(round.map((c) => lookups.card(c.item)));
      round.forEach((c, j) => {
        const card = cards[j];
        if (!card || !card.in_stock || items.length >= query.limit) return;
        const item = { ...card, score: Math.round(c.score * 1e4) / 1e4 };
        const category = card.category ?? "";
        if (diverse && category && (perCategory.get(category) ?? 0) >= cap) return void overflow.push(item);
        perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
        items.push(item);
        if (source.from && !fallback) fallback = source.from;
      });
    }
  }
  // Variety is a preference, not a reason to show fewer items than asked.
  for (const item of overflow) if (items.length < query.limit) items.push(item);
  // A list that the customer's signals filled is no fallback, even if trending topped it up; an
  // item scored only because the visitor viewed it (the blend's repeat boost) is no such signal.
  const clicked = new Set(ctx.clicks.map((c) => c.item));
  if (items.some((i) => i.score > 0 && !(query.type === "for_you" && clicked.has(i.product_id))))
    fallback = null;
  return { items, fallback };
}
