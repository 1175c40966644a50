import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus, connection } from '../test/fakeApi';
import { ConnectionScreen } from './ConnectionScreen';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

const timedOut =
  'The login was not finished within 10 minutes, so Chartkeep stopped waiting. Click Try again to start a new login.';

describe('LoginPanel', () => {
  it('shows why a reconnect failed and starts a fresh one from Try again', async () => {
    const ended = new Date(Date.now() - 60_000).toISOString();
    render(<ConnectionScreen connection={connection({ expiresAt: ended })} onChanged={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByRole('heading', { name: /Waiting for you/ })).toBeInTheDocument();

    act(() => bus.emit('login:status', { attemptId: 'a2', state: 'failed', message: timedOut, connectionId: '' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('not finished within 10 minutes');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(api.reconnect).toHaveBeenCalledTimes(2);
    expect(await screen.findByRole('heading', { name: /Waiting for you/ })).toBeInTheDocument();
  });

  it('shows the backend’s waiting advice while the browser login is open', async () => {
    render(<ConnectionScreen connection={connection({ expiresAt: new Date(Date.now() - 1000).toISOString() })} onChanged={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    await screen.findByRole('heading', { name: /Waiting for you/ });
    act(() =>
      bus.emit('login:status', {
        attemptId: 'a2', state: 'waiting', connectionId: '',
        message: 'If healow shows an error page instead (for example “Redirect URI mismatch”), check the redirect URL.',
      }),
    );
    expect(await screen.findByText(/Redirect URI mismatch/)).toBeInTheDocument();
  });

  it('shows the login address to copy, in case the browser did not open', async () => {
    render(<ConnectionScreen connection={connection({ expiresAt: new Date(Date.now() - 1000).toISOString() })} onChanged={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByText('https://login.example/a2')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy login address' }));
    expect(api.copyText).toHaveBeenCalledWith('https://login.example/a2');
  });
});
