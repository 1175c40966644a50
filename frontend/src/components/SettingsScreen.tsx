import { useId, useState, type FormEvent } from 'react';
import { saveSettings, toAppError, type AppError, type Settings } from '../api/chartkeep';
import { ErrorNotice } from './Notices';

interface SettingsScreenProps {
  settings: Settings;
  /** firstRun shows the welcome wording used before anything is set up. */
  firstRun: boolean;
  onSaved: (s: Settings) => void;
}

/** SettingsScreen edits the healow registration the app logs in with. */
export function SettingsScreen({ settings, firstRun, onSaved }: SettingsScreenProps) {
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>{firstRun ? 'Welcome to Chartkeep' : 'Settings'}</h1>
        <p className="lead">
          {firstRun
            ? 'Chartkeep keeps a private copy of your health records on this computer. First, tell it how to reach healow.'
            : 'How Chartkeep reaches healow to log you in.'}
        </p>
      </header>
      {settings.demo ? (
        <section className="panel" aria-labelledby="demo-heading">
          <h2 id="demo-heading">Demo practice — no setup needed</h2>
          <p>
            This copy of Chartkeep runs with a built-in demo practice and a made-up patient, so
            nothing here has to be filled in. Choose “Add a practice” to try it.
          </p>
        </section>
      ) : (
        <HealowForm settings={settings} onSaved={onSaved} />
      )}
    </div>
  );
}

function HealowForm({ settings, onSaved }: Omit<SettingsScreenProps, 'firstRun'>) {
  const [clientID, setClientID] = useState(settings.clientId);
  const [publicURL, setPublicURL] = useState(settings.publicUrl);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);
  const clientId = useId();
  const urlId = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Settings = { ...settings, clientId: clientID.trim(), publicUrl: publicURL.trim() };
    setSaving(true);
    setError(null);
    setSaved(false);
    saveSettings(next).then(
      () => {
        setSaving(false);
        setSaved(true);
        onSaved(next);
      },
      (err: unknown) => {
        setSaving(false);
        setError(toAppError(err));
      },
    );
  };

  const redirect = callbackHint(publicURL);
  return (
    <form className="panel form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={clientId} className="field-label">
          healow Client ID
        </label>
        <p className="field-hint" id={`${clientId}-hint`}>
          The app ID you received when you registered Chartkeep on the healow developer portal.
        </p>
        <input
          id={clientId}
          className="input"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${clientId}-hint`}
          value={clientID}
          onChange={(e) => setClientID(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={urlId} className="field-label">
          Public URL
        </label>
        <p className="field-hint" id={`${urlId}-hint`}>
          The https address of the tunnel (for example ngrok or cloudflared) that brings healow’s
          login reply back to this computer.
        </p>
        <input
          id={urlId}
          className="input"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="https://your-name.ngrok-free.app"
          aria-describedby={`${urlId}-hint${redirect ? ` ${urlId}-redirect` : ''}`}
          value={publicURL}
          onChange={(e) => setPublicURL(e.target.value)}
        />
        {redirect ? (
          <p className="field-hint" id={`${urlId}-redirect`}>
            Register this redirect address for your Client id: <code>{redirect}</code>
          </p>
        ) : null}
      </div>
      {error ? <ErrorNotice title="Your settings were not saved." error={error} /> : null}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        {saved ? (
          <span className="saved" role="status">
            Saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}

// HEALOW.md §1: the portal only accepts https redirects, ending in the
// callback path the app listens on.
function callbackHint(publicURL: string): string {
  const url = publicURL.trim().replace(/\/+$/, '');
  return /^https:\/\/[^\s/]+/.test(url) ? `${url}/healow/callback` : '';
}
