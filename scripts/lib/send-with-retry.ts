// One request to the local worker, sent again while it answers "busy" (429, 5xx, or the restart of
// `wrangler dev` reloading): waits as Retry-After asks, else backs off. Seeding scripts use it;
// their batches carry messageIds, so a batch that did land before a retry is deduplicated, not doubled.
const MAX_ATTEMPTS = 8;

export async function sendWithRetry(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init).catch((error: Error) => (attempt < MAX_ATTEMPTS ? null : Promise.reject(error)));
    if (res && !((res.status === 429 || res.status >= 500) && attempt < MAX_ATTEMPTS)) return res;
    const wait = Number(res?.headers.get("retry-after")) * 1000 || 500 * 2 ** attempt;
    await new Promise((r) => setTimeout(r, wait));
  }
}
