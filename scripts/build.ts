// `npm run build` writes every browser-facing bundle (SDK and widget); `npm run size` prints their
// min+gzip bytes. To add a bundle, add an entry to BUNDLES; a `budget` makes the size tests assert it.
// (The dashboard's stylesheet goes through esbuild too: `format: "css"`.)
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { minify } from "terser";

const root = path.resolve(import.meta.dirname, "..");

export interface Bundle {
  /** Output file, relative to the repository root. */
  out: string;
  entry: string;
  /** Omitted: minified as it is, not bundled or wrapped (the inline snippet). `css`: a bundled stylesheet. */
  format?: "iife" | "esm" | "css";
  /** Max min+gzip bytes; the size test fails above it. */
  budget?: number;
}

/**
 * The SDK's size budget: 3.0 KB min+gzip (zlib level 9) for the script tag and for each ESM entry,
 * read strictly as 3,000 bytes, so it holds whether a KB is 1000 or 1024 bytes.
 */
export const SDK_BUDGET = 3000;

/** The widget's script tag ships to every shopper on every product page: 8 KB min+gzip, Preact included. */
export const WIDGET_BUDGET = 8 * 1024;

/**
 * The dashboard's first load (/dashboard/app.js: Preact, its router, uPlot and every page): 60 KB
 * min+gzip, read strictly as 60,000 bytes like the SDK's budget.
 */
export const DASHBOARD_BUDGET = 60_000;

export const BUNDLES: Bundle[] = [
  { out: "sdk/dist/seam.js", entry: "sdk/src/script.ts", format: "iife", budget: SDK_BUDGET },
  { out: "sdk/dist/seam.mjs", entry: "sdk/src/browser.ts", format: "esm", budget: SDK_BUDGET },
  { out: "sdk/dist/core.mjs", entry: "sdk/src/core.ts", format: "esm", budget: SDK_BUDGET },
  { out: "sdk/dist/snippet.min.js", entry: "sdk/src/snippet.js" },
  { out: "widget/dist/seam-widget.js", entry: "widget/src/script.ts", format: "iife", budget: WIDGET_BUDGET },
  { out: "widget/dist/seam-widget.mjs", entry: "widget/src/index.ts", format: "esm" },
  // The demo store's own page script (cart, sign-in, checkout): what a store writes itself.
  { out: "dist/demo/store.js", entry: "demo/store.ts", format: "iife" },
  // The marketer's dashboard at /dashboard: one module and one stylesheet (uPlot's included).
  { out: "dist/dashboard/app.js", entry: "dashboard/src/main.tsx", format: "esm", budget: DASHBOARD_BUDGET },
  { out: "dist/dashboard/app.css", entry: "dashboard/src/styles.css", format: "css" },
];

/**
 * The worker's static assets (wrangler.toml `[assets]`): the browser files a store's pages load from
 * the worker's own origin, under the names the README's tags use, plus `worker/assets/` (the
 * `_headers` rules: content type, CORS, caching) and the demo store's stylesheet and script.
 */
export const ASSETS_DIR = "dist/assets";
export const SERVED_BUNDLES: Record<string, string> = {
  "seam.js": "sdk/dist/seam.js",
  "seam.mjs": "sdk/dist/seam.mjs",
  "seam-widget.js": "widget/dist/seam-widget.js",
  "seam-widget.mjs": "widget/dist/seam-widget.mjs",
  "demo/store.js": "dist/demo/store.js",
  "dashboard/app.js": "dist/dashboard/app.js",
  "dashboard/app.css": "dist/dashboard/app.css",
  // The interactive API reference at /docs runs Swagger UI from this origin: no CDN (the reference
  // works offline and under a strict CSP).
  "docs/swagger-ui-bundle.js": "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
  "docs/swagger-ui.css": "node_modules/swagger-ui-dist/swagger-ui.css",
};

export interface Built extends Bundle {
  bytes: number;
  gzip: number;
  code: string;
}

/** Bundles and minifies every entry in memory; `write` also writes them to their `out` paths. */
export async function build({ write = false } = {}): Promise<Built[]> {
  return Promise.all(
    BUNDLES.map(async (bundle) => {
      const result = await esbuild.build({
        entryPoints: [path.join(root, bundle.entry)],
        bundle: bundle.format !== undefined,
        minify: true,
        ...(bundle.format && bundle.format !== "css" && { format: bundle.format }),
        // Browsers since 2020 and React Native's Hermes; nothing is down-levelled or polyfilled.
        target: "es2020",
        // The widget is Preact with JSX; the SDK has none, so this changes nothing there.
        jsx: "automatic",
        jsxImportSource: "preact",
        legalComments: "none",
        write: false,
      });
      // esbuild bundles and minifies; terser's second pass (three compress passes, top-level
      // mangling) takes another ~3% off, which is what pays for the SDK's typed errors.
      const bundled = result.outputFiles[0]!.text;
      const code = bundle.format && bundle.format !== "css"
        ? (await minify(bundled, { module: bundle.format === "esm", ecma: 2020, compress: { passes: 3 }, mangle: { toplevel: true } })).code!
        : bundled;
      if (write) {
        const out = path.join(root, bundle.out);
        mkdirSync(path.dirname(out), { recursive: true });
        writeFileSync(out, code);
      }
      const bytes = Buffer.byteLength(code);
      return { ...bundle, code, bytes, gzip: gzipSync(code, { level: 9 }).byteLength };
    }),
  );
}

/** Rebuilds the worker's static assets directory from the written bundles and `worker/assets/`. */
export function writeAssets() {
  const dir = path.join(root, ASSETS_DIR);
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(root, "worker/assets"), dir, { recursive: true });
  for (const [name, from] of Object.entries(SERVED_BUNDLES)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    cpSync(path.join(root, from), path.join(dir, name));
  }
}

/** Writes the SDK package's type declarations (sdk/dist/types, with the worker's contracts they import) with tsc. */
export function buildTypes() {
  const tsc = spawnSync(path.join(root, "node_modules/.bin/tsc"), ["-p", "sdk/tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (tsc.status !== 0) throw new Error("tsc failed to emit the SDK's declarations");
  // The sources import "./core.ts"; a published .d.ts must say "./core.js".
  const dir = path.join(root, "sdk/dist/types");
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(path.join(dir, file), "utf8");
    writeFileSync(path.join(dir, file), text.replace(/(from "\.{1,2}\/[^"]+)\.ts"/g, '$1.js"'));
  }
}

if (import.meta.main) {
  const sizeOnly = process.argv.includes("--size");
  const built = await build({ write: !sizeOnly });
  if (!sizeOnly) {
    buildTypes();
    writeAssets();
  }
  for (const b of built) {
    const budget = b.budget ? ` (budget ${b.budget} B${b.gzip > b.budget ? ", OVER" : ""})` : "";
    console.log(`${b.out.padEnd(24)} ${String(b.bytes).padStart(6)} B min  ${String(b.gzip).padStart(5)} B min+gzip${budget}`);
  }
  if (built.some((b) => b.budget && b.gzip > b.budget)) process.exitCode = 1;
}
