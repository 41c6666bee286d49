// What `npm run dev` shows of wrangler's output. Wrangler is chatty in ways that bury what a
// newcomer needs: `d1 migrations apply` reprints its whole table after every migration, and
// `wrangler dev` prints its bindings twice and logs every request the dev script itself makes
// (the readiness probe, the local cron ticker). Everything else wrangler says is passed through.
import { stripVTControlCharacters } from "node:util";

/**
 * Environment for every wrangler the dev script starts: no prompt and no telemetry notice, and no
 * `Request.cf` fetch (offline it fails with a stack trace; the fixed placeholder miniflare uses
 * instead is the same on every machine, and the `x-seam-location` header stands in for a location).
 * A value the caller already set wins.
 */
export function quietWranglerEnv(env) {
  return {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    ...env,
  };
}

/** The last box-drawn table in `text` (the final state of `d1 migrations apply`), or undefined. */
export function lastTable(text) {
  const lines = stripVTControlCharacters(text).split("\n");
  const end = lines.findLastIndex((line) => line.trimStart().startsWith("└"));
  if (end < 0) return undefined;
  let start = end;
  while (start > 0 && !lines[start].trimStart().startsWith("┌")) start--;
  return lines.slice(start, end + 1).join("\n");
}

const BINDINGS_HEADING = "Your Worker has access to the following bindings:";
/** Request log lines of the dev script's own cron ticker (wrangler's /__scheduled route). */
const CRON_REQUEST = /^\[wrangler:info\] (?:GET|HEAD) \/__scheduled\b/;
/** The readiness probe's request log line (GET /). */
const PROBE_REQUEST = /^\[wrangler:info\] GET \/ \d{3}\b/;

/**
 * A line filter for `wrangler dev`'s output: `line(text)` returns the lines to print now (none,
 * one, or a whole bindings block at its end). `probeAnswered()` counts a readiness probe the
 * worker answered, whose `GET /` log line is then dropped (only that many: later ones are the
 * user's own). `lastLineAt` is when wrangler last said anything and `cronRequestsLogged` how many
 * cron requests it has logged (after the worker's own lines for them), so the URLs can come last.
 */
export function devLogFilter() {
  const shownBlocks = new Set();
  let block = null;
  let probes = 0;
  const filter = {
    lastLineAt: Date.now(),
    cronRequestsLogged: 0,
    probeAnswered() {
      probes++;
    },
    line(text) {
      filter.lastLineAt = Date.now();
      const plain = stripVTControlCharacters(text);
      if (block) {
        block.push(text);
        if (plain.trim() !== "") return [];
        const key = block.map((l) => stripVTControlCharacters(l)).join("\n");
        const lines = block;
        block = null;
        if (shownBlocks.has(key)) return [];
        shownBlocks.add(key);
        return lines;
      }
      if (plain.trim() === BINDINGS_HEADING) {
        block = [text];
        return [];
      }
      if (CRON_REQUEST.test(plain)) {
        filter.cronRequestsLogged++;
        return [];
      }
      if (probes > 0 && PROBE_REQUEST.test(plain)) {
        probes--;
        return [];
      }
      return [text];
    },
  };
  return filter;
}

/**
 * Resolves once wrangler has logged `cronRequests` cron requests and then said nothing for
 * `quietMs` (or after `maxMs`, whatever it said: the URLs are never held back for long).
 */
export async function whenQuiet(filter, cronRequests, quietMs = 300, maxMs = 5000) {
  const deadline = Date.now() + maxMs;
  const settled = () => filter.cronRequestsLogged >= cronRequests && Date.now() - filter.lastLineAt >= quietMs;
  while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
