import type { ConnectionStatus, ConnectionView } from '../api/chartkeep';
import { formatInstant, isPast } from '../lib/dates';

const words: Record<ConnectionStatus, string> = {
  connected: 'Connected',
  needs_reconnect: 'Needs reconnect',
  syncing: 'Syncing',
  disconnected: 'Disconnected',
  error: 'Error',
  unknown: 'Status unknown',
};

/**
 * effectiveStatus is the status to show. Access from healow ends after about
 * an hour and public apps get no refresh token (HEALOW.md §1), so a
 * "connected" whose expiry has passed is shown as needing a reconnect.
 */
export function effectiveStatus(c: ConnectionView, now: Date = new Date()): ConnectionStatus {
  if (c.status === 'connected' && c.expiresAt !== '' && isPast(c.expiresAt, now)) {
    return 'needs_reconnect';
  }
  return c.status;
}

/** statusWord names a status in plain words. */
export function statusWord(s: ConnectionStatus): string {
  return words[s];
}

/** expiryText says until when, or since when, the practice can be reached. */
export function expiryText(c: ConnectionView, now: Date = new Date()): string {
  const when = formatInstant(c.expiresAt, now);
  if (when === '') {
    return '';
  }
  return isPast(c.expiresAt, now) ? `Access ended ${when}` : `Access until ${when}`;
}

/** StatusChip shows a connection's status with a word, never colour alone. */
export function StatusChip({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`chip chip-${status}`}>
      <span className="chip-dot" aria-hidden="true" />
      {words[status]}
    </span>
  );
}
