import { useCallback, useEffect, useState } from 'react';
import { onSyncProgress, type SyncProgress } from '../api/chartkeep';

/** SyncTally is the latest progress of every record type seen in this sync. */
export interface SyncTally {
  types: SyncProgress[];
  resources: number;
  errors: number;
  done: number;
}

const empty: SyncTally = { types: [], resources: 0, errors: 0, done: 0 };

/**
 * useSyncProgress collects the `sync:progress` events of one connection,
 * subscribing on mount and releasing the subscription on unmount or when the
 * connection changes. `onTypeDone` runs when a record type finishes, so the
 * caller can refresh its counts.
 */
export function useSyncProgress(
  connectionID: string,
  onTypeDone: () => void,
): [SyncTally, () => void] {
  const [tally, setTally] = useState<{ id: string; tally: SyncTally }>({ id: connectionID, tally: empty });

  useEffect(
    () =>
      onSyncProgress(connectionID, (p) => {
        setTally((prev) => ({ id: connectionID, tally: add(prev.id === connectionID ? prev.tally : empty, p) }));
        if (p.done) {
          onTypeDone();
        }
      }),
    [connectionID, onTypeDone],
  );

  const clear = useCallback(() => setTally({ id: connectionID, tally: empty }), [connectionID]);
  return [tally.id === connectionID ? tally.tally : empty, clear];
}

function add(t: SyncTally, p: SyncProgress): SyncTally {
  const key = p.type;
  const types = t.types.some((x) => x.type === key)
    ? t.types.map((x) => (x.type === key ? p : x))
    : [...t.types, p];
  return {
    types,
    resources: types.reduce((n, x) => n + x.resources, 0),
    errors: types.reduce((n, x) => n + x.errors, 0),
    done: types.filter((x) => x.done).length,
  };
}
