// Sign-in: one password field for the workspace's secret key, exchanged at once for a session
// cookie (POST /v1/session); the key is not kept anywhere in the page afterwards.
import { useState } from "preact/hooks";
import { api, ApiError } from "../api/client.ts";
import type { Session } from "../api/types.ts";
import { describeError } from "./states.tsx";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: string | null }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem("secret_key") as HTMLInputElement;
    setBusy(true);
    setProblem(null);
    try {
      const session = await api<Session>("/v1/session", { method: "POST", body: { secret_key: field.value.trim() } });
      field.value = "";
      onSignedIn(session);
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 401
          ? "That is not the secret key of any workspace. Check it and try again."
          : error instanceof ApiError && error.status === 400
            ? "Enter the workspace's secret key."
            : describeError(error as Error),
      );
      field.focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form class="sign-in-card" onSubmit={submit} noValidate>
        <p class="brand brand-large" aria-hidden="true">
          <span class="brand-mark">S</span> Seam
        </p>
        <h1>Sign in to your workspace</h1>
        <p class="muted">Use the workspace's secret key. It is exchanged for a session that lasts 12 hours; the page does not keep the key.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label class="field">
          <span class="field-label">Secret key</span>
          <input
            name="secret_key"
            type="password"
            autocomplete="current-password"
            spellcheck={false}
            required
            aria-invalid={problem !== null}
            aria-describedby={problem ? "sign-in-problem" : undefined}
          />
        </label>
        {problem && (
          <p class="field-error" id="sign-in-problem" role="alert">
            {problem}
          </p>
        )}
        <button class="button button-primary button-wide" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
