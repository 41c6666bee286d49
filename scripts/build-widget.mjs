#!/usr/bin/env node
// `npm run build:widget`: bundles widget/ into dist/seam-widget.js (IIFE, script tag) and
// dist/seam-widget.mjs (ESM, SPAs), Preact included, and prints each file's min+gzip size.
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(import.meta.dirname, "..");
const outdir = path.join(root, "widget", "dist");
/** The script tag ships to every shopper on every product page: min+gzip, Preact included. */
export const WIDGET_BUDGET_BYTES = 8 * 1024;

const bundles = [
  { file: "seam-widget.js", entry: "widget/src/script.ts", format: "iife" },
  { file: "seam-widget.mjs", entry: "widget/src/index.ts", format: "esm" },
];

/**
 * Builds both bundles in memory and, unless `write` is false, writes them to widget/dist.
 * @param {{ write?: boolean }} [options]
 * @returns {Promise<Array<{ file: string, format: string, bytes: number, gzipBytes: number, code: string }>>}
 */
export async function buildWidget({ write = true } = {}) {
  const results = [];
  for (const bundle of bundles) {
    const output = await build({
      absWorkingDir: root,
      entryPoints: [bundle.entry],
      bundle: true,
      minify: true,
      format: bundle.format,
      platform: "browser",
      // Every browser a store still sees in numbers (Safari 14+, Chrome/Firefox of 2020 on), without down-levelling ?. and ??.
      target: "es2020",
      jsx: "automatic",
      jsxImportSource: "preact",
      legalComments: "none",
      write: false,
    });
    const code = output.outputFiles[0].text;
    const bytes = Buffer.byteLength(code);
    const gzipBytes = gzipSync(code, { level: 9 }).length;
    if (write) {
      mkdirSync(outdir, { recursive: true });
      writeFileSync(path.join(outdir, bundle.file), code);
    }
    results.push({ file: bundle.file, format: bundle.format, bytes, gzipBytes, code });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  for (const result of await buildWidget()) {
    const over = result.file.endsWith(".js") && result.gzipBytes > WIDGET_BUDGET_BYTES;
    console.log(
      `widget/dist/${result.file.padEnd(16)} ${kb(result.bytes).padStart(9)} min  ${kb(result.gzipBytes).padStart(8)} min+gzip` +
        (over ? `  OVER the ${kb(WIDGET_BUDGET_BYTES)} budget` : ""),
    );
    if (over) process.exitCode = 1;
  }
}
