// What every browser test needs: the local worker, a static "store" site, and Debian's Chromium.
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalWorker } from "../scripts/lib/local-worker.mjs";
import { build } from "../scripts/build.ts";

const root = path.resolve(import.meta.dirname, "..");

/** Debian's Chromium; never a browser downloaded by a test tool. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Harness {
  worker: string;
  site: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** Serves `pages` (path → HTML) and the built bundles under /dist/… on a local port: the store's site. */
function serveSite(pages: Record<string, string>): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html" };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://site");
    const page = pages[url.pathname];
    if (page !== undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    const match = /^\/dist\/(sdk|widget)\/([\w.-]+)$/.exec(url.pathname);
    if (match) {
      try {
        const body = readFileSync(path.join(root, match[1]!, "dist", match[2]!));
        res.writeHead(200, { "content-type": types[path.extname(match[2]!)] ?? "application/octet-stream" }).end(body);
        return;
      } catch {}
    }
    res.writeHead(404).end("not found");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, server });
    }),
  );
}

export async function startHarness(pages: (worker: string) => Record<string, string>): Promise<Harness> {
  await build({ write: true });
  // --test-scheduled serves the cron at /__scheduled, so a test can materialise recommendations.
  const { url: worker, stop: stopWorker } = await startLocalWorker({ extraArgs: ["--test-scheduled"] });
  const { url: site, server } = await serveSite(pages(worker));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    worker,
    site,
    browser,
    async stop() {
      await browser.close();
      server.close();
      stopWorker();
    },
  };
}

/** The inline snippet exactly as the build ships it, loading the SDK from `src`. */
export function snippet(src: string): string {
  return readFileSync(path.join(root, "sdk/dist/snippet.min.js"), "utf8").replace("SEAM_SRC", src);
}

export async function customer(worker: string, id: string): Promise<any> {
  const res = await fetch(`${worker}/v1/customers/${encodeURIComponent(id)}`, { headers: { authorization: "Bearer sk_demo" } });
  return res.status === 200 ? res.json() : null;
}

/** userHash as the store's backend computes it for the demo workspace. */
export async function userHash(userId: string): Promise<string> {
  const { createHmac } = await import("node:crypto");
  return createHmac("sha256", "ids_demo").update(userId).digest("hex");
}
