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
    label: '',
    practiceName: 'Riverside Family Medicine',
    patientName: 'Ana Test',
    status: 'connected',
    expiresAt: '',
    lastSyncAt: '2024-11-18T14:00:00Z',
    lastSyncStatus: 'ok',
    counts: {},
    recordCount: 0,
    attachments: true,
    notices: [],
    ...over,
  };
}

/** setupReport builds a SetupReport from checks (all passing by default). */
export function setupReport(checks: Partial<Api.SetupCheck>[] = [{}]): Api.SetupReport {
  const full = checks.map((c, i) => ({ id: `check${i}`, label: `Check ${i}`, ok: true, detail: '', advice: '', ...c }));
  return { ok: full.every((c) => c.ok), checks: full, checkedAt: '2024-11-18T14:00:00Z' };
}

/** setupGuide builds a SetupGuide with the given fields. */
export function setupGuide(over: Partial<Api.SetupGuide> = {}): Api.SetupGuide {
  return {
    portalUrl: 'https://connect4.healow.com',
    redirectUri: '',
    callbackPort: 53682,
    portChanged: false,
    scopes: ['openid', 'fhirUser', 'launch/patient', 'patient/Patient.read'],
    ...over,
  };
}

/** directoryInfo builds a DirectoryInfo with the given fields: a list a day old. */
export function directoryInfo(over: Partial<Api.DirectoryInfo> = {}): Api.DirectoryInfo {
  return {
    practices: 17000,
    fetchedAt: '2024-11-17T14:00:00Z',
    ageText: 'updated yesterday',
    source: 'https://connect4.healow.com/apps/api/v1/fhir/activated_clinical_endpoints',
    refreshing: false,
    error: '',
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
    directoryStatus: vi.fn(async (): Promise<Api.DirectoryInfo> => directoryInfo()),
    refreshDirectory: vi.fn(async () => undefined),
    probePractice: vi.fn(async (): Promise<Api.Practice> => {
      throw new real.AppError('practice_not_enabled', 'That address does not offer healow patient access.');
    }),
    connect: vi.fn(async (): Promise<Api.LoginStart> => ({ attemptId: 'a1', authUrl: 'https://login.example/a1' })),
    reconnect: vi.fn(async (): Promise<Api.LoginStart> => ({ attemptId: 'a2', authUrl: 'https://login.example/a2' })),
    cancelLogin: vi.fn(async () => undefined),
    listConnections: vi.fn(async (): Promise<Api.ConnectionView[]> => []),
    syncNow: vi.fn(async () => undefined),
    renameConnection: vi.fn(async () => undefined),
    disconnectConnection: vi.fn(async () => undefined),
    removeConnection: vi.fn(async () => undefined),
    checkSetup: vi.fn(async (): Promise<Api.SetupReport> => setupReport()),
    getSetupGuide: vi.fn(async (): Promise<Api.SetupGuide> => setupGuide()),
    copyText: vi.fn(async () => true),
    cancelSync: vi.fn(async () => undefined),
    getSyncProgress: vi.fn(async (): Promise<Api.SyncProgress[]> => []),
    getAttachmentText: vi.fn(async () => 'Visit note text'),
    saveAttachment: vi.fn(async () => '/home/ana/Visit note.pdf'),
    listSyncRuns: vi.fn(async (): Promise<Api.SyncRun[]> => []),
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
    onDirectoryStatus: vi.fn((h: (i: Api.DirectoryInfo) => void) =>
      subscribe(real.AppEvents.directoryStatus, h as Handler),
    ),
  };
}
