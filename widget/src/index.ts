// ESM entry for SPAs and bundlers: mount strips yourself; nothing runs on import.
export { mount, autoMount, optionsFromElement } from "./mount.tsx";
export { formatPrice } from "./Recs.tsx";
export { IDENTITY_KEY } from "./client.ts";
export type { RecItem, RecsResponse, RecsType, WidgetOptions } from "./types.ts";
