// What the edge aggregates per kind of fact, how it decays, and the shape of its KV values.
import { fnv1a } from "../aggregator/shards.ts";
import type { FactKind } from "../facts.ts";
import type { NeighbourList } from "./neighbours.ts";
import { STEP_WEIGHTINGS, type PairRule } from "./pairs.ts";
import { RULES_TOP_K, SESSION_BLEND } from "./recommenders.ts";
import type { ItemNeighbours } from "./train.ts";

/** One item's KV value: the blend's lists (from views) plus carted- and bought-together lists. */
export interface EdgeNeighbours extends ItemNeighbours {
  cartedTogether?: NeighbourList;
  boughtTogether?: NeighbourList;
}

export type EdgeRelation = "successors" | "later" | "earlier" | "cartedTogether" | "boughtTogether";

/**
 * Clicks of a session kept for pairing. Association rules pair every click with every earlier
 * one; a session longer than this pairs with its latest clicks only (bounded work per fact).
 */
export const SESSION_CLICKS_CAP = 50;

/** "Carted together" / "bought together": association rules within a session's carts or purchases. */
const TOGETHER: { rule: PairRule; topK: number } = {
  rule: { maxDistance: SESSION_CLICKS_CAP, forward: STEP_WEIGHTINGS.same, backward: STEP_WEIGHTINGS.same },
  topK: RULES_TOP_K,
};

/** The relations each kind of fact feeds: views train the session blend (as evaluated offline). */
export const RELATIONS_BY_KIND: Record<FactKind, Partial<Record<EdgeRelation, { rule: PairRule; topK: number }>>> = {
  view: SESSION_BLEND.training.relations as Partial<Record<EdgeRelation, { rule: PairRule; topK: number }>>,
  cart: { cartedTogether: TOGETHER },
  buy: { boughtTogether: TOGETHER },
};

/** How much one fact adds to an item's popularity (trending): a purchase says more than a view. */
export const POPULARITY_WEIGHT: Record<FactKind, number> = { view: 1, cart: 3, buy: 5 };

export const HALF_LIFE_DAYS = SESSION_BLEND.training.halfLifeDays;
/**
 * Decay without rewriting rows: a fact at time t adds w · 2^((t − epoch) / half-life), and a
 * read divides by the same factor at "now". Normalised lists do not need the division at all.
 * With a 4-day half-life the factor reaches 2^1000 (the edge of a double) about 11 years after
 * the epoch: move the epoch forward (and rescale the tables) before 2036.
 */
export const DECAY_EPOCH_MS = Date.UTC(2026, 0, 1);
const HALF_LIFE_MS = HALF_LIFE_DAYS * 86_400_000;

export function decayScale(ts: number): number {
  return 2 ** ((ts - DECAY_EPOCH_MS) / HALF_LIFE_MS);
}

/** Lists are normalised by their best entry; popularity is compared within one read. */
export const TRENDING_SIZE = 50;

/**
 * Neighbour lists are packed: one KV value per page holds the lists of every item hashed to it, so
 * a cron run writes at most NEIGHBOUR_PAGES values per workspace however many items changed (a KV
 * write costs ten reads), and readers share one cached page across its items. 16 pages keep a page
 * near 100 KB for a 2,000-product store (about 3 KB of lists per item) and under the 25 MiB value
 * limit up to roughly 100,000 items with lists; docs/scale.md has the arithmetic.
 */
export const NEIGHBOUR_PAGES = 16;

/** The page of an item: a hash independent of the item's shard (aggregator/shards.ts fnv1a of a prefixed id). */
export const neighboursPageOf = (item: string) => fnv1a(`page:${item}`) % NEIGHBOUR_PAGES;
/** One page of lists: item → its EdgeNeighbours. */
export type NeighbourPage = Record<string, EdgeNeighbours>;
export const neighboursPageKey = (workspaceId: string, page: number) => `nbp:${workspaceId}:${page}`;
/** Trending of every category in one value: category ("" = the whole catalog) → its list. */
export type TrendingLists = Record<string, NeighbourList>;
export const trendingKey = (workspaceId: string) => `trend:${workspaceId}`;
