import type { ReactNode } from 'react';
import type { AppError } from '../api/chartkeep';

interface ErrorNoticeProps {
  /** title says in plain words what did not work. */
  title: string;
  error?: AppError | null;
  /** hint says what the patient can do about it. */
  hint?: ReactNode;
  onRetry?: () => void;
  retryLabel?: string;
  children?: ReactNode;
}

/** ErrorNotice explains a failure and offers a way forward. */
export function ErrorNotice({ title, error, hint, onRetry, retryLabel, children }: ErrorNoticeProps) {
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{title}</p>
      {error ? <p className="notice-message">{error.message}</p> : null}
      {hint ? <p className="notice-hint">{hint}</p> : null}
      {onRetry || children ? (
        <div className="notice-actions">
          {onRetry ? (
            <button type="button" className="button" onClick={onRetry}>
              {retryLabel ?? 'Try again'}
            </button>
          ) : null}
          {children}
        </div>
      ) : null}
    </div>
  );
}

/** EmptyState fills a list that has nothing in it, saying why. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-text">{children}</div> : null}
    </div>
  );
}

/** Loading is a quiet placeholder announced to screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
