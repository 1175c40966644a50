import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from './api/chartkeep';
import { App } from './App';
import { bus, connection, settings } from './test/fakeApi';

vi.mock('./api/chartkeep', async (real) => (await import('./test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

describe('App', () => {
  it('asks for the healow Client ID and Public URL on first run, explaining each', async () => {
    vi.mocked(api.getSettings).mockResolvedValue(settings());
    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Welcome to Chartkeep' })).toBeInTheDocument();
    expect(screen.getByLabelText('healow Client ID')).toHaveAccessibleDescription(/healow developer portal/);
    expect(screen.getByLabelText('Public URL')).toHaveAccessibleDescription(/tunnel/);
  });

  it('saves the settings and shows the callback address to register', async () => {
    vi.mocked(api.getSettings).mockResolvedValue(settings());
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('healow Client ID'), ' my-client ');
    await user.type(screen.getByLabelText('Public URL'), 'https://me.ngrok-free.app/');
    expect(screen.getByText('https://me.ngrok-free.app/healow/callback')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(api.saveSettings).toHaveBeenCalledWith(
      settings({ clientId: 'my-client', publicUrl: 'https://me.ngrok-free.app/' }),
    );
    // The guide stays to check the setup; the practice search comes after.
    expect(await screen.findByRole('region', { name: 'Setup check results' })).toBeInTheDocument();
    expect(api.checkSetup).toHaveBeenCalled();
    expect(screen.queryByRole('heading', { name: 'Add a practice' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Find your practice' }));
    expect(await screen.findByRole('heading', { name: 'Add a practice' })).toBeInTheDocument();
  });

  it('shows why settings were not saved', async () => {
    vi.mocked(api.getSettings).mockResolvedValue(settings());
    vi.mocked(api.saveSettings).mockRejectedValue(
      new api.AppError('invalid_public_url', 'The Public URL must start with https://.'),
    );
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('healow Client ID'), 'id');
    await user.type(screen.getByLabelText('Public URL'), 'http://x');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your settings were not saved.');
    expect(alert).toHaveTextContent('The Public URL must start with https://.');
  });

  it('needs no setup in demo mode', async () => {
    vi.mocked(api.getSettings).mockResolvedValue(settings({ demo: true }));
    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Add a practice' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Settings' }));

    expect(screen.getByText('Demo practice — no setup needed')).toBeInTheDocument();
    expect(screen.queryByLabelText('healow Client ID')).not.toBeInTheDocument();
  });

  it('opens the first connection and lists every connection with its status', async () => {
    vi.mocked(api.listConnections).mockResolvedValue([
      connection({ id: 'c1', patientName: 'Ana Test' }),
      connection({ id: 'c2', patientName: 'Ben Test', practiceName: 'Lakeshore', status: 'error' }),
    ]);
    render(<App />);

    const sidebar = await screen.findByRole('complementary', { name: 'Practices' });
    const ben = await within(sidebar).findByRole('button', { name: /Ben Test/ });
    expect(ben).toHaveTextContent('Lakeshore');
    expect(ben).toHaveTextContent('Error');
    expect(within(sidebar).getByRole('button', { name: /Ana Test/ })).toHaveAttribute('aria-current', 'page');
  });

  it('reloads the connections when the backend says they changed, and stops listening on unmount', async () => {
    const { unmount } = render(<App />);
    await screen.findByRole('heading', { name: 'Add a practice' });
    vi.mocked(api.listConnections).mockResolvedValue([connection({ patientName: 'New Person' })]);

    act(() => bus.emit('connections:changed'));

    expect(await screen.findByRole('button', { name: /New Person/ })).toBeInTheDocument();
    unmount();
    expect(bus.count('connections:changed')).toBe(0);
  });

  it('says in plain words when the settings cannot be read', async () => {
    vi.mocked(api.getSettings).mockRejectedValue(new api.AppError('store_locked', 'The records database is locked.'));
    render(<App />);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Chartkeep could not read its settings.');
    expect(alert).toHaveTextContent('The records database is locked.');
  });
});
