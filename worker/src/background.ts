// Work that runs after the response (`waitUntil`): a failure there has no caller to tell, so it is logged as a Seam line.

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** Runs `work` after the response; if it fails, logs `seam: <what> failed` with the error instead of losing it. */
export function afterResponse(ctx: WaitUntil, what: string, work: Promise<unknown>): void {
  ctx.waitUntil(
    work.catch((error: unknown) => {
      console.error(`seam: ${what} failed`, error);
    }),
  );
}
