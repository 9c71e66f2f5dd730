import { addDays, vietnamDateOf, vietnamInstant, vietnamMinutesOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { addWorkingDays, isWorkingDay } from '../calendar/working-days.js';

// When a notice may reach a person: never in quiet hours; a routine nudge only on a
// working day, from the routine hour. Pure: every rule is in its arguments.

export interface NotifyTiming {
  calendar: WorkingCalendar;
  /** HH:MM, Vietnam: quiet from `quietStart` in the evening to `quietEnd` the next morning */
  quietStart: string;
  quietEnd: string;
  /** HH:MM, Vietnam: when routine nudges go out on a working day (within the waking hours) */
  routineTime: string;
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Checks that quiet hours span midnight and the routine hour lies in the waking hours. */
export function checkTiming(timing: Pick<NotifyTiming, 'quietStart' | 'quietEnd' | 'routineTime'>): void {
  const start = minutesOf(timing.quietStart);
  const end = minutesOf(timing.quietEnd);
  const routine = minutesOf(timing.routineTime);
  if (!(end < start)) throw new RangeError(`quiet hours ${timing.quietStart}–${timing.quietEnd} must run from an evening hour to a morning hour`);
  if (routine < end || routine >= start) throw new RangeError(`the routine hour ${timing.routineTime} falls in the quiet hours ${timing.quietStart}–${timing.quietEnd}`);
}

export function isQuietTime(timing: NotifyTiming, at: Date): boolean {
  const minutes = vietnamMinutesOf(at);
  return minutes >= minutesOf(timing.quietStart) || minutes < minutesOf(timing.quietEnd);
}

/**
 * The first moment at or after `at` a notice may go. Time-bound notices (a meeting
 * tomorrow) only leave the quiet hours; routine nudges also wait for a working day and
 * its routine hour, so one person's nudges of a day go out together.
 */
export function sendTimeFor(timing: NotifyTiming, at: Date, routine: boolean): Date {
  const day = vietnamDateOf(at);
  const minutes = vietnamMinutesOf(at);
  if (routine) {
    if (isWorkingDay(timing.calendar, day) && minutes < minutesOf(timing.routineTime)) return vietnamInstant(day, timing.routineTime);
    if (isWorkingDay(timing.calendar, day) && minutes < minutesOf(timing.quietStart)) return at;
    return vietnamInstant(addWorkingDays(timing.calendar, day, 1), timing.routineTime);
  }
  if (minutes < minutesOf(timing.quietEnd)) return vietnamInstant(day, timing.quietEnd);
  if (minutes >= minutesOf(timing.quietStart)) return vietnamInstant(addDays(day, 1), timing.quietEnd);
  return at;
}

/** "Remind me later": the routine hour of the next working day. */
export function remindLaterTime(timing: Pick<NotifyTiming, 'calendar' | 'routineTime'>, now: Date): Date {
  return vietnamInstant(addWorkingDays(timing.calendar, vietnamDateOf(now), 1), timing.routineTime);
}

/** The routine hour of `date`, moved to a working day (dates computed from deadlines). */
export function routineTimeOn(timing: NotifyTiming, date: CalendarDate): Date {
  return sendTimeFor(timing, vietnamInstant(date, timing.routineTime), true);
}
