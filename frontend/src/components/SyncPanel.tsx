import { friendlyType } from '../lib/labels';
import { formatCount } from '../lib/format';
import type { SyncTally } from './useSyncProgress';

interface SyncPanelProps {
  tally: SyncTally;
  syncing: boolean;
  onDismiss: () => void;
}

/**
 * SyncPanel shows how the download of records is going, type by type. The
 * number of kinds of record is only known as they start, so while the
 * download runs the bar moves without claiming a percentage.
 */
export function SyncPanel({ tally, syncing, onDismiss }: SyncPanelProps) {
  if (!syncing && tally.types.length === 0 && tally.finished === null) {
    return null;
  }
  const finished = !syncing || tally.finished !== null;
  const running = tally.types.length - tally.done;
  const shown = finished ? tally.types.filter((t) => t.errors > 0) : tally.types;
  return (
    <section className="panel sync-panel" aria-labelledby="sync-heading">
      <div className="sync-head">
        <h2 id="sync-heading">{finished ? 'Download finished' : 'Downloading your records…'}</h2>
        {finished ? (
          <button type="button" className="button button-quiet" onClick={onDismiss}>
            Hide
          </button>
        ) : null}
      </div>
      <div
        className={`sync-bar ${finished ? 'sync-bar-done' : 'sync-bar-running'}`}
        role="progressbar"
        aria-label="Download progress"
        aria-valuetext={finished ? 'Finished' : `${tally.done} kinds of record done, ${running} in progress`}
        {...(finished ? { 'aria-valuemin': 0, 'aria-valuemax': 1, 'aria-valuenow': 1 } : {})}
      >
        <span className="sync-bar-fill" />
      </div>
      {tally.finished !== null && tally.finished.message !== '' ? (
        <p className="sync-outcome">{tally.finished.message}</p>
      ) : null}
      <p className="sync-summary" role="status" aria-live="polite">
        {finished
          ? `${formatCount(tally.resources, 'record', 'records')} downloaded`
          : `${formatCount(tally.resources, 'record', 'records')} so far · ${tally.done} ${tally.done === 1 ? 'kind' : 'kinds'} of record done, ${running} in progress`}
        {tally.errors > 0 ? ` · ${formatCount(tally.errors, 'problem', 'problems')}` : ''}
      </p>
      {shown.length > 0 ? (
        <ul className="sync-types">
          {shown.map((t) => (
            <li key={t.type} className={`sync-type ${t.errors > 0 ? 'sync-type-problem' : ''}`}>
              <span className="sync-type-name">{friendlyType(t.type)}</span>
              <span className="sync-type-state">
                {t.done ? (t.errors > 0 ? 'Partly downloaded' : 'Done') : 'Downloading'}
                {' · '}
                {t.resources.toLocaleString()}
              </span>
              {t.message !== '' && t.errors > 0 ? (
                <span className="sync-type-message">{t.message}</span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
