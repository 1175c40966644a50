import { useMemo, useState } from 'react';
import { listRecords, type RecordSummary } from '../api/chartkeep';
import { recordDateParts, recordSortKey } from '../lib/dates';
import { formatCount } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { EmptyState, ErrorNotice, Loading } from './Notices';

/** How many records are drawn before "Show more". */
export const pageSize = 100;

interface RecordListProps {
  connectionID: string;
  type: string;
  label: string;
  /** version changes when the downloaded records may have changed. */
  version: string;
  onOpen: (r: RecordSummary) => void;
}

/** RecordList lists the records of one kind, newest first. */
export function RecordList({ connectionID, type, label, version, onOpen }: RecordListProps) {
  const [records, retry] = useLoad(
    `records:${connectionID}:${type}`,
    () => listRecords(connectionID, type),
    version,
  );
  const [shown, setShown] = useState(pageSize);
  const sorted = useMemo(
    () => (records.state === 'ready' ? newestFirst(records.value) : []),
    [records],
  );

  return (
    <section className="records-pane" aria-labelledby="records-heading">
      <h2 id="records-heading" className="pane-heading">
        {label}
        {records.state === 'ready' ? (
          <span className="pane-count">{formatCount(sorted.length, 'record', 'records')}</span>
        ) : null}
      </h2>
      {records.state === 'loading' ? <Loading label={`Opening ${label.toLowerCase()}…`} /> : null}
      {records.state === 'failed' ? (
        <ErrorNotice
          title={`Your ${label.toLowerCase()} could not be opened.`}
          error={records.error}
          onRetry={retry}
        />
      ) : null}
      {records.state === 'ready' && sorted.length === 0 ? (
        <EmptyState title={`No ${label.toLowerCase()} yet.`}>
          Your practice has not sent any, or they have not been downloaded yet. “Sync now” fetches
          the latest.
        </EmptyState>
      ) : null}
      {sorted.length > 0 ? (
        <ul className="record-list">
          {sorted.slice(0, shown).map((r) => (
            <li key={`${r.type}/${r.id}`}>
              <button
                type="button"
                className="record"
                data-record={`${r.type}/${r.id}`}
                onClick={() => onOpen(r)}
              >
                <RecordDate value={r.date} />
                <span className="record-main">
                  <span className="record-title">{r.title || 'Untitled record'}</span>
                  {r.subtitle !== '' ? <span className="record-subtitle">{r.subtitle}</span> : null}
                </span>
                {r.status !== '' ? <span className="record-status">{r.status}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {sorted.length > shown ? (
        <button type="button" className="button more" onClick={() => setShown(shown + pageSize)}>
          Show {Math.min(pageSize, sorted.length - shown)} more
        </button>
      ) : null}
    </section>
  );
}

function RecordDate({ value }: { value: string }) {
  const { date, time } = recordDateParts(value);
  return (
    <span className="record-date">
      <span>{date || 'No date'}</span>
      {time !== '' ? <span className="record-time">{time}</span> : null}
    </span>
  );
}

/**
 * newestFirst orders records by date, newest first. Records without a
 * readable date go last, in the order the backend gave them.
 */
export function newestFirst(records: RecordSummary[]): RecordSummary[] {
  const keyed = records.map((r, i) => ({ r, i, k: recordSortKey(r.date) }));
  keyed.sort((a, b) => {
    if (a.k !== null && b.k !== null && a.k !== b.k) {
      return b.k - a.k;
    }
    if (a.k === null && b.k !== null) return 1;
    if (a.k !== null && b.k === null) return -1;
    return a.i - b.i;
  });
  return keyed.map((x) => x.r);
}
