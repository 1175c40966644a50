import { describe, expect, it } from 'vitest';
import { formatInstant, formatRecordDate, recordDateParts, recordSortKey } from './dates';
import { indentJSON } from './json';
import { friendlyType } from './labels';
import { sanitizeNarrative } from './sanitize';

describe('record dates', () => {
  it('runs in a time zone far from the records’ own', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Asia/Tokyo');
  });

  it.each([
    { name: 'a date-only fact at local midnight keeps its day', input: '2023-03-05T00:00:00-05:00', want: { date: 'Mar 5, 2023', time: '' } },
    { name: 'a late evening time is not moved to the next day', input: '2023-03-05T23:30:00-05:00', want: { date: 'Mar 5, 2023', time: '11:30 PM' } },
    { name: 'a plain date', input: '1984-07-19', want: { date: 'Jul 19, 1984', time: '' } },
    { name: 'a month', input: '2019-04', want: { date: 'Apr 2019', time: '' } },
    { name: 'a sentinel before 1900', input: '1899-12-30', want: { date: 'Date unknown', time: '' } },
    { name: 'text it cannot read', input: 'last spring', want: { date: 'last spring', time: '' } },
    { name: 'nothing', input: '', want: { date: '', time: '' } },
    { name: 'a date the backend wrote out', input: 'Nov 18, 2024, 9:20 AM', want: { date: 'Nov 18, 2024', time: '9:20 AM' } },
    { name: 'a written-out date without time', input: 'Nov 18, 2024', want: { date: 'Nov 18, 2024', time: '' } },
  ])('shows $name as written', ({ input, want }) => {
    expect(recordDateParts(input)).toEqual(want);
  });

  it('joins date and time on one line', () => {
    expect(formatRecordDate('2024-11-18T09:20:00-05:00')).toBe('Nov 18, 2024, 9:20 AM');
  });

  it('orders by the instant, and has no key for unknown dates', () => {
    const east = recordSortKey('2024-01-01T08:00:00+01:00');
    const west = recordSortKey('2024-01-01T08:00:00-05:00');
    expect(east).not.toBeNull();
    expect(west).not.toBeNull();
    expect((west ?? 0) > (east ?? 0)).toBe(true);
    expect(recordSortKey('0001-01-02')).toBeNull();
    expect(recordSortKey('')).toBeNull();
  });

  it('treats Go’s zero time as no time at all', () => {
    expect(formatInstant('0001-01-01T00:00:00Z')).toBe('');
    expect(formatInstant('')).toBe('');
  });

  it('says "today" for an instant later today', () => {
    const now = new Date(2024, 5, 1, 9, 0);
    const later = new Date(2024, 5, 1, 15, 45).toISOString();
    expect(formatInstant(later, now)).toMatch(/^today at 3:45/);
  });
});

describe('indentJSON', () => {
  it('lays JSON out without changing any value', () => {
    const raw = '{"a":1.50,"b":[],"c":{"d":"x, {y}: \\"z\\""},"e":[1,12345678901234567890]}';
    const out = indentJSON(raw);
    expect(out).toBe(
      [
        '{',
        '  "a": 1.50,',
        '  "b": [],',
        '  "c": {',
        '    "d": "x, {y}: \\"z\\""',
        '  },',
        '  "e": [',
        '    1,',
        '    12345678901234567890',
        '  ]',
        '}',
      ].join('\n'),
    );
    expect(out.replace(/\s/g, '')).toBe(raw.replace(/\s/g, ''));
  });
});

describe('friendlyType', () => {
  it.each([
    ['Observation:laboratory', 'Lab results'],
    ['Observation:vital-signs', 'Vital signs'],
    ['Observation:something-new', 'Observations'],
    ['MedicationRequest', 'Medications'],
    ['Encounter', 'Visits'],
    ['Unheard', 'Unheard'],
  ])('names %s as %s', (type, want) => {
    expect(friendlyType(type)).toBe(want);
  });
});

describe('sanitizeNarrative', () => {
  it('keeps readable structure and removes anything active', () => {
    const out = sanitizeNarrative(
      '<table><tr><td onclick="x()">BP</td></tr></table><script>x()</script><iframe src="https://e"></iframe><svg onload="x()"></svg><a href="https://evil" target="_blank">more</a>',
    );
    expect(out).toContain('<td>BP</td>');
    expect(out).not.toMatch(/script|iframe|svg|onclick|onload|href|target/i);
    expect(out).toContain('<a>more</a>');
  });
});
