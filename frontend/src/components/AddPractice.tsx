import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import {
  connect,
  directoryStatus,
  onDirectoryStatus,
  probePractice,
  refreshDirectory,
  searchPractices,
  toAppError,
  type AppError,
  type DirectoryInfo,
  type Practice,
} from '../api/chartkeep';
import { useDebounced, useLoad, type Loaded } from '../lib/hooks';
import { LoginPanel } from './LoginPanel';
import { EmptyState, ErrorNotice, Loading } from './Notices';
import { useLogin } from './useLogin';

/** How long typing must pause before the directory is searched. */
export const searchDebounceMs = 120;

interface AddPracticeProps {
  onConnected: (connectionID: string) => void;
}

/** AddPractice finds the patient's practice and logs in to it. */
export function AddPractice({ onConnected }: AddPracticeProps) {
  const [query, setQuery] = useState('');
  const [includeTest, setIncludeTest] = useState(false);
  const [chosen, setChosen] = useState<Practice | null>(null);
  const login = useLogin(onConnected);
  const directory = useDirectoryStatus();

  const begin = (p: Practice) => login.start(() => connect(p.code));
  const connectTo = (p: Practice) => {
    setChosen(p);
    begin(p);
  };

  if (chosen !== null && login.state.phase !== 'idle') {
    return (
      <div className="screen">
        <LoginPanel
          flow={login}
          practiceName={chosen.name}
          onRetry={() => begin(chosen)}
          onClose={login.reset}
          closeLabel="Choose another practice"
        />
      </div>
    );
  }

  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Add a practice</h1>
        <p className="lead">
          Find the doctor’s office that uses healow. Chartkeep opens its login page in your
          browser, then downloads your records to this computer.
        </p>
      </header>
      <PracticeSearch
        query={query}
        onQuery={setQuery}
        includeTest={includeTest}
        onIncludeTest={setIncludeTest}
        directory={directory}
        chosen={chosen}
        onChoose={setChosen}
        onConnect={connectTo}
      />
      <div className="actions sticky-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={chosen === null}
          onClick={() => chosen && begin(chosen)}
        >
          {chosen ? `Connect to ${chosen.name}` : 'Connect'}
        </button>
        {chosen === null ? <span className="muted">Choose a practice first.</span> : null}
      </div>
    </div>
  );
}

/** DirectoryStatus is the practice list's freshness, as the picker shows it. */
interface DirectoryStatus {
  info: DirectoryInfo | null;
  /** failed is the error of the last Refresh the patient asked for. */
  failed: AppError | null;
  busy: boolean;
  refresh: () => void;
}

/**
 * useDirectoryStatus reads the practice list's status on mount, follows
 * `directory:status` events while mounted, and refreshes the list on request.
 */
function useDirectoryStatus(): DirectoryStatus {
  const [info, setInfo] = useState<DirectoryInfo | null>(null);
  const [failed, setFailed] = useState<AppError | null>(null);
  const [refreshing, setRefreshing] = useState(false);

  useEffect(() => {
    let live = true;
    const show = (i: DirectoryInfo) => {
      if (live) setInfo(i);
    };
    const off = onDirectoryStatus(show);
    // A failure here is left to the search, which reports it with a way forward.
    directoryStatus().then(show, () => undefined);
    return () => {
      live = false;
      off();
    };
  }, []);

  const refresh = useCallback(() => {
    setRefreshing(true);
    setFailed(null);
    refreshDirectory()
      .catch((err: unknown) => setFailed(toAppError(err)))
      .then(() => directoryStatus())
      .then(setInfo, () => undefined)
      .finally(() => setRefreshing(false));
  }, []);

  return { info, failed, busy: refreshing || info?.refreshing === true, refresh };
}

interface PracticeSearchProps {
  query: string;
  onQuery: (q: string) => void;
  includeTest: boolean;
  onIncludeTest: (v: boolean) => void;
  directory: DirectoryStatus;
  chosen: Practice | null;
  onChoose: (p: Practice) => void;
  onConnect: (p: Practice) => void;
}

function PracticeSearch(props: PracticeSearchProps) {
  const { query, onQuery, includeTest, onIncludeTest, directory, chosen, onChoose } = props;
  const inputId = useId();
  const hintId = useId();
  const settled = useDebounced(query.trim(), searchDebounceMs);
  // A new list (after a refresh) or the test switch searches again.
  const version = `${includeTest}|${directory.info?.fetchedAt ?? ''}|${settled}`;
  const [results, retry] = useLoad(
    'search',
    () => (settled === '' ? Promise.resolve([]) : searchPractices(settled, includeTest)),
    version,
  );
  const done = settled !== '' && results.state !== 'loading';

  return (
    <section className="panel" aria-label="Find your practice">
      <label htmlFor={inputId} className="field-label">
        Practice name or city
      </label>
      <input
        id={inputId}
        className="input input-search"
        type="search"
        autoComplete="off"
        spellCheck={false}
        placeholder="For example: Riverside Family Medicine"
        aria-describedby={hintId}
        value={query}
        onChange={(e) => onQuery(e.target.value)}
      />
      <p id={hintId} className="field-hint">
        Type part of the name your practice uses on healow, or its town.
      </p>
      <div className="search-options">
        <label className="check">
          <input
            type="checkbox"
            checked={includeTest}
            onChange={(e) => onIncludeTest(e.target.checked)}
          />
          Show test and training practices
        </label>
        <DirectoryLine directory={directory} />
      </div>
      <SearchResults
        query={settled}
        results={results}
        retry={retry}
        chosen={chosen}
        onChoose={onChoose}
      />
      {done ? <NotListed onConnect={props.onConnect} /> : null}
    </section>
  );
}

/** DirectoryLine says how old the practice list is and offers to refresh it. */
function DirectoryLine({ directory }: { directory: DirectoryStatus }) {
  const { info, failed, busy, refresh } = directory;
  if (info === null && failed === null && !busy) {
    return null;
  }
  const listed = info !== null && info.practices > 0;
  let text = 'The practice list has not been downloaded yet.';
  if (listed) {
    text = `Practice list ${info.ageText}`;
  } else if (busy) {
    text = 'Downloading healow’s practice list…';
  }
  const problem = failed?.message ?? (info?.error || '');
  return (
    <div className="directory-status">
      <span aria-live="polite">
        {text}
        {listed && busy ? ' · Updating…' : ''}
      </span>
      {busy ? null : (
        <button type="button" className="link-button" onClick={refresh}>
          {listed ? 'Refresh' : 'Download now'}
        </button>
      )}
      {problem !== '' && !busy ? (
        <span className="status-warn" role="status">
          The last update didn’t work: {problem}
          {listed ? ' The saved list is used meanwhile.' : ''}
        </span>
      ) : null}
    </div>
  );
}

interface SearchResultsProps {
  query: string;
  results: Loaded<Practice[]>;
  retry: () => void;
  chosen: Practice | null;
  onChoose: (p: Practice) => void;
}

function SearchResults({ query, results, retry, chosen, onChoose }: SearchResultsProps) {
  if (query === '') {
    return null;
  }
  if (results.state === 'loading') {
    return <Loading label="Searching the healow directory…" />;
  }
  if (results.state === 'failed') {
    return (
      <ErrorNotice
        title="The practice directory could not be searched."
        error={results.error}
        hint="Check that this computer is online, then try again."
        onRetry={retry}
      />
    );
  }
  if (results.value.length === 0) {
    return (
      <EmptyState title={`No practice matches “${query}”.`}>
        Try fewer letters or the town’s name. Only practices that have switched on healow
        access to records are listed; if yours is missing, ask them to enable it, or enter its
        address below.
      </EmptyState>
    );
  }
  return (
    <fieldset className="results">
      <legend className="results-legend">
        {results.value.length === 1 ? '1 practice found' : `${results.value.length} practices found`}
      </legend>
      <ul className="result-list">
        {results.value.map((p) => (
          <li key={p.code}>
            <label className={`result ${chosen?.code === p.code ? 'result-chosen' : ''}`}>
              <input
                type="radio"
                name="practice"
                className="result-radio"
                checked={chosen?.code === p.code}
                onChange={() => onChoose(p)}
              />
              <span className="result-body">
                <span className="result-name">{p.name}</span>
                <span className="result-meta">
                  {place(p)}
                  <span className="result-code">Code {p.code}</span>
                  {p.isTest ? <span className="result-tag">Test or training</span> : null}
                  {p.manual ? <span className="result-tag result-tag-manual">Added by address</span> : null}
                </span>
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function place(p: Practice): string {
  const parts = [p.city, p.state].filter((s) => s.trim() !== '');
  return parts.length > 0 ? parts.join(', ') : 'Location not listed';
}

type Check =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'found'; practice: Practice }
  | { state: 'failed'; error: AppError };

/**
 * NotListed lets the patient enter the practice's FHIR address by hand when
 * the directory does not list it, checks it, and offers to connect.
 */
function NotListed({ onConnect }: { onConnect: (p: Practice) => void }) {
  const [open, setOpen] = useState(false);
  const [address, setAddress] = useState('');
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const bodyId = useId();
  const inputId = useId();
  const hintId = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const typed = address.trim();
    if (typed === '' || check.state === 'checking') {
      return;
    }
    setCheck({ state: 'checking' });
    probePractice(typed).then(
      (practice) => setCheck({ state: 'found', practice }),
      (err: unknown) => setCheck({ state: 'failed', error: toAppError(err) }),
    );
  };

  return (
    <div className="not-listed">
      <button
        type="button"
        className="link-button disclosure"
        aria-expanded={open}
        aria-controls={bodyId}
        onClick={() => setOpen((o) => !o)}
      >
        My practice is not listed
      </button>
      {open ? (
        <div id={bodyId} className="not-listed-body">
          <p className="muted">
            If your practice gave you the address of its healow FHIR server, enter it here and
            Chartkeep will check that it accepts patient apps.
          </p>
          <form className="inline-form" onSubmit={submit}>
            <label htmlFor={inputId} className="field-label">
              Practice FHIR address
            </label>
            <div className="inline-field">
              <input
                id={inputId}
                className="input"
                type="text"
                inputMode="url"
                autoComplete="off"
                spellCheck={false}
                placeholder="https://fhir4.healow.com/fhir/r4/ABCDEF"
                aria-describedby={hintId}
                value={address}
                onChange={(e) => {
                  setAddress(e.target.value);
                  if (check.state !== 'checking') setCheck({ state: 'idle' });
                }}
              />
              <button
                type="submit"
                className="button"
                disabled={address.trim() === '' || check.state === 'checking'}
              >
                Check this address
              </button>
            </div>
            <p id={hintId} className="field-hint">
              It starts with https:// and usually ends with your practice’s code.
            </p>
          </form>
          <CheckResult check={check} onConnect={onConnect} />
        </div>
      ) : null}
    </div>
  );
}

function CheckResult({ check, onConnect }: { check: Check; onConnect: (p: Practice) => void }) {
  switch (check.state) {
    case 'idle':
      return null;
    case 'checking':
      return <Loading label="Checking the address…" />;
    case 'failed':
      return <ErrorNotice title={checkFailureTitle(check.error.code)} error={check.error} />;
  }
  const p = check.practice;
  return (
    <div className="notice notice-info found" role="status">
      <p className="notice-title-ok">This address accepts patient apps.</p>
      <p className="notice-message">
        {p.name} <span className="result-code">Code {p.code}</span>
      </p>
      <div className="notice-actions">
        <button type="button" className="button button-primary" onClick={() => onConnect(p)}>
          {`Connect to ${p.name}`}
        </button>
      </div>
    </div>
  );
}

function checkFailureTitle(code: string): string {
  switch (code) {
    case 'invalid_input':
      return 'That address can’t be used.';
    case 'network':
      return 'Chartkeep couldn’t reach that address.';
    case 'practice_not_enabled':
      return 'This practice hasn’t switched on patient access.';
  }
  return 'That address couldn’t be checked.';
}
