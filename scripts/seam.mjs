#!/usr/bin/env node
// `npm run seam -- <command>`: the Seam command line. Commands:
//   import-catalog FILE [--host URL] [--key SECRET_KEY] [--batch N]
//     Upserts a CSV (header row; columns as the catalog API's fields) or NDJSON file into the
//     catalog, with a progress bar and a summary of rejected rows. Defaults: the local demo worker.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { parse } from "csv-parse";

const USAGE = `usage: npm run seam -- import-catalog FILE [--host http://localhost:8787] [--key sk_demo] [--batch 500]`;

/** Rows of a CSV (by header) or NDJSON file, with their line numbers, as a stream. */
async function* readRows(file) {
  if (/\.(nd)?jsonl?$/i.test(file)) {
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      line += 1;
      if (!text.trim()) continue;
      try {
        yield { line, row: JSON.parse(text) };
      } catch {
        yield { line, error: "not valid JSON" };
      }
    }
    return;
  }
  const parser = createReadStream(file).pipe(
    parse({ columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, info: true }),
  );
  for await (const { info, record } of parser) {
    const row = {};
    for (const [key, value] of Object.entries(record)) {
      if (value === "") continue;
      if (key.startsWith("attributes.")) (row.attributes ??= {})[key.slice(11)] = value;
      else row[key] = value;
    }
    yield { line: info.lines, row };
  }
}

/** Lines in a file, for the progress bar's total (one pass over the bytes, no parsing). */
async function countLines(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) for (const byte of chunk) if (byte === 10) lines += 1;
  return lines;
}

async function importCatalog(file, { host, key, batch }) {
  const totalLines = await countLines(file);
  const bar = new cliProgress.SingleBar(
    { format: "importing {bar} {percentage}% | {rows} rows | {rejected} rejected", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(totalLines, 1), 0, { rows: 0, rejected: 0 });

  const rejected = [];
  let upserted = 0;
  let rows = 0;
  let pending = [];
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending;
    pending = [];
    const res = await fetch(`${host}/v1/catalog/products`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ products: chunk.map((c) => c.row) }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) throw new Error(`the secret key was refused by ${host}`);
    // A chunk whose rows are all invalid is a 400 that still lists them: report, carry on.
    if (!res.ok && body.error?.code !== "invalid_products") throw new Error(`${res.status}: ${JSON.stringify(body)}`);
    upserted += body.upserted ?? 0;
    for (const r of body.results ?? body.error?.details?.results ?? [])
      rejected.push({ line: chunk[r.index].line, product_id: r.product_id, reason: r.reason });
  };

  const started = Date.now();
  for await (const entry of readRows(file)) {
    rows += 1;
    if (entry.error) rejected.push({ line: entry.line, product_id: null, reason: entry.error });
    else pending.push(entry);
    if (pending.length >= batch) {
      await flush();
      bar.update(Math.min(entry.line, totalLines), { rows, rejected: rejected.length });
    }
  }
  await flush();
  bar.update(Math.max(totalLines, 1), { rows, rejected: rejected.length });
  bar.stop();

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${rows} rows read, ${upserted} upserted, ${rejected.length} rejected in ${seconds} s`);
  for (const r of rejected.slice(0, 20)) console.log(`  line ${r.line}${r.product_id ? ` (${r.product_id})` : ""}: ${r.reason}`);
  if (rejected.length > 20) console.log(`  … and ${rejected.length - 20} more`);
  return rejected.length ? 1 : 0;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: "string", default: process.env.SEAM_HOST ?? "http://localhost:8787" },
    key: { type: "string", default: process.env.SEAM_SECRET_KEY ?? "sk_demo" },
    batch: { type: "string", default: "500" },
  },
});
const [command, file] = positionals;
if (command !== "import-catalog" || !file) {
  console.error(USAGE);
  process.exit(2);
}
const batch = Math.min(1000, Math.max(1, Number(values.batch) || 500));
process.exitCode = await importCatalog(file, { host: values.host.replace(/\/$/, ""), key: values.key, batch });
