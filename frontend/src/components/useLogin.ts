import { useCallback, useEffect, useRef, useState } from 'react';
import {
  cancelLogin,
  onLoginStatus,
  toAppError,
  type LoginStart,
  type LoginStatus,
} from '../api/chartkeep';

/** LoginPhase is where a browser login stands, as far as this window knows. */
export type LoginPhase =
  | { phase: 'idle' }
  | { phase: 'starting' }
  | { phase: 'waiting'; attempt: LoginStart; message: string }
  | { phase: 'exchanging'; attempt: LoginStart; message: string }
  | { phase: 'connected'; connectionID: string }
  | { phase: 'failed'; message: string; code: string };

/** LoginFlow drives one login at a time. */
export interface LoginFlow {
  state: LoginPhase;
  /** start begins a login with `begin` (connect or reconnect). */
  start: (begin: () => Promise<LoginStart>) => void;
  /** cancel abandons the login and tells the backend. */
  cancel: () => void;
  /** reset forgets a failed or finished login. */
  reset: () => void;
}

/**
 * useLogin follows a login through the `login:status` events of its attempt.
 * It subscribes on mount and unsubscribes on unmount. Events that arrive
 * before the backend has answered with the attempt id are kept and applied
 * once the id is known.
 */
export function useLogin(onConnected: (connectionID: string) => void): LoginFlow {
  const [state, setState] = useState<LoginPhase>({ phase: 'idle' });
  const attemptRef = useRef<LoginStart | null>(null);
  const startingRef = useRef(false);
  const early = useRef(new Map<string, LoginStatus>());
  const connectedRef = useRef(onConnected);

  useEffect(() => {
    connectedRef.current = onConnected;
  });

  const apply = useCallback((s: LoginStatus, attempt: LoginStart) => {
    switch (s.state) {
      case 'waiting':
        setState({ phase: 'waiting', attempt, message: s.message });
        return;
      case 'exchanging':
        setState({ phase: 'exchanging', attempt, message: s.message });
        return;
      case 'connected':
        attemptRef.current = null;
        setState({ phase: 'connected', connectionID: s.connectionId });
        connectedRef.current(s.connectionId);
        return;
      case 'failed':
        attemptRef.current = null;
        setState({
          phase: 'failed',
          code: 'login_failed',
          message: s.message !== '' ? s.message : 'The login did not finish.',
        });
    }
  }, []);

  useEffect(
    () =>
      onLoginStatus((s) => {
        const attempt = attemptRef.current;
        if (attempt !== null && s.attemptId === attempt.attemptId) {
          apply(s, attempt);
        } else if (startingRef.current) {
          early.current.set(s.attemptId, s);
        }
      }),
    [apply],
  );

  const start = useCallback(
    (begin: () => Promise<LoginStart>) => {
      attemptRef.current = null;
      startingRef.current = true;
      early.current.clear();
      setState({ phase: 'starting' });
      begin().then(
        (attempt) => {
          if (!startingRef.current) {
            return;
          }
          startingRef.current = false;
          attemptRef.current = attempt;
          setState({ phase: 'waiting', attempt, message: '' });
          const first = early.current.get(attempt.attemptId);
          early.current.clear();
          if (first !== undefined) {
            apply(first, attempt);
          }
        },
        (err: unknown) => {
          startingRef.current = false;
          const e = toAppError(err);
          setState({ phase: 'failed', message: e.message, code: e.code });
        },
      );
    },
    [apply],
  );

  const cancel = useCallback(() => {
    attemptRef.current = null;
    startingRef.current = false;
    setState({ phase: 'idle' });
    // The attempt is forgotten here either way; a failure to cancel only
    // means the backend lets it expire on its own.
    cancelLogin().catch(() => undefined);
  }, []);

  const reset = useCallback(() => {
    attemptRef.current = null;
    startingRef.current = false;
    setState({ phase: 'idle' });
  }, []);

  return { state, start, cancel, reset };
}
