// Cached lookups follow two versions: the cron's new lists do not make an isolate read every
// product card again, a catalog import's new cards do; each is seen at once in the isolate that wrote it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cardKey, newestKey } from "../src/catalog/product.ts";
import { neighboursPageKey, neighboursPageOf } from "../src/recs/edge.ts";
import { forgetCachedLookups, kvLookups, publishLookupsVersion } from "../src/stores/recs-lookups.ts";
import { uid } from "./helpers.ts";

/** RECS_KV with its reads counted by key prefix. */
function countingKv(): { kv: KVNamespace; reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const kv = new Proxy(env.RECS_KV, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop !== "get" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
      return (key: string, ...rest: unknown[]) => {
        const prefix = key.split(":", 1)[0]!;
        reads[prefix] = (reads[prefix] ?? 0) + 1;
        return Reflect.apply(value, target, [key, ...rest]);
      };
    },
  });
  return { kv, reads };
}

describe("cached lookups", () => {
  it("read cards again after a catalog import, not after the cron's new lists", async () => {
    forgetCachedLookups();
    const workspace = uid("ws");
    const { kv, reads } = countingKv();
    await env.RECS_KV.put(cardKey(workspace, "p1"), JSON.stringify({ product_id: "p1", name: "Tent" }));
    await env.RECS_KV.put(newestKey(workspace, ""), JSON.stringify(["p1"]));
    await env.RECS_KV.put(neighboursPageKey(workspace, neighboursPageOf("p1")), JSON.stringify({ p1: [{ item: "p2", score: 1 }] }));
    const now = Date.now();
    await publishLookupsVersion(kv, workspace, now, "catalog");
    await publishLookupsVersion(kv, workspace, now, "lists");

    const first = kvLookups(kv, workspace, now);
    expect(await first.card("p1")).toMatchObject({ name: "Tent" });
    expect(await first.neighbours("p1")).toEqual([{ item: "p2", score: 1 }]);
    expect(reads).toMatchObject({ card: 1, nbp: 1 });

    // The cron writes new lists: they are read again, the card is not.
    await env.RECS_KV.put(neighboursPageKey(workspace, neighboursPageOf("p1")), JSON.stringify({ p1: [{ item: "p3", score: 2 }] }));
    await publishLookupsVersion(kv, workspace, now + 1, "lists");
    const afterCron = kvLookups(kv, workspace, now + 1);
    expect(await afterCron.neighbours("p1")).toEqual([{ item: "p3", score: 2 }]);
    expect(await afterCron.card("p1")).toMatchObject({ name: "Tent" });
    expect(reads).toMatchObject({ card: 1, nbp: 2 });

    // A catalog import writes a new card: it is read again, the lists are not.
    await env.RECS_KV.put(cardKey(workspace, "p1"), JSON.stringify({ product_id: "p1", name: "Tent, 2 people" }));
    await publishLookupsVersion(kv, workspace, now + 2, "catalog");
    const afterImport = kvLookups(kv, workspace, now + 2);
    expect(await afterImport.card("p1")).toMatchObject({ name: "Tent, 2 people" });
    expect(await afterImport.neighbours("p1")).toEqual([{ item: "p3", score: 2 }]);
    expect(reads).toMatchObject({ card: 2, nbp: 2 });
  });
});
