// The isolate cache every hot-path read goes through: entries expire on their own TTL, and it never holds more than its bound.
import { describe, expect, it } from "vitest";
import { TtlCache } from "../src/ttl-cache.ts";

describe("the TTL cache", () => {
  it("answers an entry until its TTL runs out, a cached 'nothing' included", () => {
    const cache = new TtlCache<string | null>(10);
    cache.set("k", "v", 1_000, 0);
    cache.set("missing", null, 100, 0);
    expect(cache.get("k", 999)).toEqual({ value: "v" });
    expect(cache.get("missing", 50)).toEqual({ value: null });
    expect(cache.get("missing", 100)).toBeUndefined();
    expect(cache.get("k", 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops the entry written longest ago when full", () => {
    const cache = new TtlCache<number>(2);
    cache.set("a", 1, 1_000, 0);
    cache.set("b", 2, 1_000, 0);
    cache.set("a", 3, 1_000, 1); // a rewrite makes "a" the newest
    cache.set("c", 4, 1_000, 2);
    expect(cache.size).toBe(2);
    expect(cache.get("b", 3)).toBeUndefined();
    expect(cache.get("a", 3)).toEqual({ value: 3 });
    expect(cache.get("c", 3)).toEqual({ value: 4 });
  });

  it("loads once per TTL, keeping a value for the TTL the loaded value asks for", async () => {
    const cache = new TtlCache<string | undefined>(10);
    let loads = 0;
    const load = async () => (++loads === 1 ? undefined : "found");
    const ttl = (value: string | undefined) => (value === undefined ? 10 : 1_000);
    expect(await cache.getOrLoad("k", 0, load, ttl)).toBeUndefined();
    expect(await cache.getOrLoad("k", 5, load, ttl)).toBeUndefined();
    expect(loads).toBe(1);
    expect(await cache.getOrLoad("k", 10, load, ttl)).toBe("found");
    expect(await cache.getOrLoad("k", 500, load, ttl)).toBe("found");
    expect(loads).toBe(2);
  });
});
