import { useId, useState } from 'react';
import { connect, searchPractices, type Practice } from '../api/chartkeep';
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
  const [chosen, setChosen] = useState<Practice | null>(null);
  const login = useLogin(onConnected);

  const begin = (p: Practice) => login.start(() => connect(p.code));

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
      <PracticeSearch query={query} onQuery={setQuery} chosen={chosen} onChoose={setChosen} />
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

interface PracticeSearchProps {
  query: string;
  onQuery: (q: string) => void;
  chosen: Practice | null;
  onChoose: (p: Practice) => void;
}

function PracticeSearch({ query, onQuery, chosen, onChoose }: PracticeSearchProps) {
  const inputId = useId();
  const hintId = useId();
  const settled = useDebounced(query.trim(), searchDebounceMs);
  const [results, retry] = useLoad(
    'search',
    () => (settled === '' ? Promise.resolve([]) : searchPractices(settled)),
    settled,
  );

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
      <SearchResults
        query={settled}
        results={results}
        retry={retry}
        chosen={chosen}
        onChoose={onChoose}
      />
    </section>
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
        access to records are listed; if yours is missing, ask them to enable it.
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
