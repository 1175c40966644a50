import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/chartkeep';
import { bus, settings, setupGuide, setupReport } from '../test/fakeApi';
import { SettingsScreen } from './SettingsScreen';

vi.mock('../api/chartkeep', async (real) => (await import('../test/fakeApi')).fakeModule(await real()));

afterEach(() => bus.clear());

function renderGuide(over: Partial<api.Settings> = {}, onDone = vi.fn()) {
  const onSaved = vi.fn();
  render(<SettingsScreen settings={settings(over)} firstRun onSaved={onSaved} onDone={onDone} />);
  return { onSaved, onDone, user: userEvent.setup() };
}

describe('SettingsScreen setup guide', () => {
  it('lists the steps of healow’s portal registration in order', async () => {
    renderGuide({ publicUrl: 'https://me.ngrok-free.app' });
    const portal = screen.getByRole('heading', { name: 'Register Chartkeep on the healow developer portal' });
    const steps = within(portal.closest('li') as HTMLElement).getAllByRole('listitem').map((li) => li.textContent ?? '');
    const order = ['connect4.healow.com', 'Register Clinical App', 'specialty and a category', 'every patient FHIR scope',
      'redirect URL', 'OpenID Connect', 'public app', 'client ID'];
    const at = order.map((w) => steps.findIndex((s) => s.includes(w)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(await screen.findByText(/The 4 scopes Chartkeep asks for/)).toBeInTheDocument();
  });

  it('shows the exact redirect URL to paste, with a copy button', async () => {
    const { user } = renderGuide();
    expect(screen.getByText('Enter the tunnel’s address in step 2 first.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Public URL'), 'https://me.ngrok-free.app/');

    expect(screen.getByText('https://me.ngrok-free.app/healow/callback')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy redirect url' }));
    expect(api.copyText).toHaveBeenCalledWith('https://me.ngrok-free.app/healow/callback');
    expect(await screen.findByText('Copied.')).toBeInTheDocument();
  });

  it('does not offer a redirect URL for an address with a path', async () => {
    const { user } = renderGuide();
    await user.type(screen.getByLabelText('Public URL'), 'https://me.ngrok-free.app/x');
    expect(screen.queryByText(/healow\/callback/)).not.toBeInTheDocument();
  });

  it('gives ngrok and cloudflared commands for the tunnel’s domain and the port Chartkeep listens on', async () => {
    vi.mocked(api.getSetupGuide).mockResolvedValue(setupGuide({ callbackPort: 53999 }));
    renderGuide({ publicUrl: 'https://me.ngrok-free.app', callbackPort: 53682 });

    expect(await screen.findByText('ngrok http --url=me.ngrok-free.app 127.0.0.1:53999')).toBeInTheDocument();
    expect(screen.getByText(/cloudflared tunnel run --url http:\/\/127\.0\.0\.1:53999 chartkeep/)).toBeInTheDocument();
    expect(screen.getByText(/cloudflared tunnel route dns chartkeep me\.ngrok-free\.app/)).toBeInTheDocument();
    expect(screen.getByText(/You are about to visit/)).toBeInTheDocument();
  });

  it('saves, then checks the setup and shows each check’s result with its advice', async () => {
    vi.mocked(api.checkSetup).mockResolvedValue(setupReport([
      { id: 'client_id', label: 'Client ID is filled in', detail: 'Client ID my-app.' },
      { id: 'ping', label: 'The public URL reaches this Chartkeep', ok: false,
        detail: 'The tunnel is running but could not reach Chartkeep (HTTP 502).',
        advice: 'The tunnel must forward to 127.0.0.1:53682.' },
    ]));
    const { user, onSaved, onDone } = renderGuide();
    await user.type(screen.getByLabelText('healow Client ID'), 'my-app');
    await user.type(screen.getByLabelText('Public URL'), 'https://me.ngrok-free.app');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(onSaved).toHaveBeenCalledWith(settings({ clientId: 'my-app', publicUrl: 'https://me.ngrok-free.app' }));
    const results = await screen.findByRole('region', { name: 'Setup check results' });
    const items = within(results).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Client ID is filled in — passed');
    expect(items[1]).toHaveTextContent('The public URL reaches this Chartkeep — failed');
    expect(items[1]).toHaveTextContent('could not reach Chartkeep (HTTP 502)');
    expect(items[1]).toHaveTextContent('must forward to 127.0.0.1:53682');
    expect(within(results).getByRole('status')).toHaveTextContent('Something needs fixing');
    expect(screen.queryByRole('button', { name: 'Find your practice' })).not.toBeInTheDocument();
    expect(onDone).not.toHaveBeenCalled();
  });

  it('offers to find the practice once every check passes', async () => {
    const { user, onDone } = renderGuide({ clientId: 'x', publicUrl: 'https://me.ngrok-free.app' });
    await user.click(screen.getByRole('button', { name: 'Check my setup' }));
    await user.click(await screen.findByRole('button', { name: 'Find your practice' }));
    expect(onDone).toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Check again' })).toBeInTheDocument();
  });

  it('says so when the port saved takes effect only after a restart', async () => {
    vi.mocked(api.getSetupGuide).mockResolvedValue(setupGuide({ callbackPort: 53682, portChanged: true }));
    renderGuide({ callbackPort: 54000 });
    expect(await screen.findByText(/takes effect when Chartkeep restarts/)).toBeInTheDocument();
  });
});
