// One error type for every 4xx/5xx Seam answers, shaped once in app.onError.
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;
  /** Headers the error response carries (Retry-After on a 429). */
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(status, { message });
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new ApiError(400, code, message, details);
export const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const notFound = (message: string) => new ApiError(404, "not_found", message);
