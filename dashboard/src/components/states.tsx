// Loading, empty and error states: every read on every page shows one of these until it has data.
import type { ComponentChildren } from "preact";
import { ApiError } from "../api/client.ts";

export function Loading({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <span class="skeleton-line" aria-hidden="true" style={{ width: `${90 - i * 17}%` }} key={i} />
      ))}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p class="state-title">{title}</p>
      {children && <div class="state-body">{children}</div>}
    </div>
  );
}

/** What went wrong, in words: the API's own message, or that Seam could not be reached. */
export function describeError(error: Error): string {
  if (error instanceof ApiError) return error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".";
  return "Seam could not be reached. Check the connection and try again.";
}

export function ErrorState({ error, retry, title = "This could not be loaded" }: { error: Error; retry?: () => void; title?: string }) {
  return (
    <div class="state state-error" role="alert">
      <p class="state-title">{title}</p>
      <p class="state-body">{describeError(error)}</p>
      {retry && (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

const STATUS_TONES: Record<string, string> = {
  clicked: "good",
  opened: "good",
  delivered: "good",
  sent: "info",
  queued: "neutral",
  pending: "neutral",
  sending: "info",
  failed: "bad",
  dropped: "warn",
  cancelled: "neutral",
  done: "info",
  completed: "good",
  exited: "neutral",
  on: "good",
  off: "neutral",
  granted: "good",
  denied: "bad",
};

export function Badge({ status, children }: { status: string; children?: ComponentChildren }) {
  return <span class={`badge badge-${STATUS_TONES[status] ?? "neutral"}`}>{children ?? status}</span>;
}

export function Card({ title, actions, children, class: className }: { title?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${className ?? ""}`} aria-label={title}>
      {(title || actions) && (
        <header class="card-header">
          {title && <h2>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}
