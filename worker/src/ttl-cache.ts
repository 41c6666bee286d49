// The one isolate-memory cache: entries expire after their own TTL, and the cache never holds more than its bound.
// Used by every D1/KV adapter that a hot path reads (workspaces, directory answers, KV lists and cards,
// channel webhooks, published messaging config); tested in worker/test/ttl-cache.test.ts.

/** A cached answer; `value` may itself be "nothing" (a negative answer is worth caching too). */
export interface CacheHit<V> {
  value: V;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly maxEntries: number;

  /** `maxEntries` bounds memory: an isolate lives for hours and sees every key of every tenant. */
  constructor(maxEntries: number) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key` if it has not expired at `now`. */
  get(key: string, now: number): CacheHit<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > now) return { value: entry.value };
    this.entries.delete(key);
    return undefined;
  }

  /**
   * Keeps `value` until `now + ttlMs`. When full, the entry written longest ago goes first: a
   * Map iterates in insertion order, and a rewrite moves its key to the end.
   */
  set(key: string, value: V, ttlMs: number, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: now + ttlMs });
  }

  /** The cached value, else `load()`'s, kept for `ttlMs(value)`. */
  async getOrLoad(key: string, now: number, load: () => Promise<V>, ttlMs: (value: V) => number): Promise<V> {
    const hit = this.get(key, now);
    if (hit) return hit.value;
    const value = await load();
    this.set(key, value, ttlMs(value), now);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
