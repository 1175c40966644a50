/**
 * A fake backend for looking at the UI outside Wails (screenshots, design
 * work). It installs `window.go.app.App` and `window.runtime` with the same
 * call and event shapes as the real bindings, around one made-up patient.
 *
 * Only mock.html loads it; the production index.html never does. Query
 * parameters pick a scenario:
 *   ?scenario=first-run   no settings and no practice yet
 *   ?scenario=demo        demo mode, nothing connected yet
 *   ?scenario=expired     a connection whose access has ended
 *   ?scenario=syncing     a download in progress
 *   (default)             one connected practice with records
 *   &loginMs=N            how long the fake browser login takes (default 3000)
 *   &loginFail            the login ends with the patient refusing access
 * "My practice is not listed" accepts any https address; one ending in
 * NOPE00 is not enabled, a host ending in .invalid is unreachable.
 */

type Handler = (...data: unknown[]) => void;

interface Listener {
  name: string;
  fn: Handler;
  left: number;
}

const params = new URLSearchParams(window.location.search);
const scenario = params.get('scenario') ?? 'connected';
const loginMs = Number(params.get('loginMs') ?? '3000');
const loginFails = params.has('loginFail');

const listeners: Listener[] = [];

function emit(name: string, ...data: unknown[]): void {
  for (const l of [...listeners]) {
    if (l.name !== name) continue;
    l.fn(...data);
    if (l.left > 0 && --l.left === 0) listeners.splice(listeners.indexOf(l), 1);
  }
}

const later = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fail = (code: string, message: string) => new Error(JSON.stringify({ code, message }));

// Directory ------------------------------------------------------------------

const practices = [
  { code: 'RVFMED', name: 'Riverside Family Medicine', city: 'Columbus', state: 'OH' },
  { code: 'RVFMD2', name: 'Riverside Family Medicine', city: 'Dayton', state: 'OH' },
  { code: 'LKSPED', name: 'Lakeshore Pediatrics & Adolescent Care', city: 'Evanston', state: 'IL' },
  { code: 'CSTNER', name: 'Clínica Castañer', city: 'San Juan', state: 'PR' },
  { code: 'WELLMED', name: 'Wellness Medical Group', city: 'Austin', state: 'TX' },
  { code: 'MIDOC1', name: 'Midtown Internal Medicine', city: 'Atlanta', state: 'GA' },
  { code: 'JAFJCD', name: 'FHIR R4 Prodtest EMR', city: 'Westborough', state: 'MA' },
  { code: 'TFA001', name: 'Test Facility', city: 'Irvine', state: 'CA' },
  { code: 'TFA002', name: 'Test Facility', city: 'Orlando', state: 'FL' },
].map((p) => ({
  ...p,
  base: `https://fhir4.healow.com/fhir/r4/${p.code}`,
  isTest: /\b(test|prodtest|train|sandbox)\b/i.test(p.name),
  manual: false,
}));

function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function search(query: string, includeTest: boolean) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return practices.filter((p) => {
    if (p.isTest && !includeTest) return false;
    const hay = fold(`${p.name} ${p.city} ${p.state} ${p.code}`).split(/[^a-z0-9]+/);
    return words.every((w) => hay.some((h) => h.startsWith(w)));
  });
}

// ?scenario=first-run starts with no practice list: the first one downloads.
let directory = {
  practices: scenario === 'first-run' ? 0 : 16_942,
  fetchedAt: scenario === 'first-run' ? '' : new Date(Date.now() - 3 * 86_400_000).toISOString(),
  ageText: scenario === 'first-run' ? 'not downloaded yet' : 'updated 3 days ago',
  source: 'https://connect4.healow.com/apps/api/v1/fhir/activated_clinical_endpoints',
  refreshing: false,
  error: '',
};

async function downloadDirectory(): Promise<void> {
  directory = { ...directory, refreshing: true };
  emit('directory:status', { ...directory });
  await later(1800);
  directory = {
    ...directory, practices: 16_951, fetchedAt: new Date().toISOString(), ageText: 'updated just now', refreshing: false,
  };
  emit('directory:status', { ...directory });
}

function probe(address: string) {
  let u: URL;
  try {
    u = new URL(address.includes('://') ? address : `https://${address}`);
  } catch {
    throw fail('invalid_input', 'That is not an address Chartkeep can use. Enter the practice’s FHIR address as they gave it to you, for example https://fhir4.healow.com/fhir/r4/ABCDEF.');
  }
  if (u.protocol !== 'https:') {
    throw fail('invalid_input', 'Chartkeep only connects to practices over a secure connection: the address must start with https://, not http://.');
  }
  if (u.hostname.endsWith('.invalid')) {
    throw fail('network', `Chartkeep could not reach ${u.host}. Check the address for typing mistakes and that this computer is online, then try again.`);
  }
  const code = u.pathname.replace(/\/+$/, '').split('/').pop() || u.hostname;
  if (code.toUpperCase() === 'NOPE00') {
    throw fail('practice_not_enabled', `${u.host} answered, but it does not offer healow patient access at this address. Either this is not the practice’s FHIR address, or the practice has not enabled healow patient access yet. Ask your practice: “Please enable healow FHIR API access for patients (Patient Access API) so I can use an app.”`);
  }
  const p = { code, name: `Practice at ${u.hostname}`, city: '', state: '', base: `${u.origin}${u.pathname.replace(/\/+$/, '')}`, isTest: false, manual: true };
  if (!practices.some((x) => x.code === p.code)) practices.unshift(p);
  return p;
}

// Records --------------------------------------------------------------------

interface MockRecord {
  /** group is the GroupView key; type is the FHIR type, as from the backend. */
  group: string;
  type: string;
  id: string;
  date: string;
  title: string;
  subtitle: string;
  status: string;
}

const groupOrder: [string, string][] = [
  ['Observation:laboratory', 'Lab results'],
  ['Observation:vital-signs', 'Vital signs'],
  ['MedicationRequest', 'Medications'],
  ['Condition', 'Conditions'],
  ['AllergyIntolerance', 'Allergies'],
  ['Immunization', 'Immunizations'],
  ['Encounter', 'Visits'],
  ['DocumentReference', 'Documents'],
  ['DiagnosticReport', 'Reports'],
  ['Procedure', 'Procedures'],
  ['CarePlan', 'Care plans'],
  ['CareTeam', 'Care team'],
  ['Goal', 'Goals'],
  ['Device', 'Devices'],
];

function day(i: number, hour = 0): string {
  const d = new Date(Date.UTC(2024, 10, 18) - i * 37 * 86_400_000);
  const iso = d.toISOString().slice(0, 10);
  return `${iso}T${String(hour).padStart(2, '0')}:${hour === 0 ? '00' : '20'}:00-05:00`;
}

const labs: [string, string][] = [
  ['Hemoglobin A1c', '5.6 %'],
  ['LDL cholesterol', '112 mg/dL'],
  ['Thyroid stimulating hormone (TSH)', '2.1 mIU/L'],
  ['Hemoglobin', '13.4 g/dL'],
  ['Glucose, fasting', '94 mg/dL'],
  ['Creatinine', '0.8 mg/dL'],
  ['Vitamin D, 25-hydroxy', '31 ng/mL'],
];
const vitals: [string, string][] = [
  ['Blood pressure', '118/76 mmHg'],
  ['Body weight', '64.2 kg'],
  ['Heart rate', '68 /min'],
  ['Body temperature', '36.8 °C'],
];

function build(): MockRecord[] {
  const out: MockRecord[] = [];
  const add = (group: string, n: number, f: (i: number) => Omit<MockRecord, 'group' | 'type' | 'id'>) => {
    const type = group.split(':')[0] ?? group;
    for (let i = 0; i < n; i++) out.push({ group, type, id: `${group.replace(/\W+/g, '-')}-${i + 1}`, ...f(i) });
  };
  // Deliberately out of order: the UI sorts newest first.
  add('Observation:laboratory', 42, (i) => {
    const [t, v] = labs[(i * 3) % labs.length] ?? ['Lab', ''];
    return { date: day((i * 5) % 42, 9), title: t, subtitle: v, status: 'final' };
  });
  add('Observation:vital-signs', 18, (i) => {
    const [t, v] = vitals[i % vitals.length] ?? ['Vital', ''];
    return { date: day(Math.floor(i / 4) * 3, 10), title: t, subtitle: v, status: 'final' };
  });
  const meds = ['Levothyroxine 50 mcg tablet', 'Vitamin D3 1000 unit capsule', 'Cetirizine 10 mg tablet', 'Amoxicillin 500 mg capsule', 'Ibuprofen 400 mg tablet', 'Fluticasone nasal spray'];
  add('MedicationRequest', meds.length, (i) => ({
    date: day(i * 4), title: meds[i] ?? '', subtitle: i < 3 ? 'Take 1 daily' : 'As needed', status: i < 3 ? 'active' : 'completed',
  }));
  const conds = ['Hypothyroidism', 'Seasonal allergic rhinitis', 'Vitamin D deficiency', 'Acute sinusitis'];
  add('Condition', conds.length, (i) => ({ date: day(i * 9), title: conds[i] ?? '', subtitle: '', status: i < 3 ? 'active' : 'resolved' }));
  add('AllergyIntolerance', 2, (i) => ({
    date: day(30 + i), title: i === 0 ? 'Penicillin' : 'Tree pollen', subtitle: i === 0 ? 'Hives' : 'Sneezing, itchy eyes', status: 'active',
  }));
  const vacc = ['Influenza, seasonal', 'COVID-19 mRNA', 'Tdap', 'Hepatitis B'];
  add('Immunization', 9, (i) => ({ date: day(i * 3), title: vacc[i % vacc.length] ?? '', subtitle: '', status: 'completed' }));
  add('Encounter', 12, (i) => ({
    date: day(i * 2, 14), title: i % 3 === 0 ? 'Annual physical' : 'Office visit', subtitle: 'Dr. Priya Raman · Riverside Family Medicine', status: 'finished',
  }));
  add('DocumentReference', 3, (i) => ({ date: day(i * 5), title: ['Visit summary', 'Lab report', 'Referral letter'][i] ?? '', subtitle: 'PDF', status: 'current' }));
  add('DiagnosticReport', 5, (i) => ({ date: day(i * 6, 9), title: ['Lipid panel', 'Comprehensive metabolic panel', 'CBC with differential', 'Thyroid panel', 'Chest X-ray'][i] ?? '', subtitle: '', status: 'final' }));
  add('Procedure', 2, (i) => ({ date: day(20 + i * 8), title: i === 0 ? 'Flu shot administration' : 'Skin tag removal', subtitle: '', status: 'completed' }));
  add('CarePlan', 1, () => ({ date: day(1), title: 'Thyroid follow-up plan', subtitle: 'Recheck TSH in 6 months', status: 'active' }));
  add('CareTeam', 2, (i) => ({ date: '', title: i === 0 ? 'Primary care team' : 'Endocrinology', subtitle: i === 0 ? 'Dr. Priya Raman, Jordan Lee RN' : 'Dr. Samuel Okafor', status: 'active' }));
  add('Goal', 1, () => ({ date: day(2), title: 'Walk 30 minutes, 5 days a week', subtitle: '', status: 'in-progress' }));
  return out;
}

const records = build();

function detail(type: string, id: string) {
  const r = records.find((x) => x.type === type && x.id === id);
  if (r === undefined) {
    throw fail('not_found', 'That record is no longer stored.');
  }
  const resource = {
    resourceType: r.type.split(':')[0],
    id: r.id,
    status: r.status,
    code: { text: r.title },
    effectiveDateTime: r.date,
    valueString: r.subtitle,
    subject: { reference: 'Patient/pt-4402' },
    meta: { lastUpdated: '2024-11-18T09:40:12-05:00' },
  };
  return {
    type: r.type,
    id: r.id,
    title: r.title,
    date: r.date,
    fields: [
      { label: 'Result', value: r.subtitle },
      { label: 'Status', value: r.status },
      { label: 'Reference range', value: r.group === 'Observation:laboratory' ? '4.0 – 5.6 %' : '' },
      { label: 'Ordered by', value: 'Dr. Priya Raman' },
      { label: 'Performed at', value: 'Riverside Family Medicine Lab' },
    ].filter((f) => f.value !== ''),
    narrativeHtml:
      `<div><p><b>${r.title}</b> measured ${r.subtitle || 'as recorded'}.</p>` +
      '<p>Result is within the expected range. No change to treatment.</p>' +
      '<script>document.title = "sanitizer failed"</script>' +
      '<p onclick="alert(1)">Discussed at the visit with the patient.</p></div>',
    rawJson: JSON.stringify(resource),
    attachments:
      type === 'DocumentReference'
        ? [{ index: 0, contentType: 'application/pdf', title: `${r.title}.pdf`, size: 184_320 }]
        : [],
  };
}

// Connections ----------------------------------------------------------------

const soon = (mins: number) => new Date(Date.now() + mins * 60_000).toISOString();

interface Conn {
  id: string;
  label: string;
  practiceName: string;
  patientName: string;
  status: string;
  expiresAt: string;
  lastSyncAt: string;
  lastSyncStatus: string;
  counts: Record<string, number>;
}

const tally = (key: (r: MockRecord) => string): Record<string, number> => {
  const c: Record<string, number> = {};
  for (const r of records) c[key(r)] = (c[key(r)] ?? 0) + 1;
  return c;
};
const counts = () => tally((r) => r.type);
const groupCounts = () => tally((r) => r.group);

function seedConnection(status: string, expires: string): Conn {
  return {
    id: 'c-1',
    label: '',
    practiceName: 'Riverside Family Medicine',
    patientName: 'Maria Elena Castañer',
    status: status,
    expiresAt: expires,
    lastSyncAt: soon(-12),
    lastSyncStatus: 'ok',
    counts: counts(),
  };
}

const connections: Conn[] =
  scenario === 'first-run' || scenario === 'demo'
    ? []
    : [seedConnection(scenario === 'syncing' ? 'syncing' : scenario === 'expired' ? 'needs_reconnect' : 'connected', scenario === 'expired' ? soon(-25) : soon(48))];

let settings = {
  clientId: scenario === 'first-run' ? '' : 'a1b2c3d4-chartkeep',
  publicUrl: scenario === 'first-run' ? '' : 'https://maria-chartkeep.ngrok-free.app',
  callbackPort: 53682,
  directoryUrl: '',
  demo: scenario === 'demo' || scenario === 'connected',
};

// Sync -------------------------------------------------------------------------

let syncTimer: ReturnType<typeof setInterval> | null = null;

function runSync(c: Conn): void {
  c.status = 'syncing';
  emit('connections:changed');
  const types = Object.keys(counts());
  const progress = new Map<string, number>();
  let tick = 0;
  if (syncTimer !== null) clearInterval(syncTimer);
  syncTimer = setInterval(() => {
    tick++;
    const active = types.slice(0, Math.min(types.length, Math.ceil(tick / 2)));
    for (const [i, t] of active.entries()) {
      const total = counts()[t] ?? 0;
      const got = Math.min(total, (progress.get(t) ?? 0) + 7);
      progress.set(t, got);
      const problem = t === 'DocumentReference';
      emit('sync:progress', {
        connectionId: c.id, type: t, pages: Math.ceil(got / 50), resources: got,
        errors: problem && got >= total ? 1 : 0, done: got >= total && tick > i + 2,
        message: problem && got >= total ? 'One page could not be fetched (server error 500); try again later.' : '',
      });
    }
    if (scenario !== 'syncing' && [...progress.values()].length === types.length && tick > 30) {
      if (syncTimer !== null) clearInterval(syncTimer);
      c.status = 'connected';
      c.lastSyncAt = new Date().toISOString();
      c.lastSyncStatus = 'partial';
      emit('sync:progress', {
        connectionId: c.id, type: '', pages: 0, resources: 0, errors: 0, done: true,
        message: 'Some records could not be downloaded; see the details of each group.',
      });
      emit('connections:changed');
    }
  }, 400);
}

// Bindings ---------------------------------------------------------------------

let attempt = 0;
let loginTimers: ReturnType<typeof setTimeout>[] = [];

function startLogin(practiceName: string, existing?: Conn) {
  attempt++;
  const attemptId = `attempt-${attempt}`;
  loginTimers.forEach(clearTimeout);
  loginTimers = [
    setTimeout(() => emit('login:status', { attemptId, state: 'waiting', message: '', connectionId: '' }), 50),
    setTimeout(() => emit('login:status', loginFails
      ? { attemptId, state: 'failed', message: 'healow said: access was not allowed (access_denied).', connectionId: '' }
      : { attemptId, state: 'exchanging', message: '', connectionId: '' }), loginMs),
    setTimeout(() => {
      if (loginFails) return;
      const c = existing ?? { ...seedConnection('connected', soon(60)), id: `c-${connections.length + 1}`, practiceName: practiceName, label: practiceName, lastSyncAt: '', counts: {} };
      c.status = 'connected';
      c.expiresAt = soon(60);
      if (existing === undefined) connections.push(c);
      emit('connections:changed');
      emit('login:status', { attemptId, state: 'connected', message: '', connectionId: c.id });
      runSync(c);
    }, loginMs + 900),
  ];
  return { attemptId, authUrl: `https://oauthserver.eclinicalworks.com/oauth/oauth2/authorize?state=${attemptId}` };
}

function conn(id: string): Conn {
  const c = connections.find((x) => x.id === id);
  if (c === undefined) throw fail('not_found', 'That practice is not connected.');
  return c;
}

const App = {
  GetSettings: async () => ({ ...settings }),
  SaveSettings: async (s: typeof settings) => {
    await later(300);
    settings = { ...s };
  },
  SearchPractices: async (q: string, includeTest: boolean) => {
    await later(directory.refreshing && directory.practices === 0 ? 1900 : 150);
    return search(q, includeTest);
  },
  DirectoryStatus: async () => {
    if (directory.practices === 0 && !directory.refreshing) void downloadDirectory();
    return { ...directory };
  },
  RefreshDirectory: async () => {
    await downloadDirectory();
  },
  ProbePractice: async (address: string) => {
    await later(700);
    return probe(address);
  },
  Connect: async (code: string) => {
    await later(200);
    const p = practices.find((x) => x.code === code);
    if (p === undefined) throw fail('unknown_practice', 'That practice is not in the healow directory.');
    return startLogin(p.name);
  },
  Reconnect: async (id: string) => {
    await later(200);
    const c = conn(id);
    return startLogin(c.practiceName, c);
  },
  CancelLogin: async () => {
    loginTimers.forEach(clearTimeout);
  },
  ListConnections: async () =>
    connections.map((c) => ({
      ...c,
      counts: { ...c.counts },
      recordCount: Object.values(c.counts).reduce((n, x) => n + x, 0),
      attachments: true,
      notices: [],
    })),
  RenameConnection: async (id: string, label: string) => {
    conn(id).label = label.trim();
    emit('connections:changed');
  },
  DisconnectConnection: async (id: string) => {
    conn(id).status = 'disconnected';
    emit('connections:changed');
  },
  RemoveConnection: async (id: string, confirmCount: number) => {
    const c = conn(id);
    const n = Object.values(c.counts).reduce((a, x) => a + x, 0);
    if (n !== confirmCount) throw fail('stale_confirmation', `This connection now has ${n} records, not ${confirmCount}.`);
    connections.splice(connections.indexOf(c), 1);
    emit('connections:changed');
  },
  GetSetupGuide: async () => ({
    portalUrl: 'https://connect4.healow.com',
    redirectUri: settings.publicUrl === '' ? '' : `${settings.publicUrl.replace(/\/+$/, '')}/healow/callback`,
    callbackPort: settings.callbackPort,
    portChanged: false,
    scopes: ['openid', 'fhirUser', 'launch/patient', 'patient/Patient.read', 'patient/Observation.read'],
  }),
  CheckSetup: async () => {
    await later(600);
    const okURL = /^https:\/\/[^/?#]+\/?$/.test(settings.publicUrl);
    const checks = [
      { id: 'client_id', label: 'Client ID is filled in', ok: settings.clientId !== '', detail: '', advice: settings.clientId === '' ? 'Paste the client ID from the healow developer portal.' : '' },
      { id: 'public_url', label: 'Public URL is a plain https address', ok: okURL, detail: '', advice: okURL ? '' : 'Enter only https:// and the domain.' },
      { id: 'listener', label: 'Chartkeep is listening for the login reply', ok: true, detail: `Listening on 127.0.0.1:${settings.callbackPort}.`, advice: '' },
      { id: 'ping', label: 'The public URL reaches this Chartkeep', ok: false, detail: 'Nothing is listening at the public URL.', advice: `Start the tunnel and leave it running: ngrok http --url=your-domain 127.0.0.1:${settings.callbackPort}.` },
    ];
    return { ok: false, checks, checkedAt: new Date().toISOString() };
  },
  SyncNow: async (id: string) => {
    runSync(conn(id));
  },
  CancelSync: async (id: string) => {
    if (syncTimer !== null) clearInterval(syncTimer);
    conn(id).status = 'connected';
    emit('connections:changed');
  },
  GetSyncProgress: async () => [],
  GetAttachmentText: async () => 'Visit note\n\nSeen today for a routine visit. No changes to treatment.',
  SaveAttachment: async () => '/home/maria/Documents/Visit summary.pdf',
  ListSyncRuns: async (id: string) => {
    conn(id);
    return [
      { startedAt: new Date(Date.now() - 3_600_000).toISOString(), seconds: 4.2, status: 'ok',
        resumed: false, records: 107, counts: {}, errors: {} },
    ];
  },
  GetPatient: async (id: string) => {
    conn(id);
    return {
      name: 'Maria Elena Castañer', birthDate: '1984-07-19', gender: 'female',
      identifier: 'MRN 00482913', address: '12 Elm Street, Columbus, OH 43004', phone: '(614) 555-0142',
    };
  },
  ListGroups: async (id: string) => {
    const c = conn(id);
    const n = c.lastSyncAt === '' && c.status !== 'syncing' ? {} : groupCounts();
    return groupOrder.map(([key, label]) => ({ key, label, count: n[key] ?? 0 }));
  },
  ListRecords: async (id: string, group: string) => {
    conn(id);
    await later(80);
    return records.filter((r) => r.group === group).map((r) => ({ type: r.type, id: r.id, date: r.date, title: r.title, subtitle: r.subtitle, status: r.status }));
  },
  GetRecord: async (id: string, type: string, rid: string) => {
    conn(id);
    await later(60);
    return detail(type, rid);
  },
};

const runtime = {
  EventsOnMultiple: (name: string, fn: Handler, max: number) => {
    const l: Listener = { name, fn, left: max };
    listeners.push(l);
    return () => {
      const i = listeners.indexOf(l);
      if (i >= 0) listeners.splice(i, 1);
    };
  },
  EventsOff: (name: string) => {
    for (let i = listeners.length - 1; i >= 0; i--) if (listeners[i]?.name === name) listeners.splice(i, 1);
  },
  EventsOffAll: () => listeners.splice(0),
  EventsEmit: (name: string, ...data: unknown[]) => emit(name, ...data),
  BrowserOpenURL: (url: string) => console.info('mock: would open', url),
  WindowSetTitle: (title: string) => {
    document.title = title;
  },
  LogInfo: (m: string) => console.info(m),
  LogError: (m: string) => console.error(m),
};

/** installMockBackend puts the fake bindings on `window` unless real ones exist. */
export function installMockBackend(): void {
  const w = window as unknown as { go?: unknown; runtime?: unknown };
  if (w.go !== undefined) {
    return;
  }
  w.go = { app: { App } };
  w.runtime = runtime;
  if (scenario === 'syncing') {
    const c = connections[0];
    if (c !== undefined) setTimeout(() => runSync(c), 300);
  }
}
