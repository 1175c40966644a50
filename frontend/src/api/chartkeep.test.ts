import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AppError,
  directoryStatus,
  getRecord,
  listGroups,
  listConnections,
  onLoginStatus,
  onSyncProgress,
  openInBrowser,
  probePractice,
  saveSettings,
  searchPractices,
  toAppError,
} from './chartkeep';

type Handler = (...data: unknown[]) => void;

// The generated bindings call window.go.app.App.X and window.runtime.Y, so
// the adapter is tested against fakes of exactly those globals.
const App = {
  SearchPractices: vi.fn(),
  GetRecord: vi.fn(),
  ListGroups: vi.fn(),
  ListConnections: vi.fn(),
  SaveSettings: vi.fn(),
  ProbePractice: vi.fn(),
  DirectoryStatus: vi.fn(),
};
const listeners: { name: string; fn: Handler }[] = [];
const runtime = {
  EventsOnMultiple: vi.fn((name: string, fn: Handler) => {
    const l = { name, fn };
    listeners.push(l);
    return () => listeners.splice(listeners.indexOf(l), 1);
  }),
  BrowserOpenURL: vi.fn(),
};

function emit(name: string, payload: unknown) {
  for (const l of listeners.filter((x) => x.name === name)) l.fn(payload);
}

beforeEach(() => {
  vi.stubGlobal('go', { app: { App } });
  vi.stubGlobal('runtime', runtime);
});

afterEach(() => {
  vi.unstubAllGlobals();
  listeners.splice(0);
});

describe('toAppError', () => {
  it.each([
    {
      name: 'JSON error text from a Go binding',
      input: new Error('{"code":"directory_unavailable","message":"The directory could not be downloaded."}'),
      want: { code: 'directory_unavailable', message: 'The directory could not be downloaded.' },
    },
    { name: 'plain error text', input: new Error('dial tcp: timeout'), want: { code: 'unknown', message: 'dial tcp: timeout' } },
    { name: 'a bare string', input: 'method not found', want: { code: 'unknown', message: 'method not found' } },
    { name: 'JSON without a message', input: new Error('{"code":"x"}'), want: { code: 'unknown', message: '{"code":"x"}' } },
    { name: 'JSON with an empty code', input: '{"code":"","message":"Try later."}', want: { code: 'unknown', message: 'Try later.' } },
    { name: 'an object', input: { code: 'busy', message: 'A download is running.' }, want: { code: 'busy', message: 'A download is running.' } },
    {
      name: 'an object error formatter, which Wails v2 flattens',
      input: new Error(String({ code: 'busy', message: 'x' })),
      want: { code: 'unknown', message: 'Something went wrong.' },
    },
    { name: 'nothing useful', input: undefined, want: { code: 'unknown', message: 'Something went wrong.' } },
    { name: 'empty text', input: new Error(''), want: { code: 'unknown', message: 'Something went wrong.' } },
  ])('reads $name', ({ input, want }) => {
    const got = toAppError(input);
    expect(got).toBeInstanceOf(AppError);
    expect({ code: got.code, message: got.message }).toEqual(want);
  });
});

describe('backend calls', () => {
  it('rejects with an AppError carrying the backend’s code and message', async () => {
    App.SearchPractices.mockRejectedValue(new Error('{"code":"offline","message":"This computer is offline."}'));

    const err = await searchPractices('river').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'offline', message: 'This computer is offline.' });
    expect(App.SearchPractices).toHaveBeenCalledWith('river', false);
  });

  it('says the background service is missing when there are no bindings', async () => {
    vi.stubGlobal('go', undefined);

    await expect(listGroups('c1')).rejects.toMatchObject({ code: 'backend_unavailable' });
  });

  it('turns Go’s null lists and maps into empty ones', async () => {
    App.ListGroups.mockResolvedValue(null);
    App.GetRecord.mockResolvedValue({ type: 'Condition', id: 'x', title: 'T', fields: null, attachments: null });
    App.ListConnections.mockResolvedValue([{ id: 'c1', status: 'connected', counts: null }]);

    expect(await listGroups('c1')).toEqual([]);
    const d = await getRecord('c1', 'Condition', 'x');
    expect(d.fields).toEqual([]);
    expect(d.attachments).toEqual([]);
    expect(d.narrativeHtml).toBe('');
    const [c] = await listConnections();
    expect(c?.counts).toEqual({});
  });

  it('keeps only strings where strings are expected', async () => {
    App.ListConnections.mockResolvedValue([
      { id: 'c1', patientName: { toString: 'x' }, status: 'hacked', counts: { Condition: '3', Goal: 2 } },
    ]);

    const [c] = await listConnections();

    expect(c).toMatchObject({ id: 'c1', patientName: '', status: 'unknown', counts: { Condition: 0, Goal: 2 } });
  });

  it('reads the Go field names too, for structs without json tags', async () => {
    App.ListGroups.mockResolvedValue([{ Type: 'Condition', Label: 'Conditions', Count: 2 }]);
    App.GetRecord.mockResolvedValue({ NarrativeHTML: '<p>x</p>', RawJSON: '{}', Fields: [{ Label: 'A', Value: 'B' }] });

    expect(await listGroups('c1')).toEqual([{ key: 'Condition', label: 'Conditions', count: 2 }]);
    expect(await getRecord('c1', 'Condition', 'x')).toMatchObject({
      narrativeHtml: '<p>x</p>',
      rawJson: '{}',
      fields: [{ label: 'A', value: 'B' }],
    });
  });

  it('reads practice flags and the directory status, whatever their types', async () => {
    App.ProbePractice.mockResolvedValue({ code: 'X', name: 'N', base: 'https://b/X', isTest: 'yes', manual: true });
    App.DirectoryStatus.mockResolvedValue({ practices: '7', ageText: 'updated 3 days ago', refreshing: true });

    expect(await probePractice('https://b/X')).toEqual({
      code: 'X', name: 'N', base: 'https://b/X', city: '', state: '', isTest: false, manual: true,
    });
    expect(App.ProbePractice).toHaveBeenCalledWith('https://b/X');
    expect(await directoryStatus()).toEqual({
      practices: 0, fetchedAt: '', ageText: 'updated 3 days ago', source: '', refreshing: true, error: '',
    });
  });

  it('sends settings as a plain copy', async () => {
    App.SaveSettings.mockResolvedValue(undefined);
    const s = { clientId: 'id', publicUrl: 'https://x', callbackPort: 1, directoryUrl: '', demo: false };

    await saveSettings(s);

    expect(App.SaveSettings).toHaveBeenCalledWith(s);
  });
});

describe('events', () => {
  it('passes only the progress of its own connection and stops after unsubscribing', () => {
    const seen: string[] = [];
    const off = onSyncProgress('c1', (p) => seen.push(`${p.type}:${p.resources}`));

    emit('sync:progress', { connectionId: 'c1', type: 'Goal', resources: 2 });
    emit('sync:progress', { connectionId: 'c2', type: 'Goal', resources: 9 });
    off();
    off();
    emit('sync:progress', { connectionId: 'c1', type: 'Goal', resources: 3 });

    expect(seen).toEqual(['Goal:2']);
    expect(listeners).toHaveLength(0);
  });

  it('subscribes to the namespaced login:status event and normalises its payload', () => {
    const seen: unknown[] = [];
    const off = onLoginStatus((s) => seen.push(s));

    emit('login:status', { attemptId: 'a', state: 'bogus' });

    expect(runtime.EventsOnMultiple).toHaveBeenCalledWith('login:status', expect.any(Function), -1);
    expect(seen).toEqual([{ attemptId: 'a', state: 'failed', message: '', connectionId: '' }]);
    off();
  });
});

describe('openInBrowser', () => {
  it.each([
    { url: 'https://oauthserver.eclinicalworks.com/oauth/oauth2/authorize?x=1', opened: true },
    { url: 'http://127.0.0.1:53682/healow/ping', opened: true },
    { url: 'javascript:alert(1)', opened: false },
    { url: 'file:///etc/passwd', opened: false },
    { url: 'not a url', opened: false },
  ])('opens $url: $opened', ({ url, opened }) => {
    expect(openInBrowser(url)).toBe(opened);
    expect(runtime.BrowserOpenURL).toHaveBeenCalledTimes(opened ? 1 : 0);
  });
});
