#!/usr/bin/env node
// `npm run dev [-- --port N]`: applies D1 migrations locally, seeds the demo workspace and starts
// `wrangler dev` with local Durable Objects, D1, KV and queues persisted under .wrangler/state.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// Run wrangler's entry with this very Node (22, from the node@22 devDependency), whatever PATH says.
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const args = process.argv.slice(2);
const persistIndex = args.indexOf("--persist-to");
const persist = persistIndex >= 0 ? ["--persist-to", args[persistIndex + 1]] : [];

function run(argv) {
  // CI=1 keeps wrangler from prompting; the local database is ours to change.
  const result = spawnSync(process.execPath, [wrangler, ...argv], { cwd: root, stdio: "inherit", env: { ...process.env, CI: "1" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
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
run(["d1", "migrations", "apply", "DB", "--local", ...persist]);
run(["d1", "execute", "DB", "--local", "--file", "scripts/seed-demo.sql", ...persist]);
console.log("demo workspace ready: write key wk_demo, secret key sk_demo, identity secret ids_demo");

const dev = spawn(process.execPath, [wrangler, "dev", ...args], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
