// `npm run dev`'s own output, as a newcomer sees it: the D1 migrations table once, no prompt or
// telemetry notice, no Request.cf stack trace, the bindings once, and the URLs of the demo store,
// the dashboard and the API reference last. Then a second start on the same state: no table at all.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { freePort } from "../scripts/lib/local-worker.mjs";

const root = path.resolve(import.meta.dirname, "..");
const state = mkdtempSync(path.join(tmpdir(), "seam-dev-start-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

/** Starts `npm run dev -- --port N` (its script, with this Node) and collects its output until the URLs are printed. */
async function start(port: number): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, "scripts/dev.mjs"), "--port", String(port), "--persist-to", state], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  try {
    const deadline = Date.now() + 150_000;
    while (!/Cron \(.*\) runs locally/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no URLs within 150 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // What it printed by itself, before the requests below add their own log lines.
    const printed = output;
    const origin = `http://localhost:${port}`;
    for (const page of ["/demo", "/dashboard", "/docs"]) expect((await fetch(`${origin}${page}`)).status, page).toBe(200);
    return printed;
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {}
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("npm run dev's output", () => {
  it("shows the migrations table once, asks nothing, and ends with the demo store, dashboard and docs URLs", async () => {
    const port = await freePort();
    const output = await start(port);
    expect(count(output, "0001_workspaces.sql"), output).toBe(1);
    expect(count(output, "0009_stores_and_coupons.sql"), output).toBe(1);
    expect(count(output, "Your Worker has access to the following bindings:"), output).toBe(1);
    for (const noise of ["About to apply", "continue?", "Ok to proceed", "non-interactive context", "Request.cf", "telemetry", "ENOTFOUND", "/__scheduled"]) {
      expect(output, noise).not.toContain(noise);
    }
    const origin = `http://localhost:${port}`;
    const lines = output.trimEnd().split("\n");
    const urls = lines.slice(lines.findIndex((l) => l.includes(`Seam is running at ${origin}`)));
    // "Seam is running at …", then the five lines of where things are, and nothing after them.
    expect(urls.length, output).toBe(6);
    for (const url of [`${origin}/demo`, `${origin}/dashboard`, `${origin}/docs`]) expect(urls.join("\n")).toContain(url);
  }, 180_000);

  it("on a second start over the same state, says the database is up to date instead of a table", async () => {
    const output = await start(await freePort());
    expect(output).toContain("D1 migrations: the local database is up to date");
    expect(output).not.toContain("0001_workspaces.sql");
  }, 180_000);
});
