// What item facts add to the aggregates (session pairs, item stats), as a pure fold: the customer
// object folds each new fact against its session's window (customer/session-pairs.ts), the
// recommendation shards add up the item stats (recs-shards/client.ts).
import type { FactKind, ItemFact } from "../facts.ts";
import { decayScale, POPULARITY_WEIGHT, RELATIONS_BY_KIND, SESSION_CLICKS_CAP } from "./edge.ts";
import { pairIncrements } from "./pairs.ts";

/** The additions of a run of facts, summed per row. */
export interface Fold {
  clicks: { workspaceId: string; kind: FactKind; session: string; messageId: string; item: string; ts: number }[];
  pairs: Map<string, { workspaceId: string; kind: FactKind; relation: string; item: string; other: string; weight: number }>;
  stats: Map<string, { workspaceId: string; item: string; category: string | null; views: number; carts: number; buys: number; popularity: number }>;
  dirty: Set<string>;
}

/** Decay-scaled counts one item gathers from its facts (item stats, trending). */
export interface ItemStatSums {
  category: string | null;
  views: number;
  carts: number;
  buys: number;
  popularity: number;
}

/** Adds one fact to its item's stats: the one definition of what a view, cart or purchase counts. */
export function addFactStats(stat: ItemStatSums, fact: Pick<ItemFact, "kind" | "ts" | "quantity" | "category">): void {
  const scale = decayScale(fact.ts);
  if (fact.kind === "view") stat.views += scale;
  if (fact.kind === "cart") stat.carts += scale * (fact.quantity ?? 1);
  if (fact.kind === "buy") stat.buys += scale * (fact.quantity ?? 1);
  stat.popularity += POPULARITY_WEIGHT[fact.kind] * scale;
  stat.category = fact.category ?? stat.category;
}

/** How many of a session's latest clicks a new fact of this kind pairs with. */
export function pairingWindow(kind: FactKind): number {
  const distances = Object.values(RELATIONS_BY_KIND[kind]).map((spec) => spec.rule.maxDistance);
  return Math.min(SESSION_CLICKS_CAP, Math.max(0, ...distances));
}

export const clickKey = (messageId: string, item: string) => `${messageId}\u0000${item}`;

/**
 * Pure: what a batch of facts adds, given each session's latest clicks already folded (oldest
 * first, at least `pairingWindow(kind)` of them) and which of the batch's own facts were folded
 * before (`alreadyFolded`, keys `messageId NUL item`: a redelivered message), which add nothing.
 */
export function foldFacts(
  groups: {
    workspaceId: string;
    kind: FactKind;
    session: string;
    facts: ItemFact[];
    folded: { messageId: string; item: string }[];
    alreadyFolded: ReadonlySet<string>;
  }[],
): Fold {
  const fold: Fold = { clicks: [], pairs: new Map(), stats: new Map(), dirty: new Set() };
  for (const { workspaceId, kind, session, facts, folded, alreadyFolded } of groups) {
    const seen = new Set([...folded.map((c) => clickKey(c.messageId, c.item)), ...alreadyFolded]);
    const previous = folded.map((c) => c.item);
    for (const fact of facts) {
      const id = clickKey(fact.messageId, fact.item);
      if (seen.has(id)) continue;
      seen.add(id);
      const scale = decayScale(fact.ts);
      for (const [relation, spec] of Object.entries(RELATIONS_BY_KIND[kind])) {
        for (const { from, to, weight } of pairIncrements(spec.rule, previous.slice(-spec.rule.maxDistance), fact.item, scale)) {
          const key = `${workspaceId}\u0000${kind}\u0000${relation}\u0000${from}\u0000${to}`;
          const row = fold.pairs.get(key);
          if (row) row.weight += weight;
          else fold.pairs.set(key, { workspaceId, kind, relation, item: from, other: to, weight });
          fold.dirty.add(`${workspaceId}\u0000${from}`);
        }
      }
      const statKey = `${workspaceId}\u0000${fact.item}`;
      const stat = fold.stats.get(statKey) ?? { workspaceId, item: fact.item, category: null, views: 0, carts: 0, buys: 0, popularity: 0 };
      addFactStats(stat, { ...fact, kind });
      fold.stats.set(statKey, stat);
      fold.dirty.add(statKey);
      fold.clicks.push({ workspaceId, kind, session, messageId: fact.messageId, item: fact.item, ts: fact.ts });
      previous.push(fact.item);
      if (previous.length > SESSION_CLICKS_CAP) previous.shift();
    }
  }
  return fold;
}

