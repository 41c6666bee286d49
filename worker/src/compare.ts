// Sorting by text the same way in every runtime: by UTF-16 code units, as SQLite's BINARY collation
// orders the keys it pages by (localeCompare would follow a locale). Pure.

/** -1, 0 or 1 as `a` sorts before, with or after `b`. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
