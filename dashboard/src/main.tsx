// Entry of /dashboard/app.js: draws the dashboard into the page the worker serves.
import { render } from "preact";
import { App } from "./app.tsx";

const root = document.getElementById("app")!;
// The shell's "Loading Seam…" line goes: Preact renders into an empty element.
root.textContent = "";
render(<App />, root);
