#!/usr/bin/env node
// `npm run fuzz [-- --cases N]`: every public route under hostile input (fast-check), 10,000 cases by
// default, in workerd through the vitest plugin (worker/test/public-routes-fuzz.test.ts). Prints
// `N cases, 0×5xx, 0 state changes` and exits non-zero on any 5xx, state change or timeout.
import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const at = args.indexOf("--cases");
const cases = at >= 0 ? Number(args[at + 1]) : 10_000;
if (!Number.isInteger(cases) || cases < 1) {
  console.error("--cases takes a positive whole number");
  process.exit(2);
}
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const child = spawn(process.execPath, [vitest, "run", "--project", "worker", "worker/test/public-routes-fuzz.test.ts"], {
  cwd: root,
  env: { ...process.env, FUZZ_CASES: String(cases) },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += chunk));
child.on("exit", (code) => {
  const summary = /fuzz: (.*)/.exec(output)?.[1];
  if (code !== 0 || !summary) process.stdout.write(output);
  console.log(summary ?? "fuzz: no summary (the run failed before it finished)");
  process.exit(code ?? 1);
});
