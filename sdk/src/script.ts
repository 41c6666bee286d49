// The script-tag build: installs `window.seam` and replays what the snippet queued before it loaded.
import { seam } from "./browser.ts";

/** A call the snippet recorded: method, its arguments, and the resolver of the promise it returned. */
type QueuedCall = [string, Iterable<unknown>, (value: unknown) => void];

const w = self as unknown as { seam?: QueuedCall[] | typeof seam };
const queued = w.seam;
w.seam = seam;
// init first wherever it was called (a stable sort keeps the rest in call order), so calls made
// before it still reach the workspace it names.
if (Array.isArray(queued))
  for (const [m, a, r] of queued.sort((x, y) => +(x[0] != "init") - +(y[0] != "init")))
    r((seam as unknown as Record<string, Function>)[m]!(...(a as unknown[])));
