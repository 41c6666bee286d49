// Script-tag entry (seam-widget.js): reads data-write-key/data-host from its own tag and mounts every placeholder.
import { autoMount, mount } from "./mount.tsx";
import type { WidgetOptions } from "./types.ts";

/** Set by the first copy of the script, so a tag included twice does not mount every strip twice. */
const GLOBAL_NAME = "seamWidget";

function scriptDefaults(): WidgetOptions {
  // currentScript is set while an async classic script runs; the query covers a tag manager's wrapper.
  const script = (document.currentScript ?? document.querySelector("script[data-write-key]")) as HTMLScriptElement | null;
  const data = script?.dataset ?? {};
  // Without data-host, strips ask the origin the script came from: right when the Seam host serves it.
  const host = data.host ?? (script?.src ? new URL(script.src).origin : "");
  return { writeKey: data.writeKey, host };
}

/** `window.seamWidget`: `mount(element, options)` with the tag's key and host filled in; `stop()` ends the watching. */
const page = globalThis as { [GLOBAL_NAME]?: unknown };
if (!page[GLOBAL_NAME]) {
  const defaults = scriptDefaults();
  page[GLOBAL_NAME] = {
    mount: (element: Element, options: WidgetOptions) => mount(element, { ...defaults, ...options }),
    stop: autoMount(defaults),
  };
}
