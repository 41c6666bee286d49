// The signed-in session, for the pages that need the workspace (its name, its public write key).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Session } from "./api/types.ts";

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in dashboard");
  return session;
}
