/**
 * The one module that talks to the Go backend.
 *
 * Components import from here and never from `wailsjs/`, so the generated
 * bindings can be regenerated without touching the UI, and tests can replace
 * this module with `vi.mock('../api/chartkeep')`.
 *
 * Everything the backend sends is treated as untrusted input: each answer is
 * copied field by field into a plain object of the documented shape, with
 * missing or mistyped fields turned into empty values (Go sends `null` for a
 * nil slice or map). Nothing here renders HTML; callers must still render
 * strings as text and sanitize `RecordDetail.narrativeHtml` before display.
 */
import * as Backend from '../../wailsjs/go/app/App';
import { BrowserOpenURL, ClipboardSetText, EventsOn } from '../../wailsjs/runtime/runtime';

/** Settings are the user's healow registration and app options. */
export interface Settings {
  clientId: string;
  publicUrl: string;
  callbackPort: number;
  directoryUrl: string;
  /** Demo is true when the app runs against the built-in demo practice. */
  demo: boolean;
}

/** Practice is one entry of the healow practice directory. */
export interface Practice {
  code: string;
  name: string;
  base: string;
  city: string;
  state: string;
  /** isTest marks a test or training tenant, such as the public sandbox. */
  isTest: boolean;
  /** manual marks a practice the patient added by its address (probePractice). */
  manual: boolean;
}

/** DirectoryInfo says how complete and how fresh the practice list is. */
export interface DirectoryInfo {
  /** practices is 0 before the first download. */
  practices: number;
  /** fetchedAt is an RFC 3339 instant, or "" before the first download. */
  fetchedAt: string;
  /** ageText is written for the patient, e.g. "updated 3 days ago". */
  ageText: string;
  source: string;
  refreshing: boolean;
  /** error says why the last download failed; "" when it did not. */
  error: string;
}

/** LoginStart identifies a login attempt that was opened in the browser. */
export interface LoginStart {
  attemptId: string;
  authUrl: string;
}

/** ConnectionStatus is the state of one practice connection. */
export type ConnectionStatus =
  | 'connected'
  | 'needs_reconnect'
  | 'syncing'
  | 'disconnected'
  | 'error'
  | 'unknown';

/** ConnectionView summarises one connected practice account. */
export interface ConnectionView {
  id: string;
  label: string;
  practiceName: string;
  patientName: string;
  status: ConnectionStatus;
  /** ExpiresAt is when the current access ends, as an RFC 3339 instant or "". */
  expiresAt: string;
  lastSyncAt: string;
  lastSyncStatus: string;
  counts: Record<string, number>;
  /** recordCount is the sum of counts: what removeConnection must be confirmed with. */
  recordCount: number;
  /** attachments is false when the practice did not allow downloading documents' files. */
  attachments: boolean;
  /** notices say in words what the practice's granted access leaves out. */
  notices: string[];
}

/** SetupCheck is one check of the healow setup, with advice when it failed. */
export interface SetupCheck {
  id: string;
  label: string;
  ok: boolean;
  detail: string;
  advice: string;
}

/** SetupReport is every setup check, in order. */
export interface SetupReport {
  ok: boolean;
  checks: SetupCheck[];
  checkedAt: string;
}

/** SetupGuide holds the values the setup guide asks the patient to copy. */
export interface SetupGuide {
  portalUrl: string;
  /** redirectUri is "" until a public URL is saved. */
  redirectUri: string;
  /** callbackPort is the port Chartkeep listens on now. */
  callbackPort: number;
  /** portChanged: the saved port takes effect after a restart. */
  portChanged: boolean;
  scopes: string[];
}

/** PatientView is the patient's demographics as the practice wrote them. */
export interface PatientView {
  name: string;
  birthDate: string;
  gender: string;
  identifier: string;
  address: string;
  phone: string;
}

/** GroupView is one group of records, such as lab results, with its count. */
export interface GroupView {
  /** key names the group for listRecords; it is not always a FHIR type. */
  key: string;
  label: string;
  count: number;
}

/** RecordSummary is one line of a record list. */
export interface RecordSummary {
  type: string;
  id: string;
  date: string;
  title: string;
  subtitle: string;
  status: string;
}

/** RecordField is one labelled value of a record's details. */
export interface RecordField {
  label: string;
  value: string;
}

/** Attachment describes a file attached to a record. */
export interface Attachment {
  index: number;
  contentType: string;
  title: string;
  size: number;
  /** stored is true when the file's bytes are on this computer. */
  stored: boolean;
  /** message says why a file is not stored (not allowed, too large…). */
  message: string;
}

/** SyncRun is one line of a connection's download history. */
export interface SyncRun {
  startedAt: string;
  seconds: number;
  status: string;
  resumed: boolean;
  records: number;
  errors: Record<string, string>;
}

/** RecordDetail is everything shown for one record. */
export interface RecordDetail {
  type: string;
  id: string;
  title: string;
  date: string;
  fields: RecordField[];
  /** NarrativeHTML is untrusted HTML: sanitize it again before display. */
  narrativeHtml: string;
  rawJson: string;
  attachments: Attachment[];
}

/** LoginState is the phase of a login attempt. */
export type LoginState = 'waiting' | 'exchanging' | 'connected' | 'failed';

/** LoginStatus is the payload of the `login:status` event. */
export interface LoginStatus {
  attemptId: string;
  state: LoginState;
  message: string;
  connectionId: string;
}

/** SyncProgress is the payload of the `sync:progress` event for one record type. */
export interface SyncProgress {
  connectionId: string;
  type: string;
  pages: number;
  resources: number;
  errors: number;
  done: boolean;
  message: string;
}

/** Unsubscribe releases an event subscription. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** Event names emitted by the backend. */
export const AppEvents = {
  loginStatus: 'login:status',
  syncProgress: 'sync:progress',
  connectionsChanged: 'connections:changed',
  directoryStatus: 'directory:status',
} as const;

/**
 * AppError is a failure reported by the backend, with a stable `code` the UI
 * can branch on and a `message` written for the patient.
 */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

const fallbackMessage = 'Something went wrong.';

/**
 * toAppError turns whatever a binding rejected with into an AppError.
 *
 * Bound Go methods reject with an Error whose text is the JSON
 * `{"code": "...", "message": "..."}`; anything else keeps its raw text as
 * the message, with the code "unknown".
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) {
    return err;
  }
  if (err instanceof Error) {
    return fromText(err.message);
  }
  if (typeof err === 'string') {
    return fromText(err);
  }
  if (isRecord(err) && typeof err['message'] === 'string') {
    return fromFields(err['code'], err['message']);
  }
  return new AppError('unknown', fallbackMessage);
}

function fromText(text: string): AppError {
  // Wails v2 wraps a non-string error in new Error(value), so an error
  // formatter that returns an object arrives as this text, its code lost.
  if (text === '[object Object]') {
    return new AppError('unknown', fallbackMessage);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed['message'] === 'string') {
      return fromFields(parsed['code'], parsed['message']);
    }
  } catch {
    // Not JSON: the text itself is the best message there is.
  }
  return new AppError('unknown', text.trim() === '' ? fallbackMessage : text);
}

function fromFields(code: unknown, message: string): AppError {
  const c = typeof code === 'string' && code !== '' ? code : 'unknown';
  return new AppError(c, message.trim() === '' ? fallbackMessage : message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') {
    return v;
  }
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function list<T>(v: unknown, item: (raw: Record<string, unknown>) => T): T[] {
  return Array.isArray(v) ? v.filter(isRecord).map(item) : [];
}

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

// Wails sends each field under its Go json tag (camelCase, as in
// wailsjs/go/models.ts); a struct without tags would send the Go field name
// instead ("ClientID"), which the contract uses. Both are read.
function at(r: Record<string, unknown>, name: string): unknown {
  return name in r ? r[name] : r[goName(name)];
}

function goName(name: string): string {
  const upper = name.charAt(0).toUpperCase() + name.slice(1);
  return upper.replace(/Id$/, 'ID').replace(/Url$/, 'URL').replace(/Html$/, 'HTML').replace(/Json$/, 'JSON');
}

const statuses: readonly ConnectionStatus[] = ['connected', 'needs_reconnect', 'syncing', 'disconnected', 'error'];
const loginStates: readonly LoginState[] = ['waiting', 'exchanging', 'connected', 'failed'];

function connectionStatus(v: unknown): ConnectionStatus {
  return statuses.find((s) => s === v) ?? 'unknown';
}

function loginState(v: unknown): LoginState {
  return loginStates.find((s) => s === v) ?? 'failed';
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(rec(v))) {
    out[k] = num(n);
  }
  return out;
}

function settings(r: Record<string, unknown>): Settings {
  return {
    clientId: str(at(r, 'clientId')),
    publicUrl: str(at(r, 'publicUrl')),
    callbackPort: num(at(r, 'callbackPort')),
    directoryUrl: str(at(r, 'directoryUrl')),
    demo: at(r, 'demo') === true,
  };
}

function practice(r: Record<string, unknown>): Practice {
  return {
    code: str(at(r, 'code')),
    name: str(at(r, 'name')),
    base: str(at(r, 'base')),
    city: str(at(r, 'city')),
    state: str(at(r, 'state')),
    isTest: at(r, 'isTest') === true,
    manual: at(r, 'manual') === true,
  };
}

function directoryInfo(r: Record<string, unknown>): DirectoryInfo {
  return {
    practices: num(at(r, 'practices')),
    fetchedAt: str(at(r, 'fetchedAt')),
    ageText: str(at(r, 'ageText')),
    source: str(at(r, 'source')),
    refreshing: at(r, 'refreshing') === true,
    error: str(at(r, 'error')),
  };
}

function loginStart(r: Record<string, unknown>): LoginStart {
  return { attemptId: str(at(r, 'attemptId')), authUrl: str(at(r, 'authUrl')) };
}

function connection(r: Record<string, unknown>): ConnectionView {
  return {
    id: str(at(r, 'id')),
    label: str(at(r, 'label')),
    practiceName: str(at(r, 'practiceName')),
    patientName: str(at(r, 'patientName')),
    status: connectionStatus(at(r, 'status')),
    expiresAt: str(at(r, 'expiresAt')),
    lastSyncAt: str(at(r, 'lastSyncAt')),
    lastSyncStatus: str(at(r, 'lastSyncStatus')),
    counts: counts(at(r, 'counts')),
    recordCount: num(at(r, 'recordCount')),
    attachments: at(r, 'attachments') !== false,
    notices: strings(at(r, 'notices')),
  };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function setupCheck(r: Record<string, unknown>): SetupCheck {
  return {
    id: str(at(r, 'id')),
    label: str(at(r, 'label')),
    ok: at(r, 'ok') === true,
    detail: str(at(r, 'detail')),
    advice: str(at(r, 'advice')),
  };
}

function setupReport(r: Record<string, unknown>): SetupReport {
  const checks = list(at(r, 'checks'), setupCheck);
  return { ok: at(r, 'ok') === true && checks.length > 0, checks, checkedAt: str(at(r, 'checkedAt')) };
}

function setupGuide(r: Record<string, unknown>): SetupGuide {
  return {
    portalUrl: str(at(r, 'portalUrl')),
    redirectUri: str(at(r, 'redirectUri')),
    callbackPort: num(at(r, 'callbackPort')),
    portChanged: at(r, 'portChanged') === true,
    scopes: strings(at(r, 'scopes')),
  };
}

function patient(r: Record<string, unknown>): PatientView {
  return {
    name: str(at(r, 'name')),
    birthDate: str(at(r, 'birthDate')),
    gender: str(at(r, 'gender')),
    identifier: str(at(r, 'identifier')),
    address: str(at(r, 'address')),
    phone: str(at(r, 'phone')),
  };
}

function group(r: Record<string, unknown>): GroupView {
  // The group key names a group, not a FHIR type; the contract called it Type.
  const key = str(at(r, 'key')) || str(at(r, 'type'));
  return { key, label: str(at(r, 'label')), count: num(at(r, 'count')) };
}

function summary(r: Record<string, unknown>): RecordSummary {
  return {
    type: str(at(r, 'type')),
    id: str(at(r, 'id')),
    date: str(at(r, 'date')),
    title: str(at(r, 'title')),
    subtitle: str(at(r, 'subtitle')),
    status: str(at(r, 'status')),
  };
}

function detail(r: Record<string, unknown>): RecordDetail {
  return {
    type: str(at(r, 'type')),
    id: str(at(r, 'id')),
    title: str(at(r, 'title')),
    date: str(at(r, 'date')),
    fields: list(at(r, 'fields'), (f) => ({ label: str(at(f, 'label')), value: str(at(f, 'value')) })),
    narrativeHtml: str(at(r, 'narrativeHtml')),
    rawJson: str(at(r, 'rawJson')),
    attachments: list(at(r, 'attachments'), (a) => ({
      index: num(at(a, 'index')),
      contentType: str(at(a, 'contentType')),
      title: str(at(a, 'title')),
      size: num(at(a, 'size')),
      stored: at(a, 'stored') === true,
      message: str(at(a, 'message')),
    })),
  };
}

function syncRun(r: Record<string, unknown>): SyncRun {
  const errs = rec(at(r, 'errors'));
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(errs)) errors[k] = str(v);
  return {
    startedAt: str(at(r, 'startedAt')),
    seconds: num(at(r, 'seconds')),
    status: str(at(r, 'status')),
    resumed: at(r, 'resumed') === true,
    records: num(at(r, 'records')),
    errors,
  };
}

function loginStatus(r: Record<string, unknown>): LoginStatus {
  return {
    attemptId: str(at(r, 'attemptId')),
    state: loginState(at(r, 'state')),
    message: str(at(r, 'message')),
    connectionId: str(at(r, 'connectionId')),
  };
}

function syncProgress(r: Record<string, unknown>): SyncProgress {
  return {
    connectionId: str(at(r, 'connectionId')),
    type: str(at(r, 'type')),
    pages: num(at(r, 'pages')),
    resources: num(at(r, 'resources')),
    errors: num(at(r, 'errors')),
    done: at(r, 'done') === true,
    message: str(at(r, 'message')),
  };
}

interface WailsWindow {
  go?: { app?: { App?: unknown } };
  runtime?: unknown;
}

function bridge(): WailsWindow {
  return window as unknown as WailsWindow;
}

// A call made before the Wails bridge exists (the page opened in an ordinary
// browser, or the backend not yet injected) would otherwise fail with an
// unreadable TypeError.
async function call<T>(fn: () => Promise<unknown>, shape: (raw: unknown) => T): Promise<T> {
  if (bridge().go?.app?.App === undefined) {
    throw new AppError('backend_unavailable', 'Chartkeep’s background service is not running.');
  }
  try {
    return shape(await fn());
  } catch (err) {
    throw toAppError(err);
  }
}

const nothing = (): void => undefined;

/** getSettings reads the saved settings. */
export function getSettings(): Promise<Settings> {
  return call(() => Backend.GetSettings(), (r) => settings(rec(r)));
}

/** saveSettings stores the settings. */
export function saveSettings(s: Settings): Promise<void> {
  return call(() => Backend.SaveSettings({ ...s }), nothing);
}

/**
 * searchPractices finds practices in the healow directory by name, city or
 * code, best first; test and training tenants only when `includeTest`.
 */
export function searchPractices(query: string, includeTest = false): Promise<Practice[]> {
  return call(() => Backend.SearchPractices(query, includeTest), (r) => list(r, practice));
}

/** directoryStatus says how old the practice list is; it never waits for the network. */
export function directoryStatus(): Promise<DirectoryInfo> {
  return call(() => Backend.DirectoryStatus(), (r) => directoryInfo(rec(r)));
}

/** refreshDirectory downloads the practice list again and waits for it. */
export function refreshDirectory(): Promise<void> {
  return call(() => Backend.RefreshDirectory(), nothing);
}

/**
 * probePractice checks a practice address typed by the patient ("my practice
 * is not listed") and, when it offers healow patient access, returns the
 * practice to connect to. A failure is an AppError whose message says what
 * to ask the practice; its code is invalid_input, network or
 * practice_not_enabled.
 */
export function probePractice(baseUrl: string): Promise<Practice> {
  return call(() => Backend.ProbePractice(baseUrl), (r) => practice(rec(r)));
}

/** connect starts a login to a practice; the backend opens the system browser. */
export function connect(practiceCode: string): Promise<LoginStart> {
  return call(() => Backend.Connect(practiceCode), (r) => loginStart(rec(r)));
}

/** reconnect starts a new login for an existing connection. */
export function reconnect(connectionID: string): Promise<LoginStart> {
  return call(() => Backend.Reconnect(connectionID), (r) => loginStart(rec(r)));
}

/** cancelLogin abandons the login attempt in progress. */
export function cancelLogin(): Promise<void> {
  return call(() => Backend.CancelLogin(), nothing);
}

/**
 * getSyncProgress returns the latest progress of each record type of the
 * download running for a connection, so a screen opened mid-download starts
 * from what it missed; empty when none runs.
 */
export function getSyncProgress(connectionID: string): Promise<SyncProgress[]> {
  return call(() => Backend.GetSyncProgress(connectionID), (r) => list(r, syncProgress));
}

/** getAttachmentText returns a stored text attachment, to show as plain text. */
export function getAttachmentText(connectionID: string, type: string, id: string, index: number): Promise<string> {
  return call(() => Backend.GetAttachmentText(connectionID, type, id, index), (r) => str(r));
}

/** saveAttachment asks where to save a stored attachment; "" when cancelled. */
export function saveAttachment(connectionID: string, type: string, id: string, index: number): Promise<string> {
  return call(() => Backend.SaveAttachment(connectionID, type, id, index), (r) => str(r));
}

/** listSyncRuns returns a connection's latest downloads, newest first. */
export function listSyncRuns(connectionID: string): Promise<SyncRun[]> {
  return call(() => Backend.ListSyncRuns(connectionID), (r) => list(r, syncRun));
}

/** listConnections lists every connected practice account. */
export function listConnections(): Promise<ConnectionView[]> {
  return call(() => Backend.ListConnections(), (r) => list(r, connection));
}

/** renameConnection sets the name shown instead of the patient's; "" clears it. */
export function renameConnection(connectionID: string, label: string): Promise<void> {
  return call(() => Backend.RenameConnection(connectionID, label), nothing);
}

/** disconnectConnection deletes the connection's keychain entries; its records stay. */
export function disconnectConnection(connectionID: string): Promise<void> {
  return call(() => Backend.DisconnectConnection(connectionID), nothing);
}

/**
 * removeConnection deletes a connection and its records. `confirmCount` is
 * the recordCount the patient agreed to delete; when it is no longer
 * current the backend deletes nothing and rejects with code
 * "stale_confirmation".
 */
export function removeConnection(connectionID: string, confirmCount: number): Promise<void> {
  return call(() => Backend.RemoveConnection(connectionID, confirmCount), nothing);
}

/** checkSetup runs every setup check, including a ping through the tunnel. */
export function checkSetup(): Promise<SetupReport> {
  return call(() => Backend.CheckSetup(), (r) => setupReport(rec(r)));
}

/** getSetupGuide returns the values of the setup guide for the saved settings. */
export function getSetupGuide(): Promise<SetupGuide> {
  return call(() => Backend.GetSetupGuide(), (r) => setupGuide(rec(r)));
}

/** syncNow starts downloading every record of a connection. */
export function syncNow(connectionID: string): Promise<void> {
  return call(() => Backend.SyncNow(connectionID), nothing);
}

/** cancelSync stops a download in progress. */
export function cancelSync(connectionID: string): Promise<void> {
  return call(() => Backend.CancelSync(connectionID), nothing);
}

/** getPatient reads the patient's demographics for a connection. */
export function getPatient(connectionID: string): Promise<PatientView> {
  return call(() => Backend.GetPatient(connectionID), (r) => patient(rec(r)));
}

/** listGroups lists the kinds of record downloaded, in the backend's order. */
export function listGroups(connectionID: string): Promise<GroupView[]> {
  return call(() => Backend.ListGroups(connectionID), (r) => list(r, group));
}

/** listRecords lists the records of one group, by its GroupView key. */
export function listRecords(connectionID: string, group: string): Promise<RecordSummary[]> {
  return call(() => Backend.ListRecords(connectionID, group), (r) => list(r, summary));
}

/** getRecord reads one record in full, by the FHIR type and id of its summary. */
export function getRecord(connectionID: string, type: string, id: string): Promise<RecordDetail> {
  return call(() => Backend.GetRecord(connectionID, type, id), (r) => detail(rec(r)));
}

// Outside Wails there is no runtime to subscribe to; the page still renders.
function subscribe(name: string, handler: (payload: unknown) => void): Unsubscribe {
  if (bridge().runtime === undefined) {
    return nothing;
  }
  let active = true;
  const off = EventsOn(name, (payload: unknown) => {
    if (active) {
      handler(payload);
    }
  });
  return () => {
    if (active) {
      active = false;
      off();
    }
  };
}

/** onLoginStatus calls `handler` for every `login:status` event. */
export function onLoginStatus(handler: (s: LoginStatus) => void): Unsubscribe {
  return subscribe(AppEvents.loginStatus, (p) => handler(loginStatus(rec(p))));
}

/** onSyncProgress calls `handler` for `sync:progress` events of one connection. */
export function onSyncProgress(connectionID: string, handler: (p: SyncProgress) => void): Unsubscribe {
  return subscribe(AppEvents.syncProgress, (p) => {
    const progress = syncProgress(rec(p));
    if (progress.connectionId === connectionID) {
      handler(progress);
    }
  });
}

/** onDirectoryStatus calls `handler` when a practice list download starts or ends. */
export function onDirectoryStatus(handler: (info: DirectoryInfo) => void): Unsubscribe {
  return subscribe(AppEvents.directoryStatus, (p) => handler(directoryInfo(rec(p))));
}

/** onConnectionsChanged calls `handler` whenever the list of connections changes. */
export function onConnectionsChanged(handler: () => void): Unsubscribe {
  return subscribe(AppEvents.connectionsChanged, () => handler());
}

/** copyText puts text on the clipboard and reports whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (bridge().runtime !== undefined) {
      return await ClipboardSetText(text);
    }
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * openInBrowser opens an http(s) address in the system browser. Other
 * schemes are refused, since the address may come from a remote answer.
 */
export function openInBrowser(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return false;
  }
  if (bridge().runtime === undefined) {
    return false;
  }
  BrowserOpenURL(parsed.href);
  return true;
}
