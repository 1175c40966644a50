/** Small React hooks shared by the screens. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { AppError, toAppError } from '../api/chartkeep';

/** Loaded is the state of a value fetched from the backend. */
export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'failed'; error: AppError };

/**
 * useLoad runs `load` whenever `key` or `version` changes (and when `reload`
 * is called) and keeps only the newest answer, so a slow earlier answer never
 * overwrites a later one. A new key starts from "loading"; a new version or
 * a reload keeps showing the previous value until the new one arrives.
 */
export function useLoad<T>(
  key: string,
  load: () => Promise<T>,
  version = '',
): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<{ key: string; value: Loaded<T> }>({
    key,
    value: { state: 'loading' },
  });
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let current = true;
    loadRef.current().then(
      (value) => current && setLoaded({ key, value: { state: 'ready', value } }),
      (err: unknown) => current && setLoaded({ key, value: { state: 'failed', error: toAppError(err) } }),
    );
    return () => {
      current = false;
    };
  }, [key, version, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  // A new key must not show the previous key's value while it loads.
  const value: Loaded<T> = loaded.key === key ? loaded.value : { state: 'loading' };
  return [value, reload];
}

/** useDebounced returns `value` once it has stayed unchanged for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
