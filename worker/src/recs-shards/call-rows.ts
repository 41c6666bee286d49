// How a shard's logged calls stay under SQLite's 2 MB value limit: a call's parts as logged rows. Pure.
import { sizedChunks } from "../sized-chunks.ts";
import type { ShardPart } from "./RecsShardDO.ts";

/** A logged row's size at most, and a bound JSON value's (SQLite values stop at 2 MB). */
export const CALL_ROW_BYTES = 1_000_000;

/** A call's parts as logged rows: whole parts, each row's increments under CALL_ROW_BYTES unless one part alone is larger. */
export function callRows(parts: ShardPart[]): { ids: string; body: string }[] {
  const encoded = parts.map((part) => ({ id: part.id, items: part.items.map((item) => JSON.stringify(item)) }));
  return sizedChunks(encoded, (part) => part.items.reduce((n, json) => n + json.length + 1, 0), CALL_ROW_BYTES).map((row) => ({
    ids: JSON.stringify(row.map((part) => part.id)),
    body: `[${row.flatMap((part) => part.items).join(",")}]`,
  }));
}
