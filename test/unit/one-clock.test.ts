import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayVietnamDateTime, vietnamDateOf, vietnamInstant, vietnamMinutesOf, vietnamTimeOf } from '../../src/calendar/calendar-date.js';
import { projectDir } from '../helpers/conversation-harness.js';

// The application reads "now" from one injected clock, and converts to Vietnam time in one
// module, so that its outcomes depend on the instant a caller gives it, never on the day
// the code happens to run (the suite also runs under `faketime`).

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const sources = sourceFiles(join(projectDir, 'src')).map((path) => ({ file: relative(projectDir, path), text: readFileSync(path, 'utf8') }));

function offenders(pattern: RegExp, allowed: readonly string[]): string[] {
  return sources.filter(({ file, text }) => !allowed.includes(file) && pattern.test(text)).map(({ file }) => file);
}

describe('one clock', () => {
  it('only the composition root, src/main.ts, reads the machine clock', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(offenders(/Date\.now\(\)|new Date\(\)/, ['src/main.ts'])).toEqual([]);
  });

  it('no query stamps or compares with the database clock', () => {
    // SQL's now() in a template literal, or any other database clock function.
    expect(offenders(/\bnow\(\)\s*(AT TIME ZONE|FROM\b|::)|\bnow\(\)\s*,\s*\w+\s*\)|CURRENT_(DATE|TIMESTAMP)|clock_timestamp|statement_timestamp|transaction_timestamp/i, [])).toEqual([]);
  });

  it('only src/calendar/calendar-date.ts knows the +07:00 offset', () => {
    expect(offenders(/7 \* 3600_?000|7 \* 60 \* 60|25_?200_?000|Asia\/Ho_Chi_Minh'/, ['src/calendar/calendar-date.ts'])).toEqual([]);
  });
});

describe('Vietnam time', () => {
  // 23:30 on 31 December in Vietnam is still 31 December there, and 16:30 UTC.
  const newYearsEve = new Date('2026-12-31T16:30:00Z');

  it('reads the civil date, the time of day and the minutes in Vietnam, across the UTC date line', () => {
    expect(vietnamDateOf(newYearsEve)).toBe('2026-12-31');
    expect(vietnamDateOf(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
    expect(vietnamTimeOf(newYearsEve)).toBe('23:30');
    expect(vietnamMinutesOf(newYearsEve)).toBe(23 * 60 + 30);
    expect(displayVietnamDateTime(newYearsEve)).toBe('31/12/2026 23:30');
  });

  it('turns a Vietnamese wall-clock time back into the same instant', () => {
    expect(vietnamInstant('2026-12-31', '23:30')).toEqual(newYearsEve);
    expect(vietnamInstant('2027-01-01', '00:00').toISOString()).toBe('2026-12-31T17:00:00.000Z');
  });
});
