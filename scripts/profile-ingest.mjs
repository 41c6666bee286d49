#!/usr/bin/env node
// `npm run profile:ingest`: CPU profile of the worker's isolate (the route, the CustomerDOs
// and the events consumer share it locally) during the ingest bench's spread run; prints self time
// by function with its bundle line, to find what to make cheaper. D1, the queue broker and
// wrangler's proxy run in other isolates: their time shows here as (idle).
import autocannon from "autocannon";
import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import { startLocalWorker } from "./lib/local-worker.mjs";
import { DEMO_WRITE_KEY_AUTH, storefrontBatch } from "./lib/storefront-batch.mjs";

const INSPECTOR_PORT = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9330);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 32;
const CUSTOMERS = 1000;
const TOP = Number(process.env.PROFILE_TOP ?? 40);
const AUTH = DEMO_WRITE_KEY_AUTH;

const batchBody = (customer) => storefrontBatch(customer, "pm");

const post = (url, customer) =>
  fetch(`${url}/v1/batch`, { method: "POST", headers: { "content-type": "text/plain", authorization: AUTH }, body: batchBody(customer) }).then((r) => r.text());

const { url, stop } = await startLocalWorker({ extraArgs: ["--inspector-port", String(INSPECTOR_PORT)] });
try {
  for (let c = 0; c < CUSTOMERS; c += 25) await Promise.all(Array.from({ length: 25 }, (_, i) => post(url, c + i)));
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((r) => ws.once("open", r));
  let id = 0;
  const pending = new Map();
  const scripts = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.method === "Debugger.scriptParsed") scripts.set(msg.params.scriptId, msg.params.url);
    if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg.result), pending.delete(msg.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Debugger.enable");
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  let rr = 0;
  await send("Profiler.start");
  const result = await new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: DURATION_S,
        requests: [{ method: "POST", path: "/v1/batch", headers: { "content-type": "text/plain", authorization: AUTH }, setupRequest: (req) => ({ ...req, body: batchBody(rr++ % CUSTOMERS) }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  const { profile } = await send("Profiler.stop");
  // Source lines, so an anonymous function in the bundle can be told apart from another.
  const sources = new Map();
  for (const node of profile.nodes) {
    const { scriptId } = node.callFrame;
    if (scriptId && scriptId !== "0" && !sources.has(scriptId))
      sources.set(scriptId, ((await send("Debugger.getScriptSource", { scriptId })).scriptSource ?? "").split("\n"));
  }
  ws.close();
  writeFileSync(process.env.PROFILE_OUT ?? "/tmp/seam-ingest.cpuprofile", JSON.stringify(profile));
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  for (const node of profile.nodes) {
    const t = dt.get(node.id) ?? 0;
    total += t;
    const f = node.callFrame;
    const line = (sources.get(f.scriptId)?.[f.lineNumber] ?? "").trim().slice(0, 70);
    const key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}  ${line}`;
    self.set(key, (self.get(key) ?? 0) + t);
  }
  const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((n, [, t]) => n + t, 0);
  console.log(`ingest ${Math.round(result.requests.average)} req/s; busy ${(100 * (1 - idle / total)).toFixed(1)}% of the isolate thread`);
  for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
} finally {
  stop();
}
