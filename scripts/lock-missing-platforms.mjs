#!/usr/bin/env node
// Records in package-lock.json the platform-only optional packages (workerd for macOS/Windows) that
// this machine's npm registry mirror does not carry. `npm install` leaves them out of the lock when
// the registry answers 404, and `npm ci` then refuses the lock as out of sync. An entry restricted
// to its os/cpu is never fetched on Linux, so CI installs exactly what it did before.
// Run after any `npm install` that rewrites the lock: `node scripts/lock-missing-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = {
  "darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "windows-64": { os: ["win32"], cpu: ["x64"] },
  "linux-64": { os: ["linux"], cpu: ["x64"] },
  "linux-arm64": { os: ["linux"], cpu: ["arm64"] },
};

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const platform = PLATFORMS[name.replace("@cloudflare/workerd-", "")];
    if (!name.startsWith("@cloudflare/workerd-") || !platform) continue;
    packages[`node_modules/${name}`] = { version, ...platform, dev: true, license: "Apache-2.0", optional: true, engines: { node: ">=16" } };
    added += 1;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: recorded ${added} platform-only package(s)`);
