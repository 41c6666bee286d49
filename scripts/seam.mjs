#!/usr/bin/env node
// `npm run seam -- <command>`: the Seam command line. `npm run seam -- --help` lists the commands.
// Every failure is one line on stderr (no stack trace) and a non-zero exit code.
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { parse } from "csv-parse";

const DEFAULT_HOST = "http://localhost:8787";
const HELP = `Seam command line

usage: npm run seam -- <command> [flags]

commands:
  import-catalog FILE   upsert a product catalog from a CSV (header row) or NDJSON (.ndjson, .jsonl)
                        file; rows the API refuses are listed with their line and reason
  help                  this text

flags:
  --host URL            the Seam worker (default $SEAM_HOST, else ${DEFAULT_HOST})
  --key SECRET_KEY      the workspace's secret key (default $SEAM_SECRET_KEY, else the local sk_demo)
  --batch N             products per request, 1 to 1000 (default 500)
  -h, --help            this text

catalog columns (CSV header names, or NDJSON keys; only product_id is required):
  product_id            the store's id (text or number)
  variant               a variant id, when one product has several rows (size, colour)
  name, brand           text
  url, image_url        absolute URLs of the product page and its image
  price                 a number, 0 or more (dot decimal: 49.90)
  currency              ISO 4217, e.g. EUR
  category              a path: "Men > Shoes" (NDJSON may give ["Men", "Shoes"])
  in_stock              true/false, 1/0 or yes/no (default true)
  attributes.NAME       any other column with this prefix becomes attribute NAME (CSV);
                        NDJSON gives an "attributes" object
example: examples/catalog.csv, examples/catalog.ndjson`;

/** A failure the user can act on: printed as one line, never with a stack. */
class CliError extends Error {}

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
  try {
    for await (const { info, record } of parser) {
      const row = {};
      // An empty cell is an absent field: an empty product_id is then reported as required.
      for (const [key, value] of Object.entries(record)) {
        if (value === "") continue;
        if (key.startsWith("attributes.")) (row.attributes ??= {})[key.slice(11)] = value;
        else row[key] = value;
      }
      yield { line: info.lines, row };
    }
  } catch (error) {
    throw new CliError(`${file} is not a CSV file this tool can read: ${error.message}`);
  }
}

/** Lines in a file, for the progress bar's total (one pass over the bytes, no parsing). */
async function countLines(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) for (const byte of chunk) if (byte === 10) lines += 1;
  return lines;
}

/** POSTs to the worker; a connection failure or a refused key is a CliError naming the URL. */
async function post(host, key, path, body) {
  const url = `${host}${path}`;
  let res;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  } catch (error) {
    const reason = error.cause?.code ?? error.cause?.message ?? error.message;
    throw new CliError(`could not reach the Seam worker at ${url} (${reason}): is \`npm run dev\` running, or is --host right?`);
  }
  const answer = await res.json().catch(() => ({}));
  if (res.status === 401 || res.status === 403)
    throw new CliError(`${host} refused the secret key (${res.status} ${answer.error?.code ?? ""}): pass the workspace's secret key with --key or SEAM_SECRET_KEY`);
  return { status: res.status, ok: res.ok, answer };
}

async function importCatalog(file, { host, key, batch }) {
  if (!/\.(csv|ndjson|jsonl|json)$/i.test(file)) throw new CliError(`${file}: use a .csv or .ndjson file`);
  try {
    if (!statSync(file).isFile()) throw new CliError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`no such file: ${file}`);
  }
  const totalLines = await countLines(file);
  const bar = new cliProgress.SingleBar(
    { format: "importing {bar} {percentage}% | {rows} rows | {rejected} rejected", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const rejected = [];
  let upserted = 0;
  let rows = 0;
  let pending = [];
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending;
    pending = [];
    const { ok, status, answer } = await post(host, key, "/v1/catalog/products", { products: chunk.map((c) => c.row) });
    // A chunk whose rows are all invalid is a 400 that still lists them: report, carry on.
    if (!ok && answer.error?.code !== "invalid_products")
      throw new CliError(`${host} answered ${status}${answer.error ? ` ${answer.error.code}: ${answer.error.message}` : ""}`);
    upserted += answer.upserted ?? 0;
    for (const r of answer.results ?? answer.error?.details?.results ?? [])
      rejected.push({ line: chunk[r.index].line, product_id: r.product_id, reason: r.reason });
  };

  const started = Date.now();
  bar.start(Math.max(totalLines, 1), 0, { rows: 0, rejected: 0 });
  try {
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
  } finally {
    bar.stop();
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${rows} rows read, ${upserted} upserted, ${rejected.length} rejected in ${seconds} s`);
  for (const r of rejected.slice(0, 20)) console.log(`  line ${r.line}${r.product_id ? ` (${r.product_id})` : ""}: ${r.reason}`);
  if (rejected.length > 20) console.log(`  … and ${rejected.length - 20} more`);
  return rejected.length ? 1 : 0;
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: "string", default: process.env.SEAM_HOST ?? DEFAULT_HOST },
        key: { type: "string", default: process.env.SEAM_SECRET_KEY ?? "sk_demo" },
        batch: { type: "string", default: "500" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new CliError(`${error.message.split(/\.\s|\n/)[0]} (npm run seam -- --help lists the flags)`);
  }
  const { positionals, values } = parsed;
  const [command, file, ...extra] = positionals;
  if (values.help || !command || command === "help") {
    console.log(HELP);
    return command || values.help ? 0 : 2;
  }
  if (command !== "import-catalog") throw new CliError(`unknown command ${command} (npm run seam -- --help lists the commands)`);
  if (!file) throw new CliError("import-catalog needs a file: npm run seam -- import-catalog products.csv");
  if (extra.length) throw new CliError(`unexpected argument ${extra[0]} (one file per import)`);
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw new CliError(`--batch must be a whole number from 1 to 1000, not ${values.batch}`);
  let host;
  try {
    host = new URL(values.host).origin;
  } catch {
    throw new CliError(`--host must be a URL like ${DEFAULT_HOST}, not ${values.host}`);
  }
  return importCatalog(file, { host, key: values.key, batch });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // One line, whatever went wrong; an unexpected error says so but still shows no stack.
  console.error(`seam: ${error instanceof CliError ? error.message : `unexpected error: ${error?.message ?? error}`}`);
  process.exitCode = 1;
}
