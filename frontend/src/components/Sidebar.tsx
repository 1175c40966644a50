import type { ConnectionView } from '../api/chartkeep';
import type { Loaded } from '../lib/hooks';
import { ErrorNotice } from './Notices';
import { effectiveStatus, statusWord } from './StatusChip';

/** View is what the main area shows. */
export type View = { kind: 'settings' } | { kind: 'add' } | { kind: 'connection'; id: string };

interface SidebarProps {
  connections: Loaded<ConnectionView[]>;
  view: View;
  demo: boolean;
  onNavigate: (v: View) => void;
  onRetry: () => void;
}

/** Sidebar lists the connected practices and the ways to add or configure one. */
export function Sidebar({ connections, view, demo, onNavigate, onRetry }: SidebarProps) {
  return (
    <aside className="sidebar" aria-label="Practices">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          +
        </span>
        <span>
          <span className="brand-name">Chartkeep</span>
          <span className="brand-tag">Your records, on this computer</span>
        </span>
      </div>
      <h2 className="sidebar-heading">Your practices</h2>
      <ConnectionList connections={connections} view={view} onNavigate={onNavigate} onRetry={onRetry} />
      <button
        type="button"
        className={`side-item side-add ${view.kind === 'add' ? 'side-selected' : ''}`}
        aria-current={view.kind === 'add' ? 'page' : undefined}
        onClick={() => onNavigate({ kind: 'add' })}
      >
        <span aria-hidden="true" className="side-plus">
          +
        </span>{' '}
        Add a practice
      </button>
      <div className="sidebar-foot">
        {demo ? <p className="demo-badge">Demo mode: made-up patient data</p> : null}
        <button
          type="button"
          className={`side-item ${view.kind === 'settings' ? 'side-selected' : ''}`}
          aria-current={view.kind === 'settings' ? 'page' : undefined}
          onClick={() => onNavigate({ kind: 'settings' })}
        >
          Settings
        </button>
      </div>
    </aside>
  );
}

/** sideName is the label the patient chose, else the patient's name. */
function sideName(c: ConnectionView): string {
  return c.label || c.patientName || 'Unnamed patient';
}

function ConnectionList({
  connections,
  view,
  onNavigate,
  onRetry,
}: Omit<SidebarProps, 'demo'>) {
  if (connections.state === 'loading') {
    return <p className="side-note">Loading…</p>;
  }
  if (connections.state === 'failed') {
    return <ErrorNotice title="Your practices could not be listed." error={connections.error} onRetry={onRetry} />;
  }
  if (connections.value.length === 0) {
    return <p className="side-note">No practice connected yet.</p>;
  }
  return (
    <ul className="side-list">
      {connections.value.map((c) => {
        const current = view.kind === 'connection' && view.id === c.id;
        const status = effectiveStatus(c);
        return (
          <li key={c.id}>
            <button
              type="button"
              className={`side-item side-connection ${current ? 'side-selected' : ''}`}
              aria-current={current ? 'page' : undefined}
              onClick={() => onNavigate({ kind: 'connection', id: c.id })}
            >
              <span className="side-name">{sideName(c)}</span>
              <span className="side-practice">
                {c.label !== '' && c.patientName !== '' ? `${c.patientName} · ` : ''}
                {c.practiceName}
              </span>
              <span className={`side-status side-status-${status}`}>
                <span className="chip-dot" aria-hidden="true" />
                {statusWord(status)}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
