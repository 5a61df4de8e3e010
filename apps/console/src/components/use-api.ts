import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';

/** GET `path` (again when `path` changes, or on `reload()`): its data, or its error, or loading. */
export function useApi<T>(path: string | null): {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
} {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
