// Cutting a list into consecutive runs under a size limit (and a count limit): what a queue call,
// a queue message or an SQLite value can hold. Pure.

/** Consecutive runs of `items` whose sizes add up to at most `maxBytes` and that hold at most `maxCount` each (a larger item alone). */
export function sizedChunks<T>(items: readonly T[], size: (item: T) => number, maxBytes: number, maxCount = Number.POSITIVE_INFINITY): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + n > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
