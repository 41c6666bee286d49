// Calls to Seam's API from the dashboard: same origin, the session cookie, the CSRF token on every
// change, and the API's one error shape turned into an ApiError the pages can put into words.

/** One problem with a request's body or query, as the API's validators report it (`details`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldIssue[];

  constructor(status: number, code: string, message: string, details: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details)
      ? details.filter((d): d is FieldIssue => typeof d?.path === "string" && typeof d?.message === "string")
      : [];
  }
}

/** The session's CSRF token, held in memory only (never storage): sent as x-seam-csrf on changes. */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Told when the API answers 401: the session ended (expired, signed out elsewhere, key rotated). */
let onSessionLost: () => void = () => {};
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
}

/** A JSON call to the API; rejects with ApiError on any error answer, with fetch's error offline. */
export async function api<T>(path: string, { method = "GET", body, signal }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-seam-csrf"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  if (res.ok) return (await res.json()) as T;
  const error = await res.json().then(
    (b: { error?: { code?: string; message?: string; details?: unknown } }) => b.error,
    () => undefined,
  );
  if (res.status === 401 && !path.startsWith("/v1/session")) onSessionLost();
  throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `the server answered ${res.status}`, error?.details);
}

/** Fetches a download (an export) with the session and hands it to the browser as a file. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) {
    const error = await res.json().then((b: { error?: { code?: string; message?: string } }) => b.error, () => undefined);
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `the server answered ${res.status}`, undefined);
  }
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  // The click has started the download; the object URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** `?a=1&b=2` from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
