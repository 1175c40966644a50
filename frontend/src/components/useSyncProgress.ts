import { useCallback, useEffect, useState } from 'react';
import { getSyncProgress, onSyncProgress, type SyncProgress } from '../api/chartkeep';

/** SyncTally is the latest progress of every record type seen in this sync. */
export interface SyncTally {
  types: SyncProgress[];
  resources: number;
  errors: number;
  done: number;
  /** finished holds the closing message once the whole download has ended. */
  finished: { message: string } | null;
}

const empty: SyncTally = { types: [], resources: 0, errors: 0, done: 0, finished: null };

/**
 * useSyncProgress collects the `sync:progress` events of one connection,
 * subscribing on mount and releasing the subscription on unmount or when the
 * connection changes. `onTypeDone` runs when a record type finishes, so the
 * caller can refresh its counts.
 *
 * An event without a type closes the download and carries its outcome in
 * plain words; a later event of a type starts a new tally.
 */
export function useSyncProgress(
  connectionID: string,
  onTypeDone: () => void,
): [SyncTally, () => void] {
  const [tally, setTally] = useState<{ id: string; tally: SyncTally }>({ id: connectionID, tally: empty });

  useEffect(() => {
    let live = true;
    const seen = new Set<string>();
    const unsubscribe = onSyncProgress(connectionID, (p) => {
      seen.add(p.type);
      setTally((prev) => ({ id: connectionID, tally: add(prev.id === connectionID ? prev.tally : empty, p) }));
      if (p.done) {
        onTypeDone();
      }
    });
    // Events sent before this screen subscribed are fetched once; a type
    // that an event has already updated keeps the newer event.
    getSyncProgress(connectionID)
      .then((missed) => {
        if (!live) return;
        setTally((prev) => {
          let t = prev.id === connectionID ? prev.tally : empty;
          for (const p of missed) {
            if (!seen.has(p.type)) t = add(t, p);
          }
          return { id: connectionID, tally: t };
        });
      })
      .catch(() => undefined);
    return () => {
      live = false;
      unsubscribe();
    };
  }, [connectionID, onTypeDone]);

  const clear = useCallback(() => setTally({ id: connectionID, tally: empty }), [connectionID]);
  return [tally.id === connectionID ? tally.tally : empty, clear];
}

function add(t: SyncTally, p: SyncProgress): SyncTally {
  if (p.type === '') {
    return { ...t, finished: { message: p.message } };
  }
  const base = t.finished !== null ? empty : t;
  const types = base.types.some((x) => x.type === p.type)
    ? base.types.map((x) => (x.type === p.type ? p : x))
    : [...base.types, p];
  return {
    types,
    resources: types.reduce((n, x) => n + x.resources, 0),
    errors: types.reduce((n, x) => n + x.errors, 0),
    done: types.filter((x) => x.done).length,
    finished: null,
  };
}
