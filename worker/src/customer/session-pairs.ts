// Pair counting where the session lives: the customer's object keeps its current session's latest
// clicks per kind of fact in its meta and turns each new fact into the pair increments it adds, with
// the consumer's own pure fold (recs/fold.ts), so no global table of session clicks is needed.
import type { FactKind, ItemFact, PairIncrementTuple } from "../facts.ts";
import { clickKey, foldFacts, pairingWindow } from "../recs/fold.ts";
import type { MetaCache } from "./meta.ts";

/** Meta key of a kind's window: `[session, items oldest first]`. Listed in identity/merge.ts OWN_META (never merged). */
export const pairWindowKey = (kind: FactKind) => `pair_window_${kind}`;
export const PAIR_WINDOW_KEYS = (["view", "cart", "buy"] as const).map(pairWindowKey);

type Window = [session: string, items: string[]];

function readWindow(meta: MetaCache, kind: FactKind): Window {
  const raw = meta.get(pairWindowKey(kind));
  return raw ? (JSON.parse(raw) as Window) : ["", []];
}

/**
 * Gives each of a batch's facts (event-time order, as the batch applies them) its pair increments,
 * and drops a fact the fold would skip (the same item twice in one event: it adds nothing, as
 * before). A fact pairs with the latest `pairingWindow(kind)` clicks of its session, its own batch's
 * earlier facts included; a new session starts with an empty window. Only facts of a message the
 * object had not seen arrive here (its dedupe), so each increment leaves the object once.
 */
export function attachSessionPairs(meta: MetaCache, facts: ItemFact[]): ItemFact[] {
  const windows = new Map<FactKind, Window>();
  const seenInBatch = new Map<FactKind, Set<string>>();
  const kept: ItemFact[] = [];
  for (const fact of facts) {
    const size = pairingWindow(fact.kind);
    let window = windows.get(fact.kind) ?? readWindow(meta, fact.kind);
    if (window[0] !== fact.session) window = [fact.session, []];
    const seen = seenInBatch.get(fact.kind) ?? new Set<string>();
    seenInBatch.set(fact.kind, seen);
    const fold = foldFacts([
      {
        workspaceId: "",
        kind: fact.kind,
        session: fact.session,
        facts: [fact],
        // Ids of earlier batches' clicks cannot recur (the object's dedupe): the items are what pairs.
        folded: window[1].map((item) => ({ messageId: "", item })),
        alreadyFolded: seen,
      },
    ]);
    if (fold.stats.size === 0) continue;
    seen.add(clickKey(fact.messageId, fact.item));
    const pairs: PairIncrementTuple[] = [...fold.pairs.values()].map((p) => [p.relation, p.item, p.other, p.weight]);
    kept.push(pairs.length ? { ...fact, pairs } : fact);
    windows.set(fact.kind, [fact.session, size > 0 ? [...window[1], fact.item].slice(-size) : []]);
  }
  for (const [kind, window] of windows) meta.set(pairWindowKey(kind), JSON.stringify(window));
  return kept;
}
