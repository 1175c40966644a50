import { listSyncRuns, type SyncRun } from '../api/chartkeep';
import { formatInstant } from '../lib/dates';
import { formatCount } from '../lib/format';
import { useLoad } from '../lib/hooks';

const statusWords: Record<string, string> = {
  ok: 'Complete',
  partial: 'Some records missing',
  failed: 'Failed',
  cancelled: 'Stopped',
  interrupted: 'Interrupted',
  running: 'In progress',
};

/**
 * SyncHistory lists a connection's latest downloads: when, how long, how
 * many records, and what went wrong for which kind of record.
 */
export function SyncHistory({ connectionID, version }: { connectionID: string; version: string }) {
  const [runs] = useLoad(`runs:${connectionID}`, () => listSyncRuns(connectionID), version);
  if (runs.state !== 'ready' || runs.value.length === 0) {
    return null;
  }
  return (
    <details className="sync-history">
      <summary>Download history</summary>
      <ul>
        {runs.value.map((r, i) => (
          <RunLine key={`${r.startedAt}:${i}`} run={r} />
        ))}
      </ul>
    </details>
  );
}

function RunLine({ run }: { run: SyncRun }) {
  const problems = Object.entries(run.errors);
  return (
    <li>
      <span>{formatInstant(run.startedAt)}</span>
      <span>{statusWords[run.status] ?? 'Unknown'}</span>
      <span className="muted">
        {formatCount(run.records, 'record', 'records')} in {run.seconds.toFixed(1)} s
        {run.resumed ? ' · continued an earlier download' : ''}
      </span>
      {problems.length > 0 ? (
        <ul className="muted">
          {problems.map(([type, msg]) => (
            <li key={type}>{`${type}: ${msg}`}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
