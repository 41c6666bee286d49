// The dashboard: the session first (sign-in when there is none), then the shell and its pages.
import { useEffect, useState } from "preact/hooks";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { api, setCsrfToken, whenSessionLost } from "./api/client.ts";
import type { Session } from "./api/types.ts";
import { Shell } from "./components/Shell.tsx";
import { SignIn } from "./components/SignIn.tsx";
import { ErrorState, Loading } from "./components/states.tsx";
import { ChannelsPage } from "./pages/Channels.tsx";
import { CustomerPage } from "./pages/Customer.tsx";
import { CustomersPage } from "./pages/Customers.tsx";
import { MessagesPage } from "./pages/Messages.tsx";
import { NotFoundPage } from "./pages/NotFound.tsx";
import { OverviewPage } from "./pages/Overview.tsx";
import { RecommendationsPage } from "./pages/Recommendations.tsx";
import { SegmentPage, SegmentsPage } from "./pages/Segments.tsx";
import { TriggerPage } from "./pages/Trigger.tsx";
import { TriggersPage } from "./pages/Triggers.tsx";
import { SessionContext } from "./session-context.ts";

type SessionState = { kind: "checking" } | { kind: "signed-out"; notice: string | null } | { kind: "signed-in"; session: Session } | { kind: "unreachable"; error: Error };

export function App() {
  const [state, setState] = useState<SessionState>({ kind: "checking" });
  const signedIn = (session: Session) => {
    setCsrfToken(session.csrf_token);
    setState({ kind: "signed-in", session });
  };
  const signedOut = (notice: string | null) => {
    setCsrfToken(null);
    setState({ kind: "signed-out", notice });
  };
  const check = () =>
    api<Session | { signed_in: false }>("/v1/session").then(
      (answer) => (answer.signed_in ? signedIn(answer) : signedOut(null)),
      (error: Error) => setState({ kind: "unreachable", error }),
    );
  useEffect(() => {
    whenSessionLost(() => signedOut("Your session ended. Sign in again to carry on."));
    void check();
  }, []);

  if (state.kind === "checking") return <Loading label="Checking your session…" />;
  if (state.kind === "unreachable") return <ErrorState error={state.error} retry={check} title="Seam could not be reached" />;
  if (state.kind === "signed-out") return <SignIn onSignedIn={signedIn} notice={state.notice} />;
  const signOut = async () => {
    await api("/v1/session", { method: "DELETE" }).catch(() => undefined);
    signedOut("You are signed out.");
  };
  return (
    <SessionContext.Provider value={state.session}>
    <LocationProvider scope="/dashboard">
      <Shell session={state.session} onSignOut={signOut}>
        <Router onRouteChange={() => document.getElementById("main")?.focus({ preventScroll: true })}>
          <Route path="/dashboard" component={OverviewPage} />
          <Route path="/dashboard/overview" component={OverviewPage} />
          <Route path="/dashboard/channels" component={ChannelsPage} />
          <Route path="/dashboard/customers" component={CustomersPage} />
          <Route path="/dashboard/customers/:id" component={CustomerPage} />
          <Route path="/dashboard/segments" component={SegmentsPage} />
          <Route path="/dashboard/segments/:id" component={SegmentPage} />
          <Route path="/dashboard/triggers" component={TriggersPage} />
          <Route path="/dashboard/triggers/:id" component={TriggerPage} />
          <Route path="/dashboard/messages" component={MessagesPage} />
          <Route path="/dashboard/recommendations" component={RecommendationsPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </Shell>
    </LocationProvider>
    </SessionContext.Provider>
  );
}
