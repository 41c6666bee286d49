// Starts the worker with `npm run dev`'s script on a free port with its own state dir, for benchmarks.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** wrangler dev starts in 10–20 s on a quiet machine; a busy 2-core one (CI, parallel builds) took over 90 s once. */
const START_TIMEOUT_MS = 180_000;

const root = path.resolve(import.meta.dirname, "..", "..");

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * wrangler dev's local trace collector and data explorer (on by default since wrangler 4.16x)
 * record every request, RPC call, SQL statement and queue delivery in the same workerd process:
 * about half of its CPU per ingest request (7.6 → 3.7 ms in back-to-back runs) and a third per
 * no-op request, which production has nowhere in the request path. The benchmarks measure Seam,
 * so they turn both off; set X_LOCAL_OBSERVABILITY=true X_LOCAL_EXPLORER=true to compare.
 */
export const LOCAL_DEVTOOLS_OFF = { X_LOCAL_OBSERVABILITY: "false", X_LOCAL_EXPLORER: "false" };

/** One line for a benchmark's header: whether the local devtools were in the measured process. */
export function devtoolsNote() {
  const on = Object.keys(LOCAL_DEVTOOLS_OFF).filter((name) => (process.env[name] ?? "false") !== "false");
  return on.length
    ? `wrangler's local devtools on (${on.join(", ")}): figures include their cost`
    : "wrangler's local trace collector and data explorer off (X_LOCAL_OBSERVABILITY / X_LOCAL_EXPLORER), as in production";
}

/**
 * Starts a local worker; resolves with its base URL, stop() and kill() once it answers.
 * `extraArgs` go to `wrangler dev`. With `stateDir` the worker keeps its state there (and stop()
 * leaves it), so a second worker can start on the state the first one left; kill() ends the whole
 * process group at once (SIGKILL), a crash. `host: "localhost"` starts it as a plain
 * `npm run dev -- --port N` would (no --ip), so the worker names itself http://localhost:N.
 */
export async function startLocalWorker({ log = false, extraArgs = [], stateDir, host = "127.0.0.1" } = {}) {
  const port = await freePort();
  const state = stateDir ?? mkdtempSync(path.join(process.env.BENCH_STATE_DIR ?? tmpdir(), "seam-bench-"));
  const ip = host === "localhost" ? [] : ["--ip", host];
  const child = spawn(
    process.execPath,
    [path.join(root, "scripts", "dev.mjs"), "--port", String(port), ...ip, "--persist-to", state, ...extraArgs],
    { cwd: root, stdio: log ? "inherit" : "ignore", detached: true, env: { ...LOCAL_DEVTOOLS_OFF, ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  const url = `http://${host}:${port}`;
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {}
  };
  const stop = () => {
    signal("SIGTERM");
    if (!stateDir) rmSync(state, { recursive: true, force: true });
  };
  const kill = () => signal("SIGKILL");
  process.on("exit", stop);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`local worker exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/`)).ok) return { url, stop, kill, pid: child.pid };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`local worker did not start within ${START_TIMEOUT_MS / 1000} s`);
}
