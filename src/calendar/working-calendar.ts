import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { addDays, type CalendarDate, type DayOfWeek, dayOfWeek, daysInMonth, daysOfWeek, epochDayOf, isCalendarDate, makeCalendarDate, yearOf } from './calendar-date.js';
import { lunarNewYear, lunarToGregorian, lunarYears } from './lunar-calendar.js';

// Which days state offices work is data in rules/calendar.yaml: the weekend, the holidays of
// the Labor Code and each year's published schedule, so an official extends it every year
// without a code change. Days off are worked out once, at load, for every year covered.

/** 2021: the Labor Code 2019, whose holidays the default rules describe, came into force. */
const firstYear = 2021;
/** As far as the lunar calendar, which places Tết and Hùng Kings' day, is computed. */
const lastYear = lunarYears.last;
/** The longest block of days off a schedule may list, to catch a mistyped month. */
const longestBlockDays = 14;

const calendarDate = z.custom<CalendarDate>((value) => typeof value === 'string' && isCalendarDate(value), { message: 'not a date (yyyy-mm-dd)' });
const name = z.string().min(1);
const fromYear = z.number().int().optional();
// One date, or { from, to } with both days included.
const dayOff = z.preprocess(
  (value) => (typeof value === 'string' ? { from: value } : value),
  z.strictObject({ from: calendarDate, to: calendarDate.optional() }).transform(({ from, to }) => ({ from, to: to ?? from })),
);

const fileSchema = z.strictObject({
  // At most six days: a compensatory day must be able to fall on a working weekday.
  weekend: z.array(z.enum(daysOfWeek)).min(1).max(6),
  holidays: z.strictObject({
    fixed: z.record(name, z.strictObject({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31), adjacentDay: z.boolean().default(false), fromYear })),
    lunar: z.record(name, z.strictObject({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(29, 'day 30 is missing from some lunar months'), fromYear })),
    tet: z.strictObject({ lastDaysOfOldYear: z.number().int().min(0).max(3), firstDaysOfNewYear: z.number().int().min(1).max(9) }),
  }),
  schedules: z.record(
    z.string().regex(/^\d{4}$/, 'a schedule is named by its year'),
    z.strictObject({
      daysOff: z.record(name, dayOff),
      workingSaturdays: z.array(calendarDate).default([]),
    }),
  ),
});

type CalendarFile = z.infer<typeof fileSchema>;

export interface WorkingCalendar {
  /** the first and last years it answers for */
  firstYear: number;
  lastYear: number;
  weekend: ReadonlySet<DayOfWeek>;
  /** holidays, holiday blocks and compensatory days (weekend days only where a schedule lists them) */
  daysOff: ReadonlySet<CalendarDate>;
  /** weekend days worked in exchange for a day off (làm bù) */
  workingWeekendDays: ReadonlySet<CalendarDate>;
}

export class WorkingCalendarError extends Error {
  override name = 'WorkingCalendarError';
}

/** Reads and checks rules/calendar.yaml; any problem stops the load, naming the file and the entry. */
export function loadWorkingCalendar(file: string): WorkingCalendar {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WorkingCalendarError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new WorkingCalendarError(`${file}:\n- ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n- ')}`);
  const data = parsed.data;
  const problems = [...checkDefaults(data), ...checkSchedules(data)];
  if (problems.length > 0) throw new WorkingCalendarError(`${file}:\n- ${problems.join('\n- ')}`);

  const weekend = new Set(data.weekend);
  const daysOff = new Set<CalendarDate>();
  const workingWeekendDays = new Set<CalendarDate>();
  for (let year = firstYear; year <= lastYear; year += 1) {
    const schedule = data.schedules[String(year)];
    if (schedule) {
      for (const entry of Object.values(schedule.daysOff)) for (const day of daysOfEntry(entry)) daysOff.add(day);
      for (const day of schedule.workingSaturdays) workingWeekendDays.add(day);
    } else {
      for (const day of defaultDaysOff(data.holidays, weekend, year)) daysOff.add(day);
    }
  }
  return { firstYear, lastYear, weekend, daysOff, workingWeekendDays };
}

function checkDefaults(data: CalendarFile): string[] {
  const problems: string[] = [];
  if (new Set(data.weekend).size !== data.weekend.length) problems.push('weekend: a day is listed twice');
  const fixedDays = new Map<string, string>();
  for (const [holiday, rule] of Object.entries(data.holidays.fixed)) {
    // Checked against a common year (2023): a holiday must exist every year, so 29/2 is refused.
    if (rule.day > daysInMonth(2023, rule.month)) problems.push(`holidays.fixed.${holiday}: ${rule.month}/${rule.day} is not a day of every year`);
    const key = `${rule.month}/${rule.day}`;
    const other = fixedDays.get(key);
    if (other !== undefined) problems.push(`holidays.fixed.${holiday}: overlaps "${other}" on ${rule.day}/${rule.month}`);
    fixedDays.set(key, holiday);
    problems.push(...checkFromYear(`holidays.fixed.${holiday}`, rule.fromYear));
  }
  const lunarDays = new Map<string, string>();
  for (const [holiday, rule] of Object.entries(data.holidays.lunar)) {
    const key = `${rule.month}/${rule.day}`;
    const other = lunarDays.get(key);
    if (other !== undefined) problems.push(`holidays.lunar.${holiday}: overlaps "${other}" on ${rule.day}/${rule.month} lunar`);
    lunarDays.set(key, holiday);
    if (rule.month === 1 && rule.day <= data.holidays.tet.firstDaysOfNewYear) problems.push(`holidays.lunar.${holiday}: ${rule.day}/1 lunar is already in the Tết block`);
    problems.push(...checkFromYear(`holidays.lunar.${holiday}`, rule.fromYear));
  }
  return problems;
}

function checkFromYear(where: string, year: number | undefined): string[] {
  return year !== undefined && (year < firstYear || year > lastYear) ? [`${where}: fromYear ${year} is outside ${firstYear}–${lastYear}`] : [];
}

function checkSchedules(data: CalendarFile): string[] {
  const problems: string[] = [];
  for (const [yearText, schedule] of Object.entries(data.schedules)) {
    const year = Number(yearText);
    const where = `schedules.${yearText}`;
    if (year < firstYear || year > lastYear) problems.push(`${where}: the calendar covers ${firstYear}–${lastYear} only`);
    const listedBy = new Map<CalendarDate, string>();
    for (const [entry, value] of Object.entries(schedule.daysOff)) {
      const { from, to } = value;
      if (yearOf(from) !== year || yearOf(to) !== year) problems.push(`${where}.daysOff.${entry}: ${from === to ? from : `${from} to ${to}`} is not in ${year}`);
      if (to < from) problems.push(`${where}.daysOff.${entry}: ends (${to}) before it begins (${from})`);
      if (epochDayOf(to) - epochDayOf(from) >= longestBlockDays) problems.push(`${where}.daysOff.${entry}: ${from} to ${to} is longer than ${longestBlockDays} days`);
      for (const day of daysOfEntry(value)) {
        const other = listedBy.get(day);
        if (other !== undefined) problems.push(`${where}.daysOff.${entry}: overlaps "${other}" on ${day}`);
        listedBy.set(day, entry);
      }
    }
    const seen = new Set<CalendarDate>();
    for (const day of schedule.workingSaturdays) {
      const problem =
        dayOfWeek(day) !== 'saturday' ? `${day} is a ${dayOfWeek(day)}, not a saturday`
        : yearOf(day) !== year ? `${day} is not in ${year}`
        : seen.has(day) ? `${day} is listed twice`
        : listedBy.has(day) ? `${day} is also a day off ("${listedBy.get(day)}")`
        : undefined;
      if (problem !== undefined) problems.push(`${where}.workingSaturdays: ${problem}`);
      seen.add(day);
    }
  }
  return problems;
}

function daysOfEntry({ from, to }: { from: CalendarDate; to: CalendarDate }): CalendarDate[] {
  const days: CalendarDate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The days off of a year without a published schedule: every holiday and Tết block day, and for
 * each one that falls on a weekend day (or on another holiday) a compensatory day off on the next
 * working day (Labor Code 2019, art. 111–112).
 */
function defaultDaysOff(holidays: CalendarFile['holidays'], weekend: ReadonlySet<DayOfWeek>, year: number): Set<CalendarDate> {
  const isWeekend = (day: CalendarDate) => weekend.has(dayOfWeek(day));
  const inForce = (rule: { fromYear?: number | undefined }) => rule.fromYear === undefined || rule.fromYear <= year;
  const holidayDays: CalendarDate[] = [];
  for (const rule of Object.values(holidays.fixed).filter(inForce)) {
    const day = makeCalendarDate(year, rule.month, rule.day);
    holidayDays.push(day);
    if (rule.adjacentDay) holidayDays.push(adjacentDay(day, isWeekend));
  }
  for (const rule of Object.values(holidays.lunar).filter(inForce)) {
    // A lunar date of month 11 or 12 falls in the next Gregorian year: look at both lunar years.
    for (const lunarYear of [year - 1, year]) {
      const day = lunarToGregorian({ year: lunarYear, month: rule.month, day: rule.day });
      if (yearOf(day) === year) holidayDays.push(day);
    }
  }
  const newYear = lunarNewYear(year);
  for (let offset = -holidays.tet.lastDaysOfOldYear; offset < holidays.tet.firstDaysOfNewYear; offset += 1) holidayDays.push(addDays(newYear, offset));
  holidayDays.sort();

  const daysOff = new Set(holidayDays);
  const taken = new Set<CalendarDate>();
  for (const day of holidayDays) {
    if (!isWeekend(day) && !taken.has(day)) {
      taken.add(day);
      continue;
    }
    let compensatory = addDays(day, 1);
    while (isWeekend(compensatory) || daysOff.has(compensatory)) compensatory = addDays(compensatory, 1);
    daysOff.add(compensatory);
  }
  return daysOff;
}

/**
 * The day added to a holiday such as National Day (2/9 with 1/9 or 3/9): the neighbour that is
 * a weekday; when both are, the one that joins the weekend (Tuesday → Monday, Thursday →
 * Friday); when neither joins it (Wednesday), the day before, as in the 2026 proposal.
 */
function adjacentDay(holiday: CalendarDate, isWeekend: (day: CalendarDate) => boolean): CalendarDate {
  const before = addDays(holiday, -1);
  const after = addDays(holiday, 1);
  const candidates = [before, after].filter((day) => !isWeekend(day));
  const joiningWeekend = candidates.filter((day) => isWeekend(addDays(day, day === before ? -1 : 1)));
  return joiningWeekend[0] ?? candidates[0] ?? before;
}
