// One hook for every read a page makes: loading, the answer or the error, and a way to ask again.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Resource<T> =
  | { state: "loading"; data?: undefined; error?: undefined }
  | { state: "ready"; data: T; error?: undefined }
  | { state: "error"; data?: undefined; error: Error };

/**
 * Runs `load` whenever `key` changes (null: nothing to load yet); an answer to an older key is
 * dropped (its request is aborted), so a fast typist never sees a stale customer.
 */
export function useApi<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Resource<T> & { reload: () => void } {
  const [resource, setResource] = useState<Resource<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const loadedKey = useRef<string | null>(null);
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    // Asking again for the same thing keeps the answer on screen until the new one arrives.
    const refresh = loadedKey.current === key;
    loadedKey.current = key;
    setResource((r) => (refresh && r.state === "ready" ? r : { state: "loading" }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setResource({ state: "ready", data }),
      (error: Error) => !controller.signal.aborted && setResource({ state: "error", error }),
    );
    return () => controller.abort();
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...resource, reload };
}
