// How a shard's writes stay under SQLite's 2 MB value limit: a call's parts as logged rows, and
// any list of rows cut into statements of bounded bound JSON. Pure.
import type { ShardPart } from "./RecsShardDO.ts";

/** A logged row's size at most, and a bound JSON value's (SQLite values stop at 2 MB). */
export const CALL_ROW_BYTES = 1_000_000;

/** Consecutive runs of `rows` whose sizes add up to at most `limit` each (a larger row alone). */
export function byteChunks<T>(rows: readonly T[], size: (row: T) => number, limit: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const n = size(row);
    if (current.length > 0 && bytes + n > limit) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A call's parts as logged rows: whole parts, each row's increments under CALL_ROW_BYTES unless one part alone is larger. */
export function callRows(parts: ShardPart[]): { ids: string; body: string }[] {
  const rows: { ids: string; body: string }[] = [];
  let ids: string[] = [];
  let items: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (ids.length) rows.push({ ids: JSON.stringify(ids), body: `[${items.join(",")}]` });
    ids = [];
    items = [];
    bytes = 0;
  };
  for (const part of parts) {
    const json = part.items.map((item) => JSON.stringify(item));
    const size = json.reduce((n, j) => n + j.length + 1, 0);
    if (bytes > 0 && bytes + size > CALL_ROW_BYTES) flush();
    ids.push(part.id);
    items.push(...json);
    bytes += size;
  }
  flush();
  return rows;
}
