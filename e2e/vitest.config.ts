// Browser tests: real Chromium (Debian's, via playwright-core) against the worker under `wrangler dev`.
// Run by `npm run test:browser` (and .ci/run), apart from `npm test`, because they need Chromium.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "browser",
    include: ["e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // One worker and one browser for the whole run: the files share nothing, but 2 cores do.
    fileParallelism: false,
  },
});
