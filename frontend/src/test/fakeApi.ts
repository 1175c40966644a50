/**
 * A hand-written stand-in for src/api/chartkeep.ts. Tests install it with
 *
 *   vi.mock('../api/chartkeep', async (real) =>
 *     (await import('../test/fakeApi')).fakeModule(await real()));
 *
 * The types, AppError and toAppError stay real; every backend call becomes a
 * vi.fn with a harmless default, and events go through a small bus that
 * tests can emit on and inspect.
 */
import { vi } from 'vitest';
import type * as Api from '../api/chartkeep';

type Handler = (payload: unknown) => void;

const listeners = new Map<string, Set<Handler>>();

/** bus delivers backend events to whatever the components subscribed. */
export const bus = {
  emit(name: string, payload?: unknown): void {
    for (const h of [...(listeners.get(name) ?? [])]) h(payload);
  },
  count(name: string): number {
    return listeners.get(name)?.size ?? 0;
  },
  clear(): void {
    listeners.clear();
  },
};

function subscribe(name: string, h: Handler): Api.Unsubscribe {
  const set = listeners.get(name) ?? new Set<Handler>();
  listeners.set(name, set);
  set.add(h);
  return () => {
    set.delete(h);
  };
}

/** settings builds Settings with the given fields. */
export function settings(over: Partial<Api.Settings> = {}): Api.Settings {
  return { clientId: '', publicUrl: '', callbackPort: 53682, directoryUrl: '', demo: false, ...over };
}

/** connection builds a ConnectionView with the given fields. */
export function connection(over: Partial<Api.ConnectionView> = {}): Api.ConnectionView {
  return {
    id: 'c1',
    label: 'Riverside',
    practiceName: 'Riverside Family Medicine',
    patientName: 'Ana Test',
    status: 'connected',
    expiresAt: '',
    lastSyncAt: '2024-11-18T14:00:00Z',
    lastSyncStatus: 'ok',
    counts: {},
    ...over,
  };
}

/** fakeModule is the mocked module: the real one with every call faked. */
export function fakeModule(real: typeof Api) {
  return {
    ...real,
    getSettings: vi.fn(async () => settings({ demo: true })),
    saveSettings: vi.fn(async () => undefined),
    searchPractices: vi.fn(async (): Promise<Api.Practice[]> => []),
    connect: vi.fn(async (): Promise<Api.LoginStart> => ({ attemptId: 'a1', authUrl: 'https://login.example/a1' })),
    reconnect: vi.fn(async (): Promise<Api.LoginStart> => ({ attemptId: 'a2', authUrl: 'https://login.example/a2' })),
    cancelLogin: vi.fn(async () => undefined),
    listConnections: vi.fn(async (): Promise<Api.ConnectionView[]> => []),
    syncNow: vi.fn(async () => undefined),
    cancelSync: vi.fn(async () => undefined),
    getPatient: vi.fn(async (): Promise<Api.PatientView> => ({
      name: 'Ana Test', birthDate: '1990-02-03', gender: 'female', identifier: 'MRN 123', address: '', phone: '',
    })),
    listGroups: vi.fn(async (): Promise<Api.GroupView[]> => []),
    listRecords: vi.fn(async (): Promise<Api.RecordSummary[]> => []),
    getRecord: vi.fn(async (): Promise<Api.RecordDetail> => {
      throw new real.AppError('not_found', 'Not found.');
    }),
    openInBrowser: vi.fn(() => true),
    onLoginStatus: vi.fn((h: (s: Api.LoginStatus) => void) => subscribe(real.AppEvents.loginStatus, h as Handler)),
    onSyncProgress: vi.fn((id: string, h: (p: Api.SyncProgress) => void) =>
      subscribe(real.AppEvents.syncProgress, (p) => {
        if ((p as Api.SyncProgress).connectionId === id) h(p as Api.SyncProgress);
      }),
    ),
    onConnectionsChanged: vi.fn((h: () => void) => subscribe(real.AppEvents.connectionsChanged, () => h())),
  };
}
