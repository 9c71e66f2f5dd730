import { addDays, type CalendarDate, dayOfWeek, vietnamDateOf, vietnamInstant, yearOf } from './calendar-date.js';
import type { WorkingCalendar } from './working-calendar.js';

// Counting on the civil-service calendar, and the lead-time rule built on it: members must
// have N whole working days in hand before the meeting, so the dossier must be delivered before
// office hours begin on the Nth working day before the meeting day. Only the meeting's date
// counts, never its hour: a meeting at 08:00 and one at 14:00 the same day share a deadline.

export function isWorkingDay(calendar: WorkingCalendar, date: CalendarDate): boolean {
  const year = yearOf(date);
  if (year < calendar.firstYear || year > calendar.lastYear) throw new RangeError(`${date}: the working calendar covers ${calendar.firstYear}–${calendar.lastYear} only`);
  if (calendar.workingWeekendDays.has(date)) return true;
  return !calendar.daysOff.has(date) && !calendar.weekend.has(dayOfWeek(date));
}

/**
 * The nth working day after `date` (before it when n is negative); `date` itself is never
 * counted, so Friday + 1 is Monday and Sunday + 1 too. Adding 0 returns `date` unchanged, even
 * a day off: moving nothing moves nowhere (use n = ±1 to reach a working day).
 */
export function addWorkingDays(calendar: WorkingCalendar, date: CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n)) throw new RangeError(`${n} is not a whole number of working days`);
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0; ) {
    day = addDays(day, step);
    if (isWorkingDay(calendar, day)) left -= 1;
  }
  return day;
}

/**
 * The working days after `from` up to and including `to`: (from, to]. It answers "how many
 * working days on from `from` is `to`", the inverse of addWorkingDays for a working day `to`;
 * negative when `to` is before `from`, 0 when they are the same day.
 */
export function workingDaysBetween(calendar: WorkingCalendar, from: CalendarDate, to: CalendarDate): number {
  if (to < from) return -workingDaysBetween(calendar, to, from);
  let count = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (isWorkingDay(calendar, day)) count += 1;
  return count;
}

/** The last working day before `date`. */
export function previousWorkingDay(calendar: WorkingCalendar, date: CalendarDate): CalendarDate {
  return addWorkingDays(calendar, date, -1);
}

export interface LeadTime {
  /** whole working days members must have before the meeting day (a province setting, at least 1) */
  leadWorkingDays: number;
  /** HH:MM, Vietnam time, when office hours begin (setting, 07:30 by default) */
  officeOpens: string;
}

export interface DeliveryDeadline {
  /** the day by whose office opening the dossier must be delivered */
  date: CalendarDate;
  /** HH:MM, Vietnam time: delivery must be complete before it */
  officeOpens: string;
  /** the same moment as an instant: delivery at or after it is late */
  instant: Date;
}

/** The latest moment a dossier may be delivered for a meeting on `meetingDate`. */
export function deliveryDeadline(calendar: WorkingCalendar, options: LeadTime & { meetingDate: CalendarDate }): DeliveryDeadline {
  checkLeadWorkingDays(options.leadWorkingDays);
  const date = addWorkingDays(calendar, options.meetingDate, -options.leadWorkingDays);
  return { date, officeOpens: options.officeOpens, instant: vietnamInstant(date, options.officeOpens) };
}

/**
 * The earliest working day a meeting can be held on if the dossier is delivered at `now`.
 * A meeting on a day off is judged by deliveryDeadline: compare `now` with its instant.
 */
export function earliestMeetingDate(calendar: WorkingCalendar, options: LeadTime & { now: Date }): CalendarDate {
  checkLeadWorkingDays(options.leadWorkingDays);
  const today = vietnamDateOf(options.now);
  const opensToday = vietnamInstant(today, options.officeOpens);
  // The first working day whose office opening is still ahead: members have it whole.
  const firstWholeDay = isWorkingDay(calendar, today) && options.now.getTime() < opensToday.getTime() ? today : addWorkingDays(calendar, today, 1);
  return addWorkingDays(calendar, firstWholeDay, options.leadWorkingDays);
}

function checkLeadWorkingDays(leadWorkingDays: number): void {
  if (!Number.isInteger(leadWorkingDays) || leadWorkingDays < 1) throw new RangeError(`the lead time must be a whole number of working days, at least 1 (got ${leadWorkingDays})`);
}
