import { useEffect, useRef } from 'react';
import { copyText, openInBrowser } from '../api/chartkeep';
import type { LoginFlow } from './useLogin';

interface LoginPanelProps {
  flow: LoginFlow;
  practiceName: string;
  onRetry: () => void;
  /** onClose is offered after a failure, to go back and choose again. */
  onClose?: () => void;
  closeLabel?: string;
}

/**
 * LoginPanel tells the patient what is happening while they log in to their
 * practice in the system browser, and what to do when it fails.
 */
export function LoginPanel({ flow, practiceName, onRetry, onClose, closeLabel }: LoginPanelProps) {
  const { state } = flow;
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [state.phase]);

  if (state.phase === 'idle') {
    return null;
  }
  if (state.phase === 'failed') {
    return (
      <section className="panel login-panel" aria-labelledby="login-heading">
        <h2 id="login-heading" ref={heading} tabIndex={-1}>
          The connection to {practiceName} didn’t finish
        </h2>
        <div className="notice notice-error" role="alert">
          <p className="notice-message">{state.message}</p>
          <p className="notice-hint">
            If it keeps failing, your practice may not have switched on healow access to records
            yet: ask them to enable healow FHIR access for patients.
          </p>
        </div>
        <div className="actions">
          <button type="button" className="button button-primary" onClick={onRetry}>
            Try again
          </button>
          {onClose ? (
            <button type="button" className="button" onClick={onClose}>
              {closeLabel ?? 'Back'}
            </button>
          ) : null}
        </div>
      </section>
    );
  }
  return (
    <section className="panel login-panel" aria-labelledby="login-heading" aria-busy="true">
      <h2 id="login-heading" ref={heading} tabIndex={-1}>
        {title(state.phase)}
      </h2>
      <div role="status" aria-live="polite" className="login-status">
        <span className="spinner" aria-hidden="true" />
        <span>{detail(state.phase, practiceName)}</span>
      </div>
      {state.phase === 'waiting' ? (
        <ol className="steps">
          <li>
            Chartkeep asked your web browser to open healow’s login page for {practiceName}. If no
            browser window appeared, copy the login address below into your browser.
          </li>
          <li>Log in there with your healow patient portal account.</li>
          <li>Allow Chartkeep to read your records.</li>
          <li>Come back to this window: it will update by itself.</li>
        </ol>
      ) : null}
      {state.phase === 'waiting' && state.attempt.authUrl !== '' ? (
        <div className="login-link">
          <code className="login-url">{state.attempt.authUrl}</code>
          <button type="button" className="link-button" onClick={() => void copyText(state.attempt.authUrl)}>
            Copy login address
          </button>
        </div>
      ) : null}
      {'message' in state && state.message !== '' ? (
        <p className="muted">{state.message}</p>
      ) : null}
      <div className="actions">
        {state.phase === 'waiting' && state.attempt.authUrl !== '' ? (
          <button
            type="button"
            className="button"
            onClick={() => openInBrowser(state.attempt.authUrl)}
          >
            Open the login page again
          </button>
        ) : null}
        {state.phase !== 'connected' ? (
          <button type="button" className="button" onClick={flow.cancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </section>
  );
}

function title(phase: 'starting' | 'waiting' | 'exchanging' | 'connected'): string {
  switch (phase) {
    case 'starting':
      return 'Opening your browser…';
    case 'waiting':
      return 'Waiting for you to log in in your browser…';
    case 'exchanging':
      return 'Finishing the connection…';
    case 'connected':
      return 'Connected';
  }
}

function detail(phase: 'starting' | 'waiting' | 'exchanging' | 'connected', practice: string): string {
  switch (phase) {
    case 'starting':
      return `Preparing a secure login with ${practice}.`;
    case 'waiting':
      return 'Chartkeep is waiting for healow to send you back.';
    case 'exchanging':
      return `You are logged in. Chartkeep is collecting its access to ${practice}.`;
    case 'connected':
      return 'Your records will start downloading now.';
  }
}
