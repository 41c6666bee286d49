#!/usr/bin/env node
// `npm run dev [-- --port N]`: builds the browser files, applies D1 migrations locally, seeds the
// demo workspace and starts `wrangler dev` with local Durable Objects, D1, KV and queues persisted
// under .wrangler/state; then runs the worker's cron on its production schedule, and says where
// the demo store, the dashboard and the API reference are. Quietly: one migrations table, no prompt,
// no telemetry notice, and the URLs last (scripts/lib/dev-output.mjs).
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { Cron } from "croner";
import { devLogFilter, lastTable, quietWranglerEnv, whenQuiet } from "./lib/dev-output.mjs";

const root = path.resolve(import.meta.dirname, "..");
// Run wrangler's entry with this very Node (22, from the node@22 devDependency), whatever PATH says.
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const args = process.argv.slice(2);
const persistIndex = args.indexOf("--persist-to");
const persist = persistIndex >= 0 ? ["--persist-to", args[persistIndex + 1]] : [];
const option = (name) => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(name.length + 1) : args[i + 1];
};
// Where the worker will answer: wrangler's default port, unless `-- --port N` / `--ip` say otherwise.
const port = option("--port") ?? "8787";
const ip = option("--ip");
const origin = `http://${!ip || ip === "0.0.0.0" || ip === "::" ? "localhost" : ip.includes(":") ? `[${ip}]` : ip}:${port}`;

const wranglerEnv = quietWranglerEnv(process.env);

/** Runs a wrangler command to the end and returns what it printed; on failure prints all of it and exits. */
function run(argv) {
  // CI=1: wrangler answers its own confirmation (the local database is ours to change) without asking.
  const result = spawnSync(process.execPath, [wrangler, ...argv], { cwd: root, encoding: "utf8", env: { ...wranglerEnv, CI: "1" } });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    console.error(`npm run dev: wrangler ${argv.join(" ")} failed`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

// Local secrets: .dev.vars from the example, and any key the example gained since (a new secret
// must not silently switch a feature off on an older checkout).
const devVars = path.join(root, ".dev.vars");
const example = readFileSync(path.join(root, ".dev.vars.example"), "utf8");
if (!existsSync(devVars)) {
  copyFileSync(path.join(root, ".dev.vars.example"), devVars);
  console.log("created .dev.vars from .dev.vars.example (local development secrets)");
} else {
  const present = new Set(readFileSync(devVars, "utf8").split("\n").map((line) => line.split("=")[0].trim()));
  const missing = example.split("\n").filter((line) => /^[A-Z_]+=/.test(line) && !present.has(line.split("=")[0]));
  if (missing.length) {
    appendFileSync(devVars, `\n${missing.join("\n")}\n`);
    console.log(`added to .dev.vars: ${missing.map((l) => l.split("=")[0]).join(", ")}`);
  }
}
// The worker serves the SDK and widget bundles from dist/assets ([assets] in wrangler.toml).
const build = spawnSync(process.execPath, [path.join(root, "scripts", "build.ts")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) process.exit(build.status ?? 1);
// wrangler reprints the migrations table after each migration: show its final state once.
const migrated = lastTable(run(["d1", "migrations", "apply", "DB", "--local", ...persist]));
console.log(migrated ? `D1 migrations applied to the local database:\n${migrated}` : "D1 migrations: the local database is up to date");
run(["d1", "execute", "DB", "--local", "--file", "scripts/seed-demo.sql", ...persist]);
console.log("demo workspace ready: write key wk_demo, secret key sk_demo, identity secret ids_demo");

const devArgs = [...args];
// Tracked links in messages (open, click, unsubscribe) point at this worker, on whatever port it
// runs; a deployment sets TRACKING_BASE_URL in wrangler.toml instead.
if (!args.some((a) => a.startsWith("TRACKING_BASE_URL:"))) devArgs.push("--var", `TRACKING_BASE_URL:${origin}`);
// A visitor's location can be set by the `x-seam-location: lat,lon` header (near-store offers on a
// machine with no request.cf); a deployment never has this var, so the header is refused there.
if (!args.some((a) => a.startsWith("SEAM_DEV_LOCATION:"))) devArgs.push("--var", "SEAM_DEV_LOCATION:allow");
// Miniflare never fires crons by itself; --test-scheduled lets the ticker below fire them.
if (!args.includes("--test-scheduled")) devArgs.push("--test-scheduled");
// wrangler dev's output comes through a filter (its own probe and cron requests, a repeated
// bindings table); colours stay when this terminal has them.
const colour = process.stdout.isTTY ? { FORCE_COLOR: "1" } : {};
const dev = spawn(process.execPath, [wrangler, "dev", ...devArgs], {
  cwd: root,
  stdio: ["inherit", "pipe", "pipe"],
  env: { ...colour, ...wranglerEnv },
});
const devLog = devLogFilter();
for (const [from, to] of [[dev.stdout, process.stdout], [dev.stderr, process.stderr]]) {
  createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => {
    for (const shown of devLog.line(line)) to.write(`${shown}\n`);
  });
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

/** The crons of wrangler.toml's [triggers], e.g. "*\/10 * * * *". */
function crons() {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const list = /^\s*crons\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** Fires the worker's scheduled handler as Cloudflare would for `cron` (wrangler's /__scheduled). */
async function fireCron(cron) {
  try {
    await fetch(`${origin}/__scheduled?cron=${encodeURIComponent(cron)}`);
  } catch (error) {
    console.warn(`local cron ${cron} could not reach ${origin}: ${error.cause?.code ?? error.message}`);
  }
}

async function whenReady() {
  for (let i = 0; i < 600 && dev.exitCode === null; i++) {
    try {
      const res = await fetch(`${origin}/`);
      devLog.probeAnswered();
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

if (await whenReady()) {
  // The production schedule, locally: recommendation lists are materialised every 10 minutes as
  // on Cloudflare, plus once now, so lists left dirty by a previous session are not waited for.
  for (const cron of crons()) {
    new Cron(cron, { timezone: "UTC", protect: true }, () => fireCron(cron));
    await fireCron(cron);
  }
  // The first crons' own log lines arrive just after their answers: the URLs go below them.
  await whenQuiet(devLog, crons().length);
  console.log(
    [
      "",
      `  Seam is running at ${origin}`,
      `  Demo store:     ${origin}/demo        (npm run seed:traffic fills it with shoppers)`,
      `  Dashboard:      ${origin}/dashboard   (sign in with the secret key sk_demo)`,
      `  API reference:  ${origin}/docs        (the OpenAPI document: ${origin}/openapi.json)`,
      `  Browser files:  ${origin}/seam.js, /seam.mjs, /seam-widget.js, /seam-widget.mjs`,
      `  Cron (${crons().join(", ")}) runs locally on its schedule; tracked links point at ${origin}`,
      "",
    ].join("\n"),
  );
}
