// Opaque page cursors for lists ordered by a key (segment members, customers): the last key of a
// page, base64url, so the next page starts after it. Nothing else is in a cursor.
import * as z from "zod/mini";

/** Pages of at most this many; the default when `limit` is absent. */
export const PAGE_MAX = 1000;
export const PAGE_DEFAULT = 100;

export const pageQueryShape = {
  limit: z.optional(z.string().check(z.regex(/^\d{1,4}$/, "a whole number"), z.refine((v) => Number(v) >= 1 && Number(v) <= PAGE_MAX, `1 to ${PAGE_MAX}`))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(1400), z.regex(/^[A-Za-z0-9_-]+$/, "a cursor from a previous page"))),
};

export function encodeCursor(key: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(key)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The key a cursor carries, or null when it is not one of ours (not base64url of UTF-8). */
export function decodeCursor(cursor: string): string | null {
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** A page of `rows` read with limit + 1: the rows to show, and the cursor of the next page when there is one. */
export function pageOf<T>(rows: readonly T[], limit: number, key: (row: T) => string): { rows: T[]; next_cursor: string | null } {
  const shown = rows.slice(0, limit);
  return { rows: shown, next_cursor: rows.length > limit ? encodeCursor(key(shown.at(-1)!)) : null };
}
