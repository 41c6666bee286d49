// The shard benchmark's route (`npm run bench:scale`, dev-only like the floor: SEAM_DEV_BENCH=on):
// drives ONE recommendation shard directly, so its own rate is measured, not the path in front of it.
//   POST /__shard?op=add&shard=S&facts=F&items=I&seed=N — F product views (sessions of 5 over I items,
//     popular items more often) with the pair increments a customer object computes for them (the same
//     fold), handed to shard S as one call: what one queue message of F facts costs the shard.
//   POST /__shard?op=fold&shard=S — the cron's first step: fold the logged calls into the item rows.
import type { Env } from "../env.ts";
import type { ItemFact, PairIncrementTuple } from "../facts.ts";
import { foldFacts } from "../recs/fold.ts";
import { messageParts } from "../recs-shards/client.ts";

export const SHARD_BENCH_PATH = "/__shard";
const WORKSPACE = "bench";
const SESSION_LENGTH = 5;

function syntheticViews(count: number, items: number, seed: number, at: number): ItemFact[] {
  let state = seed >>> 0 || 1;
  const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const facts: ItemFact[] = [];
  let window: string[] = [];
  for (let i = 0; i < count; i++) {
    const session = `${seed}:${Math.floor(i / SESSION_LENGTH)}`;
    if (i % SESSION_LENGTH === 0) window = [];
    const item = `p${Math.floor(items * random() ** 2)}`;
    const fact: ItemFact = { kind: "view", item, category: `c${item.length % 40}`, customer: `a:bench-${session}`, session, ts: at + i, channel: "web", messageId: `${seed}-${i}` };
    const fold = foldFacts([{ workspaceId: "", kind: "view", session, facts: [fact], folded: window.map((w) => ({ messageId: "", item: w })), alreadyFolded: new Set() }]);
    const pairs: PairIncrementTuple[] = [...fold.pairs.values()].map((p) => [p.relation, p.item, p.other, p.weight]);
    facts.push(pairs.length ? { ...fact, pairs } : fact);
    window.push(item);
  }
  return facts;
}

export async function shardBenchResponse(request: Request, env: Env): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const number = (name: string, fallback: number, max: number) => Math.min(max, Math.max(1, Math.floor(Number(params.get(name)) || fallback)));
  const shard = env.RECS_SHARDS.getByName(`${WORKSPACE}:${number("shard", 1, 1_000_000) - 1}`);
  const now = Date.now();
  if (request.method === "POST" && params.get("op") === "add") {
    const seed = number("seed", 1, 2 ** 31);
    const facts = syntheticViews(number("facts", 100, 5_000), number("items", 2_000, 1_000_000), seed, now);
    const parts = [...messageParts(`bench-${seed}`, facts, 1).values()];
    const pairs = facts.reduce((n, f) => n + (f.pairs?.length ?? 0), 0);
    return Response.json({ ...(await shard.add(parts)), facts: facts.length, pairs, items: parts.reduce((n, p) => n + p.items.length, 0) });
  }
  if (request.method === "POST" && params.get("op") === "fold") {
    // Timed here: the clock moves across the call (I/O), so this is the fold as its caller waits for it.
    const started = Date.now();
    const { lists, generation } = await shard.changedLists(now, 0, { workspaceId: WORKSPACE, self: 0, shards: 1 });
    const foldMs = Date.now() - started;
    const { items, interestEntries } = await shard.summary();
    return Response.json({ generation, lists: lists.length, fold_ms: foldMs, items, interestEntries });
  }
  return Response.json({ error: { code: "invalid_op", message: "POST ?op=add or ?op=fold" } }, { status: 400 });
}
