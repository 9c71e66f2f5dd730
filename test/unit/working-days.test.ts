import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addDays, type CalendarDate, vietnamDateOf } from '../../src/calendar/calendar-date.js';
import { loadWorkingCalendar, WorkingCalendarError } from '../../src/calendar/working-calendar.js';
import { addWorkingDays, deliveryDeadline, earliestMeetingDate, isWorkingDay, previousWorkingDay, workingDaysBetween } from '../../src/calendar/working-days.js';

const file = fileURLToPath(new URL('../../rules/calendar.yaml', import.meta.url));
const calendar = loadWorkingCalendar(file);
const lead = { leadWorkingDays: 1, officeOpens: '07:30' };

function daysFrom(from: CalendarDate, to: CalendarDate): CalendarDate[] {
  const days: CalendarDate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

function workingDaysIn(from: CalendarDate, to: CalendarDate): CalendarDate[] {
  return daysFrom(from, to).filter((day) => isWorkingDay(calendar, day));
}

// The schedules published for state employees, as ocop-domain.md lists them.
const publishedDaysOff: [number, CalendarDate[]][] = [
  [2024, ['2024-01-01', ...daysFrom('2024-02-08', '2024-02-14'), '2024-04-18', ...daysFrom('2024-04-27', '2024-05-01'), ...daysFrom('2024-08-31', '2024-09-03')]],
  [2025, ['2025-01-01', ...daysFrom('2025-01-25', '2025-02-02'), '2025-04-07', ...daysFrom('2025-04-30', '2025-05-04'), ...daysFrom('2025-08-30', '2025-09-02')]],
  [
    2026,
    [...daysFrom('2026-01-01', '2026-01-04'), ...daysFrom('2026-02-14', '2026-02-22'), '2026-04-26', '2026-04-27', ...daysFrom('2026-04-30', '2026-05-03'), ...daysFrom('2026-08-29', '2026-09-02'), '2026-11-24'],
  ],
];

describe('the published schedules', () => {
  it.each(publishedDaysOff)('%i: every listed day off is a day off', (_year, days) => {
    expect(days.filter((day) => isWorkingDay(calendar, day))).toEqual([]);
  });

  it('makes the swapped Saturdays working days (làm bù) and keeps the daysOfWeek around them', () => {
    expect(workingDaysIn('2024-05-02', '2024-05-07')).toEqual(['2024-05-02', '2024-05-03', '2024-05-04', '2024-05-06', '2024-05-07']);
    expect(workingDaysIn('2025-04-24', '2025-04-29')).toEqual(['2025-04-24', '2025-04-25', '2025-04-26', '2025-04-28', '2025-04-29']);
    expect(workingDaysIn('2025-05-01', '2025-05-06')).toEqual(['2025-05-05', '2025-05-06']);
    expect(workingDaysIn('2025-12-31', '2026-01-13')).toEqual(['2025-12-31', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10', '2026-01-12', '2026-01-13']);
  });

  it('follows a schedule exactly, without the default compensatory days', () => {
    // Defaults would give Tết 2024 (Sat 10/2) compensatory days up to Thu 15/2; the schedule ends on 14/2.
    expect(workingDaysIn('2024-02-05', '2024-02-16')).toEqual(['2024-02-05', '2024-02-06', '2024-02-07', '2024-02-15', '2024-02-16']);
    expect(workingDaysIn('2026-02-09', '2026-02-27')).toEqual(['2026-02-09', '2026-02-10', '2026-02-11', '2026-02-12', '2026-02-13', '2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27']);
    expect(workingDaysIn('2026-04-24', '2026-05-05')).toEqual(['2026-04-24', '2026-04-28', '2026-04-29', '2026-05-04', '2026-05-05']);
  });

  it('2026 National Day as adopted (Thông báo 9441/TB-BNV): 29/8–2/9 off, Saturday 22/8 worked for Monday 31/8', () => {
    expect(isWorkingDay(calendar, '2026-08-22')).toBe(true);
    expect(workingDaysIn('2026-08-27', '2026-09-04')).toEqual(['2026-08-27', '2026-08-28', '2026-09-03', '2026-09-04']);
  });
});

describe('years without a published schedule', () => {
  it('2027: Tết on a Saturday gives two compensatory days; 1/5 on a Saturday gives Monday; 2/9 on a Thursday joins Friday', () => {
    expect(workingDaysIn('2027-02-03', '2027-02-15')).toEqual(['2027-02-03', '2027-02-04', '2027-02-12', '2027-02-15']);
    expect(isWorkingDay(calendar, '2027-01-01')).toBe(false);
    expect(workingDaysIn('2027-04-14', '2027-04-19')).toEqual(['2027-04-14', '2027-04-15', '2027-04-19']); // Hùng Kings 16/4
    expect(workingDaysIn('2027-04-29', '2027-05-05')).toEqual(['2027-04-29', '2027-05-04', '2027-05-05']);
    expect(workingDaysIn('2027-08-31', '2027-09-07')).toEqual(['2027-08-31', '2027-09-01', '2027-09-06', '2027-09-07']);
  });

  it('2028: holidays on Saturday and Sunday give the next working days, after the holidays that follow them', () => {
    expect(workingDaysIn('2027-12-31', '2028-01-04')).toEqual(['2027-12-31', '2028-01-04']);
    // Tết block Tue 25/1 – Sat 29/1; Saturday's compensatory day is Monday 31/1.
    expect(workingDaysIn('2028-01-24', '2028-02-02')).toEqual(['2028-01-24', '2028-02-01', '2028-02-02']);
    // 30/4 is a Sunday and 1/5 a Monday: Tuesday 2/5 is the compensatory day.
    expect(workingDaysIn('2028-04-28', '2028-05-04')).toEqual(['2028-04-28', '2028-05-03', '2028-05-04']);
    // 2/9 is a Saturday: Friday 1/9 is the adjacent day, Monday 4/9 the compensatory one.
    expect(workingDaysIn('2028-08-30', '2028-09-06')).toEqual(['2028-08-30', '2028-08-31', '2028-09-05', '2028-09-06']);
  });

  it('2030: Tết (2/2, a Saturday) and 2/9 on a Monday with 3/9', () => {
    expect(workingDaysIn('2030-01-30', '2030-02-11')).toEqual(['2030-01-30', '2030-01-31', '2030-02-08', '2030-02-11']);
    expect(workingDaysIn('2030-08-29', '2030-09-05')).toEqual(['2030-08-29', '2030-08-30', '2030-09-04', '2030-09-05']);
  });

  it('counts Culture Day (24/11) as a holiday from 2026 (Nghị quyết 28/2026/QH16), with a compensatory day on a weekend', () => {
    expect(isWorkingDay(calendar, '2025-11-24')).toBe(true);
    expect(isWorkingDay(calendar, '2026-11-24')).toBe(false);
    expect(isWorkingDay(calendar, '2027-11-24')).toBe(false);
    // Saturday 24/11/2029 → Monday 26/11; Sunday 24/11/2030 → Monday 25/11.
    expect(workingDaysIn('2029-11-23', '2029-11-28')).toEqual(['2029-11-23', '2029-11-27', '2029-11-28']);
    expect(workingDaysIn('2030-11-22', '2030-11-27')).toEqual(['2030-11-22', '2030-11-26', '2030-11-27']);
  });

  it('gives a meeting on Wednesday 25/11/2026 its delivery deadline on Monday 23/11, before Culture Day', () => {
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: '2026-11-25' }).date).toBe('2026-11-23');
  });

  it('answers only for the years it covers', () => {
    expect(() => isWorkingDay(calendar, '2020-06-01')).toThrow(/2021–2100/);
    expect(() => isWorkingDay(calendar, '2101-01-03')).toThrow(RangeError);
  });
});

describe('counting working days', () => {
  it('never counts the day it starts from, in either direction', () => {
    expect(addWorkingDays(calendar, '2026-07-10', 1)).toBe('2026-07-13'); // Friday → Monday
    expect(addWorkingDays(calendar, '2026-07-12', 1)).toBe('2026-07-13'); // Sunday → Monday
    expect(addWorkingDays(calendar, '2026-07-13', -1)).toBe('2026-07-10');
    expect(addWorkingDays(calendar, '2026-02-13', 1)).toBe('2026-02-23');
    expect(addWorkingDays(calendar, '2026-02-23', -2)).toBe('2026-02-12');
    expect(addWorkingDays(calendar, '2026-01-09', 1)).toBe('2026-01-10');
  });

  it('adds 0 without moving, even from a day off', () => {
    expect(addWorkingDays(calendar, '2026-07-12', 0)).toBe('2026-07-12');
    expect(addWorkingDays(calendar, '2026-07-13', 0)).toBe('2026-07-13');
  });

  it('counts the working days in (from, to], the inverse of adding them', () => {
    expect(workingDaysBetween(calendar, '2026-02-13', '2026-02-23')).toBe(1);
    expect(workingDaysBetween(calendar, '2026-02-23', '2026-02-13')).toBe(-1);
    expect(workingDaysBetween(calendar, '2026-02-13', '2026-02-13')).toBe(0);
    expect(workingDaysBetween(calendar, '2026-07-06', '2026-07-12')).toBe(4);
    for (const n of [-7, -1, 1, 3, 12]) expect(workingDaysBetween(calendar, '2026-02-12', addWorkingDays(calendar, '2026-02-12', n))).toBe(n);
  });

  it('finds the previous working day across weekends, Tết and a working Saturday', () => {
    expect(previousWorkingDay(calendar, '2026-07-13')).toBe('2026-07-10');
    expect(previousWorkingDay(calendar, '2026-02-23')).toBe('2026-02-13');
    expect(previousWorkingDay(calendar, '2026-01-12')).toBe('2026-01-10');
    expect(previousWorkingDay(calendar, '2026-01-05')).toBe('2025-12-31');
  });
});

describe('the lead-time rule', () => {
  it('puts the deadline before office hours on the Nth working day before the meeting', () => {
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: '2026-07-08' })).toEqual({ date: '2026-07-07', officeOpens: '07:30', instant: new Date('2026-07-07T00:30:00Z') });
    // The Monday after Tết 2026: the last working day before it is Friday 13/2.
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: '2026-02-23' })).toEqual({ date: '2026-02-13', officeOpens: '07:30', instant: new Date('2026-02-13T00:30:00Z') });
    // Right after the working Saturday 10/1/2026, and right after the New Year block.
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: '2026-01-12' }).date).toBe('2026-01-10');
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: '2026-01-05' }).date).toBe('2025-12-31');
  });

  it('depends on the meeting date only, not its hour', () => {
    const at0800 = vietnamDateOf(new Date('2026-07-08T01:00:00Z'));
    const at1400 = vietnamDateOf(new Date('2026-07-08T07:00:00Z'));
    expect(at0800).toBe('2026-07-08');
    expect(deliveryDeadline(calendar, { ...lead, meetingDate: at0800 })).toEqual(deliveryDeadline(calendar, { ...lead, meetingDate: at1400 }));
  });

  it('follows a province that asks for two working days, and its own office hours', () => {
    const twoDays = { leadWorkingDays: 2, officeOpens: '07:30' };
    expect(deliveryDeadline(calendar, { ...twoDays, meetingDate: '2026-07-08' }).instant).toEqual(new Date('2026-07-06T00:30:00Z'));
    expect(deliveryDeadline(calendar, { ...twoDays, meetingDate: '2026-02-23' }).date).toBe('2026-02-12');
    expect(deliveryDeadline(calendar, { leadWorkingDays: 1, officeOpens: '08:00', meetingDate: '2026-07-08' }).instant).toEqual(new Date('2026-07-07T01:00:00Z'));
  });

  it('refuses a lead time below one working day and a malformed office hour', () => {
    expect(() => deliveryDeadline(calendar, { leadWorkingDays: 0, officeOpens: '07:30', meetingDate: '2026-07-08' })).toThrow(RangeError);
    expect(() => deliveryDeadline(calendar, { leadWorkingDays: 1.5, officeOpens: '07:30', meetingDate: '2026-07-08' })).toThrow(RangeError);
    expect(() => earliestMeetingDate(calendar, { leadWorkingDays: 1, officeOpens: '7h30', now: new Date('2026-07-11T03:00:00Z') })).toThrow(/HH:MM/);
  });

  it('names the earliest lawful meeting day when distributing now', () => {
    const earliest = (now: string, leadWorkingDays = 1) => earliestMeetingDate(calendar, { leadWorkingDays, officeOpens: '07:30', now: new Date(now) });
    // Before 07:30 the day is still whole; at 07:30 it is not.
    expect(earliest('2026-07-07T00:29:59Z')).toBe('2026-07-08');
    expect(earliest('2026-07-07T00:30:00Z')).toBe('2026-07-09');
    // Around a weekend.
    expect(earliest('2026-07-10T00:00:00Z')).toBe('2026-07-13'); // Friday 07:00
    expect(earliest('2026-07-10T02:00:00Z')).toBe('2026-07-14'); // Friday 09:00
    expect(earliest('2026-07-11T03:00:00Z')).toBe('2026-07-14'); // Saturday
    expect(earliest('2026-07-12T20:00:00Z')).toBe('2026-07-14'); // Monday 03:00
    // Around Tết 2026.
    expect(earliest('2026-02-12T08:00:00Z')).toBe('2026-02-23'); // Thursday 15:00
    expect(earliest('2026-02-13T03:00:00Z')).toBe('2026-02-24'); // Friday 10:00
    expect(earliest('2026-02-17T03:00:00Z')).toBe('2026-02-24'); // Tết
    expect(earliest('2026-02-12T23:00:00Z', 2)).toBe('2026-02-24'); // Friday 06:00, two days
  });

  it('agrees with the deadline: the earliest day is lawful and the working day before it is not', () => {
    for (let at = Date.parse('2026-01-01T00:00:00Z'); at < Date.parse('2026-03-10T00:00:00Z'); at += 5 * 3600_000) {
      const now = new Date(at);
      for (const leadWorkingDays of [1, 2]) {
        const meeting = earliestMeetingDate(calendar, { leadWorkingDays, officeOpens: '07:30', now });
        expect(isWorkingDay(calendar, meeting)).toBe(true);
        expect(deliveryDeadline(calendar, { leadWorkingDays, officeOpens: '07:30', meetingDate: meeting }).instant.getTime()).toBeGreaterThan(at);
        expect(deliveryDeadline(calendar, { leadWorkingDays, officeOpens: '07:30', meetingDate: previousWorkingDay(calendar, meeting) }).instant.getTime()).toBeLessThanOrEqual(at);
      }
    }
  });
});

describe('loading rules/calendar.yaml', () => {
  async function writeBroken(edit: (text: string) => string): Promise<string> {
    const broken = join(await mkdtemp(join(tmpdir(), 'calendar-')), 'calendar.yaml');
    await writeFile(broken, edit(await readFile(file, 'utf8')));
    return broken;
  }

  it('refuses a date that does not exist, naming the file and the entry', async () => {
    const broken = await writeBroken((text) => text.replace('Giỗ Tổ Hùng Vương: 2024-04-18', 'Giỗ Tổ Hùng Vương: 2024-04-31'));
    expect(() => loadWorkingCalendar(broken)).toThrow(WorkingCalendarError);
    expect(() => loadWorkingCalendar(broken)).toThrow(`${broken}:\n- schedules.2024.daysOff.Giỗ Tổ Hùng Vương.from: not a date (yyyy-mm-dd)`);
  });

  it('refuses a swapped Saturday that is not a Saturday, overlapping entries and years out of range', async () => {
    const broken = await writeBroken((text) =>
      text
        .replace('workingSaturdays: [2025-04-26]', 'workingSaturdays: [2025-04-27]')
        .replace('Giỗ Tổ Hùng Vương: 2024-04-18', 'Giỗ Tổ Hùng Vương: 2024-04-30')
        .replace('Tết Dương lịch: 2025-01-01', 'Tết Dương lịch: 2024-12-31')
        .replace('schedules:\n', 'schedules:\n  2150:\n    daysOff:\n      Tết Dương lịch: 2150-01-01\n'),
    );
    const message = (() => {
      try {
        loadWorkingCalendar(broken);
        return '';
      } catch (error) {
        return error instanceof WorkingCalendarError ? error.message : String(error);
      }
    })();
    expect(message.startsWith(`${broken}:\n`)).toBe(true);
    expect(message).toContain('schedules.2150: the calendar covers 2021–2100 only');
    expect(message).toContain('schedules.2024.daysOff.Giải phóng miền Nam và Quốc tế Lao động: overlaps "Giỗ Tổ Hùng Vương" on 2024-04-30');
    expect(message).toContain('schedules.2025.daysOff.Tết Dương lịch: 2024-12-31 is not in 2025');
    expect(message).toContain('schedules.2025.workingSaturdays: 2025-04-27 is a sunday, not a saturday');
  });

  it('refuses a block with a mistyped month and a schedule listed twice', async () => {
    const longBlock = await writeBroken((text) => text.replace('{ from: 2025-01-25, to: 2025-02-02 }', '{ from: 2025-01-25, to: 2025-12-02 }'));
    expect(() => loadWorkingCalendar(longBlock)).toThrow('schedules.2025.daysOff.Tết Nguyên đán: 2025-01-25 to 2025-12-02 is longer than 14 days');
    const twice = await writeBroken((text) => `${text}  2024:\n    daysOff: {}\n`);
    expect(() => loadWorkingCalendar(twice)).toThrow(`${twice}: Map keys must be unique`);
  });
});
