/**
 * Date display for FHIR values.
 *
 * FHIR dates carry the practice's own offset, and date-only facts arrive as
 * local midnight (HEALOW.md §3), so a record date is shown as written: its
 * parts are formatted without any conversion into the viewer's time zone.
 * Dates before 1900 are sentinels for "unknown" in real data.
 */

const fhirDate =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

interface DateParts {
  year: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  offsetMinutes?: number;
}

function parseParts(value: string): DateParts | null {
  const m = fhirDate.exec(value.trim());
  if (m === null) {
    return null;
  }
  const [, y, mo, d, h, mi, , zone] = m;
  const parts: DateParts = { year: Number(y) };
  if (mo !== undefined) parts.month = Number(mo);
  if (d !== undefined) parts.day = Number(d);
  if (h !== undefined && mi !== undefined) {
    parts.hour = Number(h);
    parts.minute = Number(mi);
  }
  if (zone !== undefined) parts.offsetMinutes = zoneMinutes(zone);
  return parts;
}

function zoneMinutes(zone: string): number {
  if (zone === 'Z') {
    return 0;
  }
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h, m] = zone.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}

const unknownDate = 'Date unknown';

/** isUnknownDate reports a sentinel date such as 1899-12-30 or 0001-01-02. */
function isSentinel(parts: DateParts): boolean {
  return parts.year < 1900;
}

/** RecordDateParts is a record date split for display on two lines. */
export interface RecordDateParts {
  date: string;
  /** time is "" for a date without a time, or one at midnight. */
  time: string;
}

/**
 * recordDateParts shows a FHIR date or dateTime as written, for example
 * {date: "Mar 5, 2023", time: "2:30 PM"}. Text it cannot read is returned
 * unchanged as the date; an empty value gives empty parts.
 */
export function recordDateParts(value: string): RecordDateParts {
  if (value.trim() === '') {
    return { date: '', time: '' };
  }
  const parts = parseParts(value);
  if (parts === null) {
    return splitWritten(value);
  }
  if (isSentinel(parts)) {
    return { date: unknownDate, time: '' };
  }
  const utc = new Date(
    Date.UTC(parts.year, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0),
  );
  const options: Intl.DateTimeFormatOptions = { timeZone: 'UTC', year: 'numeric' };
  if (parts.month !== undefined) options.month = 'short';
  if (parts.day !== undefined) options.day = 'numeric';
  const date = new Intl.DateTimeFormat(undefined, options).format(utc);
  const atMidnight = (parts.hour ?? 0) === 0 && (parts.minute ?? 0) === 0;
  if (parts.hour === undefined || atMidnight) {
    return { date, time: '' };
  }
  const time = new Intl.DateTimeFormat(undefined, {
    timeZone: 'UTC',
    hour: 'numeric',
    minute: '2-digit',
  }).format(utc);
  return { date, time };
}

// The backend may already have written the date out ("Nov 18, 2024, 9:20 AM");
// its time is split off so lists can show it on a line of its own.
function splitWritten(value: string): RecordDateParts {
  const m = /^(.*\d{4}),\s+(\d{1,2}:\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?)$/.exec(value.trim());
  return m?.[1] !== undefined && m[2] !== undefined ? { date: m[1], time: m[2] } : { date: value, time: '' };
}

/** formatRecordDate is recordDateParts on one line: "Mar 5, 2023, 2:30 PM". */
export function formatRecordDate(value: string): string {
  const { date, time } = recordDateParts(value);
  return time === '' ? date : `${date}, ${time}`;
}

/**
 * recordSortKey gives the instant a FHIR date stands for, in milliseconds,
 * for ordering only; null for empty, unreadable or sentinel dates.
 */
export function recordSortKey(value: string): number | null {
  const parts = parseParts(value);
  if (parts === null || isSentinel(parts)) {
    return null;
  }
  const local = Date.UTC(
    parts.year,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
  );
  return local - (parts.offsetMinutes ?? 0) * 60_000;
}

/**
 * formatInstant shows an RFC 3339 instant from the app itself (an expiry,
 * the last download) in the viewer's own time zone. Go's zero time and
 * unreadable text give "".
 */
export function formatInstant(value: string, now: Date = new Date()): string {
  const ms = Date.parse(value);
  if (value.trim() === '' || Number.isNaN(ms) || new Date(ms).getUTCFullYear() < 1900) {
    return '';
  }
  const when = new Date(ms);
  const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(when);
  if (when.toDateString() === now.toDateString()) {
    return `today at ${time}`;
  }
  const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(when);
  return `${day} at ${time}`;
}

/** isPast reports whether an RFC 3339 instant lies before `now`. */
export function isPast(value: string, now: Date = new Date()): boolean {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && ms < now.getTime();
}
