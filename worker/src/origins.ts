// Origin patterns of a workspace (`https://shop.example`, `https://*.shop.example`, `*`): who may send, and where links may go.

/** Whether `origin` matches one of the patterns; `*` counts only where `anyOrigin` allows it. */
export function originMatches(patterns: readonly string[], origin: string, { anyOrigin }: { anyOrigin: boolean }): boolean {
  return patterns.some((pattern) => {
    if (pattern === "*") return anyOrigin;
    if (pattern === origin) return true;
    const wildcard = /^(https?:\/\/)\*\.(.+)$/.exec(pattern);
    return wildcard !== null && origin.startsWith(wildcard[1]!) && origin.endsWith(`.${wildcard[2]}`);
  });
}

/** The origin of an http(s) URL, or null for anything else (javascript:, data:, relative, garbage). */
export function webOrigin(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.origin : null;
}

/**
 * Whether a URL a browser sent (an event's `url`) may be a link destination: its origin must be
 * one the workspace named explicitly. `*` lets any site send events, never choose where a
 * message's link (and so our redirect) goes.
 */
export function linkTargetAllowed(url: string, allowedOrigins: readonly string[]): boolean {
  const origin = webOrigin(url);
  return origin !== null && originMatches(allowedOrigins, origin, { anyOrigin: false });
}

/** The store's home page when nothing better is known: the first origin the workspace named explicitly. */
export function storeHome(allowedOrigins: readonly string[]): string | null {
  const first = allowedOrigins.find((o) => o !== "*" && !o.includes("*") && webOrigin(o) !== null);
  return first ? `${webOrigin(first)}/` : null;
}
