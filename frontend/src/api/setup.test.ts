import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkSetup, copyText, getSetupGuide, listConnections, removeConnection } from './chartkeep';

// The generated bindings call window.go.app.App.X and window.runtime.Y.
const App = {
  CheckSetup: vi.fn(),
  GetSetupGuide: vi.fn(),
  ListConnections: vi.fn(),
  RemoveConnection: vi.fn(),
};
const runtime = { ClipboardSetText: vi.fn() };

beforeEach(() => {
  vi.stubGlobal('go', { app: { App } });
  vi.stubGlobal('runtime', runtime);
});

afterEach(() => vi.unstubAllGlobals());

describe('setup and connection calls', () => {
  it('reads every setup check, and never reports a report without checks as passed', async () => {
    App.CheckSetup.mockResolvedValue({
      ok: false,
      checks: [
        { id: 'client_id', label: 'Client ID is filled in', ok: true, detail: 'Client ID x.', advice: '' },
        { id: 'ping', label: 'Reaches', ok: false, detail: 'Nothing is listening.', advice: 'Start the tunnel.', extra: 1 },
        'junk',
      ],
      checkedAt: '2024-11-18T14:00:00Z',
    });
    const r = await checkSetup();
    expect(r.ok).toBe(false);
    expect(r.checks).toEqual([
      { id: 'client_id', label: 'Client ID is filled in', ok: true, detail: 'Client ID x.', advice: '' },
      { id: 'ping', label: 'Reaches', ok: false, detail: 'Nothing is listening.', advice: 'Start the tunnel.' },
    ]);

    App.CheckSetup.mockResolvedValue({ ok: true, checks: null });
    expect((await checkSetup()).ok).toBe(false);
  });

  it('reads the setup guide, with null lists as empty', async () => {
    App.GetSetupGuide.mockResolvedValue({ portalUrl: 'https://connect4.healow.com', redirectUri: '', callbackPort: 53999, portChanged: true, scopes: null });
    expect(await getSetupGuide()).toEqual({
      portalUrl: 'https://connect4.healow.com', redirectUri: '', callbackPort: 53999, portChanged: true, scopes: [],
    });
  });

  it('reads the disconnected status, the record count and the notices of a connection', async () => {
    App.ListConnections.mockResolvedValue([
      { id: 'c1', status: 'disconnected', recordCount: 172, attachments: false, notices: ['No files.', 3], counts: null },
      { id: 'c2', status: 'connected' },
    ]);
    const [a, b] = await listConnections();
    expect(a).toMatchObject({ status: 'disconnected', recordCount: 172, attachments: false, notices: ['No files.'] });
    expect(b).toMatchObject({ recordCount: 0, attachments: true, notices: [] });
  });

  it('sends the confirmed count along with a removal and passes a stale confirmation on', async () => {
    App.RemoveConnection.mockRejectedValue(new Error('{"code":"stale_confirmation","message":"Now 180 records."}'));
    await expect(removeConnection('c1', 172)).rejects.toMatchObject({ code: 'stale_confirmation', message: 'Now 180 records.' });
    expect(App.RemoveConnection).toHaveBeenCalledWith('c1', 172);
  });

  it('copies through the Wails clipboard and reports a failure', async () => {
    runtime.ClipboardSetText.mockResolvedValue(true);
    expect(await copyText('https://me.ngrok-free.app/healow/callback')).toBe(true);
    expect(runtime.ClipboardSetText).toHaveBeenCalledWith('https://me.ngrok-free.app/healow/callback');
    runtime.ClipboardSetText.mockRejectedValue(new Error('no clipboard'));
    expect(await copyText('x')).toBe(false);
  });
});
