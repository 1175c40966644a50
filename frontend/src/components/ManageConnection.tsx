import { useId, useState, type FormEvent } from 'react';
import {
  disconnectConnection,
  removeConnection,
  renameConnection,
  toAppError,
  type AppError,
  type ConnectionView,
} from '../api/chartkeep';
import { formatCount } from '../lib/format';
import { ErrorNotice } from './Notices';

interface ManageConnectionProps {
  connection: ConnectionView;
  /** onChanged asks the app to reload the list of connections. */
  onChanged: () => void;
}

type Mode = 'idle' | 'rename' | 'disconnect' | 'remove';

/**
 * ManageConnection renames, disconnects or removes one connection. Removing
 * asks first, naming how many records go, and sends that number along so a
 * stale confirmation never deletes more than the patient saw.
 */
export function ManageConnection({ connection, onChanged }: ManageConnectionProps) {
  const [mode, setMode] = useState<Mode>('idle');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; error: AppError } | null>(null);

  const act = (title: string, action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    action().then(
      () => {
        setBusy(false);
        setMode('idle');
        onChanged();
      },
      (err: unknown) => {
        setBusy(false);
        const e = toAppError(err);
        setError({ title, error: e });
        // The numbers changed: show the new ones and ask again.
        if (e.code === 'stale_confirmation') onChanged();
      },
    );
  };
  const who = connection.patientName || connection.label || 'this patient';
  const records = formatCount(connection.recordCount, 'record', 'records');

  return (
    <section className="manage" aria-label="Manage this connection">
      {mode === 'idle' ? (
        <div className="actions manage-actions">
          <button type="button" className="button button-quiet" onClick={() => setMode('rename')}>
            Rename
          </button>
          {connection.status !== 'disconnected' ? (
            <button type="button" className="button button-quiet" onClick={() => setMode('disconnect')}>
              Disconnect
            </button>
          ) : null}
          <button type="button" className="button button-quiet button-danger-text" onClick={() => setMode('remove')}>
            Remove…
          </button>
        </div>
      ) : null}
      {mode === 'rename' ? (
        <RenameForm
          connection={connection}
          busy={busy}
          onSave={(label) => act('The new name was not saved.', () => renameConnection(connection.id, label))}
          onCancel={() => setMode('idle')}
        />
      ) : null}
      {mode === 'disconnect' ? (
        <Confirm
          question={`Disconnect ${who} from ${connection.practiceName || 'this practice'}?`}
          detail={`Chartkeep deletes its access from this computer’s keychain. The ${records} stay here and readable; Connect again whenever you like.`}
          yes="Disconnect"
          busy={busy}
          onYes={() => act('The connection was not disconnected.', () => disconnectConnection(connection.id))}
          onNo={() => setMode('idle')}
        />
      ) : null}
      {mode === 'remove' ? (
        <Confirm
          question={`Remove ${possessive(who)} ${records} from this computer?`}
          detail="Chartkeep deletes these records and its access to the practice. The practice keeps its own copy; you can connect again later and download them anew."
          yes={`Remove ${records}`}
          danger
          busy={busy}
          onYes={() =>
            act('Nothing was removed.', () => removeConnection(connection.id, connection.recordCount))
          }
          onNo={() => setMode('idle')}
        />
      ) : null}
      {error ? <ErrorNotice title={error.title} error={error.error} /> : null}
    </section>
  );
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}’` : `${name}’s`;
}

interface RenameFormProps {
  connection: ConnectionView;
  busy: boolean;
  onSave: (label: string) => void;
  onCancel: () => void;
}

function RenameForm({ connection, busy, onSave, onCancel }: RenameFormProps) {
  const [label, setLabel] = useState(connection.label);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave(label.trim());
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id} className="field-label">
        Name shown in the list
      </label>
      <p className="field-hint" id={`${id}-hint`}>
        For example “Mum” or “Alex at Riverside”. Leave it empty to show the patient’s name.
      </p>
      <input
        id={id}
        className="input"
        maxLength={60}
        autoComplete="off"
        aria-describedby={`${id}-hint`}
        value={label}
        onChange={(e) => setLabel(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Save name
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface ConfirmProps {
  question: string;
  detail: string;
  yes: string;
  danger?: boolean;
  busy: boolean;
  onYes: () => void;
  onNo: () => void;
}

function Confirm({ question, detail, yes, danger, busy, onYes, onNo }: ConfirmProps) {
  const id = useId();
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={id} aria-describedby={`${id}-d`}>
      <p className="confirm-question" id={id}>
        {question}
      </p>
      <p className="field-hint" id={`${id}-d`}>
        {detail}
      </p>
      <div className="actions">
        <button
          type="button"
          className={`button ${danger ? 'button-danger' : 'button-primary'}`}
          disabled={busy}
          onClick={onYes}
        >
          {busy ? 'Working…' : yes}
        </button>
        <button type="button" className="button" onClick={onNo} autoFocus>
          Cancel
        </button>
      </div>
    </div>
  );
}
