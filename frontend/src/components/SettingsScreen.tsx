import { useId, useState, type FormEvent } from 'react';
import {
  checkSetup,
  getSetupGuide,
  saveSettings,
  toAppError,
  type AppError,
  type SetupGuide,
  type SetupReport,
  type Settings,
} from '../api/chartkeep';
import { useLoad } from '../lib/hooks';
import { CopyValue } from './CopyValue';
import { ErrorNotice, Loading } from './Notices';
import { SetupChecks } from './SetupChecks';

interface SettingsScreenProps {
  settings: Settings;
  /** firstRun shows the welcome wording used before anything is set up. */
  firstRun: boolean;
  /** onSaved gives the app the settings just saved. */
  onSaved: (s: Settings) => void;
  /** onDone leaves the guide once the setup checks have passed. */
  onDone?: () => void;
}

/** SettingsScreen guides the healow app registration and the tunnel, then checks them. */
export function SettingsScreen({ settings, firstRun, onSaved, onDone }: SettingsScreenProps) {
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>{firstRun ? 'Welcome to Chartkeep' : 'Settings'}</h1>
        <p className="lead">
          {firstRun
            ? 'Chartkeep keeps a private copy of your health records on this computer. First, tell it how to reach healow: five steps, once.'
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
        <SetupGuideForm settings={settings} onSaved={onSaved} onDone={onDone} />
      )}
    </div>
  );
}

function SetupGuideForm({ settings, onSaved, onDone }: Omit<SettingsScreenProps, 'firstRun'>) {
  const [clientID, setClientID] = useState(settings.clientId);
  const [publicURL, setPublicURL] = useState(settings.publicUrl);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);
  const [guideVersion, setGuideVersion] = useState(0);
  const [guide] = useLoad('setup-guide', getSetupGuide, String(guideVersion));
  const checks = useChecks();
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
        setGuideVersion((v) => v + 1);
        onSaved(next);
        checks.run();
      },
      (err: unknown) => {
        setSaving(false);
        setError(toAppError(err));
      },
    );
  };

  const port = guide.state === 'ready' ? guide.value.callbackPort : settings.callbackPort;
  const redirect = callbackHint(publicURL);
  return (
    <form className="guide" onSubmit={submit} noValidate aria-label="healow setup">
      <ol className="guide-steps">
        <li className="panel guide-step">
          <h2>Run a tunnel with a fixed https address</h2>
          <TunnelStep publicURL={publicURL} port={port} guide={guide.state === 'ready' ? guide.value : null} />
        </li>
        <li className="panel guide-step">
          <h2>Enter the tunnel’s address</h2>
          <div className="field">
            <label htmlFor={urlId} className="field-label">
              Public URL
            </label>
            <p className="field-hint" id={`${urlId}-hint`}>
              The https address of the tunnel (for example ngrok or cloudflared) that brings
              healow’s login reply back to this computer. Only the address: no path after it.
            </p>
            <input
              id={urlId}
              className="input"
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://your-name.ngrok-free.app"
              aria-describedby={`${urlId}-hint`}
              value={publicURL}
              onChange={(e) => setPublicURL(e.target.value)}
            />
          </div>
        </li>
        <li className="panel guide-step">
          <h2>Register Chartkeep on the healow developer portal</h2>
          <PortalSteps redirect={redirect} guide={guide.state === 'ready' ? guide.value : null} />
        </li>
        <li className="panel guide-step">
          <h2>Paste the client ID</h2>
          <div className="field">
            <label htmlFor={clientId} className="field-label">
              healow Client ID
            </label>
            <p className="field-hint" id={`${clientId}-hint`}>
              The app ID the healow developer portal showed when you registered Chartkeep.
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
        </li>
        <li className="panel guide-step">
          <h2>Save and check</h2>
          <p className="field-hint">
            Chartkeep then checks, through your tunnel, that healow’s reply will reach this very
            window. It checks again before your first login.
          </p>
          {error ? <ErrorNotice title="Your settings were not saved." error={error} /> : null}
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="button" onClick={checks.run} disabled={checks.running}>
              {checks.report === null ? 'Check my setup' : 'Check again'}
            </button>
            {saved ? (
              <span className="saved" role="status">
                Saved.
              </span>
            ) : null}
          </div>
          <CheckResults checks={checks} onDone={onDone} />
        </li>
      </ol>
    </form>
  );
}

function useChecks() {
  const [report, setReport] = useState<SetupReport | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const run = () => {
    setRunning(true);
    setError(null);
    checkSetup().then(
      (r) => {
        setRunning(false);
        setReport(r);
      },
      (err: unknown) => {
        setRunning(false);
        setError(toAppError(err));
      },
    );
  };
  return { report, running, error, run };
}

function CheckResults({ checks, onDone }: { checks: ReturnType<typeof useChecks>; onDone?: () => void }) {
  if (checks.running) {
    return <Loading label="Checking your setup…" />;
  }
  if (checks.error) {
    return <ErrorNotice title="The setup could not be checked." error={checks.error} onRetry={checks.run} />;
  }
  if (checks.report === null) {
    return null;
  }
  return (
    <div className="check-results">
      <SetupChecks report={checks.report} />
      {checks.report.ok && onDone ? (
        <div className="actions">
          <button type="button" className="button button-primary" onClick={onDone}>
            Find your practice
          </button>
        </div>
      ) : null}
    </div>
  );
}

function TunnelStep({ publicURL, port, guide }: { publicURL: string; port: number; guide: SetupGuide | null }) {
  const domain = hostOf(publicURL) || '<your-static-domain>';
  return (
    <>
      <p>
        healow only sends you back to an <strong>https</strong> address that never changes, so
        Chartkeep needs a tunnel with a fixed domain to its login listener on this computer,
        port <strong>{port}</strong>. Keep the tunnel running whenever you connect.
      </p>
      {guide?.portChanged ? (
        <p className="notice notice-info">
          The port you saved takes effect when Chartkeep restarts; until then use port {port}.
        </p>
      ) : null}
      <h3 className="guide-sub">With ngrok</h3>
      <p className="field-hint">
        Claim your free static domain in the ngrok dashboard (Domains), then run:
      </p>
      <CopyValue label="ngrok command" value={`ngrok http --url=${domain} 127.0.0.1:${port}`} />
      <p className="field-hint">
        ngrok shows a “You are about to visit” page the first time your browser opens the
        address: click Visit Site and the login carries on.
      </p>
      <h3 className="guide-sub">Or with cloudflared</h3>
      <p className="field-hint">A named tunnel, with a hostname on a domain you have on Cloudflare:</p>
      <CopyValue
        label="cloudflared commands"
        value={[
          'cloudflared tunnel login',
          'cloudflared tunnel create chartkeep',
          `cloudflared tunnel route dns chartkeep ${hostOf(publicURL) || '<your-hostname>'}`,
          `cloudflared tunnel run --url http://127.0.0.1:${port} chartkeep`,
        ].join('\n')}
      />
    </>
  );
}

function PortalSteps({ redirect, guide }: { redirect: string; guide: SetupGuide | null }) {
  const portal = guide?.portalUrl ?? 'https://connect4.healow.com';
  return (
    <ol className="portal-steps">
      <li>
        Open <strong>{portal.replace(/^https:\/\//, '')}</strong> and sign in as a developer.
      </li>
      <li>
        Choose <strong>Register Clinical App</strong>.
      </li>
      <li>Pick a specialty and a category for the app (any that fit, for example Family Medicine and Patient Engagement).</li>
      <li>
        Select <strong>every patient FHIR scope</strong> (patient/… .read for each kind of record,
        Binary included), plus openid, fhirUser and launch/patient.
        {guide !== null && guide.scopes.length > 0 ? (
          <details className="scope-list">
            <summary>The {guide.scopes.length} scopes Chartkeep asks for</summary>
            <CopyValue label="Scopes" value={guide.scopes.join(' ')} />
          </details>
        ) : null}
      </li>
      <li>
        Set the <strong>redirect URL</strong> to exactly:
        {redirect !== '' ? (
          <CopyValue label="Redirect URL" value={redirect} />
        ) : (
          <p className="field-hint">Enter the tunnel’s address in step 2 first.</p>
        )}
      </li>
      <li>
        Turn <strong>OpenID Connect</strong> on.
      </li>
      <li>
        Make it a <strong>public app</strong>: no client secret.
      </li>
      <li>Save the registration and copy the client ID it shows into step 4.</li>
    </ol>
  );
}

function hostOf(publicURL: string): string {
  const m = /^https?:\/\/([^\s/?#]+)/.exec(publicURL.trim());
  return m?.[1] ?? '';
}

// HEALOW.md §1: the portal only accepts https redirects, ending in the
// callback path the app listens on.
function callbackHint(publicURL: string): string {
  const url = publicURL.trim().replace(/\/+$/, '');
  return /^https:\/\/[^\s/]+$/.test(url) ? `${url}/healow/callback` : '';
}
