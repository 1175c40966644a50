import { useCallback, useEffect, useRef, useState } from 'react';
import {
  cancelSync,
  getPatient,
  listGroups,
  reconnect,
  syncNow,
  toAppError,
  type AppError,
  type ConnectionView,
  type GroupView,
  type RecordSummary,
} from '../api/chartkeep';
import { formatInstant } from '../lib/dates';
import { formatCount } from '../lib/format';
import { useLoad, type Loaded } from '../lib/hooks';
import { groupLabel } from '../lib/labels';
import { GroupList } from './GroupList';
import { LoginPanel } from './LoginPanel';
import { ManageConnection } from './ManageConnection';
import { EmptyState, ErrorNotice, Loading } from './Notices';
import { PatientBanner } from './PatientBanner';
import { RecordDetailView } from './RecordDetailView';
import { RecordList } from './RecordList';
import { effectiveStatus, expiryText, StatusChip } from './StatusChip';
import { SyncHistory } from './SyncHistory';
import { SyncPanel } from './SyncPanel';
import { useLogin } from './useLogin';
import { useSyncProgress } from './useSyncProgress';

interface ConnectionScreenProps {
  connection: ConnectionView;
  /** onChanged asks the app to reload the list of connections. */
  onChanged: () => void;
}

/** ConnectionScreen shows one practice account: who, its status, and its records. */
export function ConnectionScreen({ connection, onChanged }: ConnectionScreenProps) {
  const id = connection.id;
  const version = connection.lastSyncAt;
  const [patient, retryPatient] = useLoad(`patient:${id}`, () => getPatient(id), version);
  const [groups, reloadGroups] = useLoad(`groups:${id}`, () => listGroups(id), version);
  const refreshSoon = useThrottled(reloadGroups, 750);
  const [tally, clearTally] = useSyncProgress(id, refreshSoon);
  const [actionError, setActionError] = useState<{ title: string; error: AppError } | null>(null);
  const login = useLogin(onChanged);
  const status = effectiveStatus(connection);
  const syncing = status === 'syncing';
  const offline = status === 'needs_reconnect' || status === 'disconnected';

  const run = (title: string, action: () => Promise<void>) => {
    setActionError(null);
    action().then(onChanged, (err: unknown) => setActionError({ title, error: toAppError(err) }));
  };
  const startSync = () => {
    clearTally();
    run('The download could not start.', () => syncNow(id));
  };
  const startReconnect = () => {
    setActionError(null);
    login.start(() => reconnect(id));
  };

  return (
    <div className="screen connection">
      <header className="banner">
        <PatientBanner
          patient={patient}
          fallbackName={connection.patientName}
          practiceName={connection.practiceName}
          onRetry={retryPatient}
        />
        <div className="banner-side">
          <StatusChip status={status} />
          <StatusLine connection={connection} />
          <div className="actions">
            {syncing ? (
              <button type="button" className="button" onClick={() => run('The download could not be stopped.', () => cancelSync(id))}>
                Stop download
              </button>
            ) : (
              <button
                type="button"
                className={`button ${offline ? '' : 'button-primary'}`}
                disabled={offline}
                onClick={startSync}
              >
                Sync now
              </button>
            )}
            <button
              type="button"
              className={`button ${offline ? 'button-primary' : ''}`}
              onClick={startReconnect}
              disabled={login.state.phase !== 'idle' && login.state.phase !== 'failed'}
            >
              {status === 'disconnected' ? 'Connect again' : 'Reconnect'}
            </button>
          </div>
          <ManageConnection connection={connection} onChanged={onChanged} />
        </div>
      </header>
      {status === 'needs_reconnect' && login.state.phase === 'idle' ? (
        <p className="notice notice-info">
          Your access to {connection.practiceName || 'this practice'} has ended
          {expiryText(connection) !== '' ? ` (${expiryText(connection).replace(/^Access ended /, '')})` : ''}, as
          healow only allows about an hour at a time. Your downloaded records stay readable here.
          Choose Reconnect to log in again: one click, straight to healow’s login, and a download
          that was cut short continues where it stopped.
        </p>
      ) : null}
      {status === 'disconnected' && login.state.phase === 'idle' ? (
        <p className="notice notice-info">
          Disconnected: Chartkeep no longer holds access to {connection.practiceName || 'this practice'}.
          The records already downloaded stay readable here. Choose Connect again to log in.
        </p>
      ) : null}
      {connection.notices.map((n) => (
        <p key={n} className="notice notice-info">
          {n}
        </p>
      ))}
      {login.state.phase !== 'idle' && login.state.phase !== 'connected' ? (
        <LoginPanel
          flow={login}
          practiceName={connection.practiceName || 'your practice'}
          onRetry={startReconnect}
          onClose={login.reset}
          closeLabel="Not now"
        />
      ) : null}
      {actionError ? <ErrorNotice title={actionError.title} error={actionError.error} /> : null}
      <SyncPanel tally={tally} syncing={syncing} onDismiss={clearTally} />
      <SyncHistory connectionID={id} version={`${version}:${connection.lastSyncAt}:${connection.lastSyncStatus}`} />
      <RecordsBrowser key={id} connectionID={id} groups={groups} version={version} retry={reloadGroups} />
    </div>
  );
}

function StatusLine({ connection }: { connection: ConnectionView }) {
  const expiry = expiryText(connection);
  const last = formatInstant(connection.lastSyncAt);
  const total = Object.values(connection.counts).reduce((n, c) => n + c, 0);
  const outcome = syncOutcome(connection.lastSyncStatus);
  return (
    <ul className="status-line">
      {expiry !== '' ? <li>{expiry}</li> : null}
      <li>{last !== '' ? `Last downloaded ${last}` : 'Not downloaded yet'}</li>
      {total > 0 ? <li>{formatCount(total, 'record', 'records')} on this computer</li> : null}
      {outcome !== '' ? <li className="status-warn">{outcome}</li> : null}
    </ul>
  );
}

function syncOutcome(status: string): string {
  switch (status) {
    case '':
    case 'ok':
    case 'done':
    case 'success':
      return '';
    case 'partial':
      return 'Some records could not be fetched';
    case 'failed':
    case 'error':
      return 'The last download failed';
    case 'cancelled':
    case 'canceled':
      return 'The last download was stopped';
    default:
      // "running" and anything new: the download panel says what happens.
      return '';
  }
}

interface RecordsBrowserProps {
  connectionID: string;
  groups: Loaded<GroupView[]>;
  version: string;
  retry: () => void;
}

function RecordsBrowser({ connectionID, groups, version, retry }: RecordsBrowserProps) {
  const [chosenType, setChosenType] = useState('');
  const [open, setOpen] = useState<{ group: string; record: RecordSummary } | null>(null);
  const lastOpened = useRef('');

  const list = groups.state === 'ready' ? groups.value : [];
  const selected = list.find((g) => g.key === chosenType) ?? list.find((g) => g.count > 0) ?? list[0];

  useEffect(() => {
    if (open === null && lastOpened.current !== '') {
      const el = document.querySelector<HTMLElement>(`[data-record="${CSS.escape(lastOpened.current)}"]`);
      el?.focus();
    }
  }, [open]);

  if (groups.state === 'loading') {
    return <Loading label="Opening your records…" />;
  }
  if (groups.state === 'failed') {
    return <ErrorNotice title="Your records could not be opened." error={groups.error} onRetry={retry} />;
  }
  if (selected === undefined || list.every((g) => g.count === 0)) {
    return (
      <EmptyState title="No records on this computer yet.">
        Choose “Sync now” to download your records from your practice. This can take a few
        minutes the first time.
      </EmptyState>
    );
  }
  const label = groupLabel(selected.key, selected.label);
  return (
    <div className="browser">
      <GroupList
        groups={list}
        selected={selected.key}
        onSelect={(t) => {
          setChosenType(t);
          setOpen(null);
          lastOpened.current = '';
        }}
      />
      {open !== null && open.group === selected.key ? (
        <RecordDetailView
          connectionID={connectionID}
          type={open.record.type}
          id={open.record.id}
          groupLabel={label}
          onBack={() => setOpen(null)}
        />
      ) : (
        <RecordList
          connectionID={connectionID}
          type={selected.key}
          label={label}
          version={`${version}:${selected.count}`}
          onOpen={(r) => {
            lastOpened.current = `${r.type}/${r.id}`;
            setOpen({ group: selected.key, record: r });
          }}
        />
      )}
    </div>
  );
}

// Progress events can arrive many times a second; the counts are refreshed at
// most once per `ms`, and once more after the last call.
function useThrottled(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fnRef = useRef(fn);
  useEffect(() => {
    fnRef.current = fn;
  });
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current === null) {
      timer.current = setTimeout(() => {
        timer.current = null;
        fnRef.current();
      }, ms);
    }
  }, [ms]);
}
