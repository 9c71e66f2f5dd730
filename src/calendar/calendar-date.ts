// A civil date is a day on the wall calendar in Vietnam: it has no time of day and no time
// zone, so it is kept as text and never as a Date (whose day depends on the zone it is read in).
// Vietnam is UTC+7 all year, without daylight saving, so instants convert with a fixed offset;
// this module is the only one that knows it.

/** A civil date, yyyy-mm-dd. Make one from outside text with `parseCalendarDate`. */
export type CalendarDate = `${number}-${number}-${number}`;

/** In the order of `Date.prototype.getUTCDay` (Sunday first). */
export const daysOfWeek = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export type DayOfWeek = (typeof daysOfWeek)[number];

const vietnamOffsetMs = 7 * 3600_000;
const dayMs = 86_400_000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timePattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isCalendarDate(text: string): text is CalendarDate {
  const match = datePattern.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Accepts only real dates: 2026-02-30 is refused. */
export function parseCalendarDate(text: string): CalendarDate {
  if (!isCalendarDate(text)) throw new RangeError(`${text} is not a date (yyyy-mm-dd)`);
  return text;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function makeCalendarDate(year: number, month: number, day: number): CalendarDate {
  return parseCalendarDate(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
}

export function partsOf(date: CalendarDate): { year: number; month: number; day: number } {
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function yearOf(date: CalendarDate): number {
  return partsOf(date).year;
}

/** Days since 1970-01-01: differences of these count days. */
export function epochDayOf(date: CalendarDate): number {
  const { year, month, day } = partsOf(date);
  return Date.UTC(year, month - 1, day) / dayMs;
}

export function dateOfEpochDay(epochDay: number): CalendarDate {
  return parseCalendarDate(new Date(epochDay * dayMs).toISOString().slice(0, 10));
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return dateOfEpochDay(epochDayOf(date) + days);
}

export function dayOfWeek(date: CalendarDate): DayOfWeek {
  // 1970-01-01 was a Thursday.
  return daysOfWeek[(((epochDayOf(date) + 4) % 7) + 7) % 7] ?? 'sunday';
}

/** The civil date in Vietnam at an instant. */
export function vietnamDateOf(instant: Date): CalendarDate {
  return parseCalendarDate(new Date(instant.getTime() + vietnamOffsetMs).toISOString().slice(0, 10));
}

/** The time of day (HH:MM) on the clocks in Vietnam at an instant. */
export function vietnamTimeOf(instant: Date): string {
  return new Date(instant.getTime() + vietnamOffsetMs).toISOString().slice(11, 16);
}

/** Minutes since midnight on the clocks in Vietnam at an instant. */
export function vietnamMinutesOf(instant: Date): number {
  const shifted = new Date(instant.getTime() + vietnamOffsetMs);
  return shifted.getUTCHours() * 60 + shifted.getUTCMinutes();
}

/** An instant as Vietnamese readers write it on the clocks in Vietnam: dd/mm/yyyy hh:mm. */
export function displayVietnamDateTime(instant: Date): string {
  return `${displayDate(vietnamDateOf(instant))} ${vietnamTimeOf(instant)}`;
}

/** The instant at which the clocks in Vietnam show `time` (HH:MM) on `date`. */
export function vietnamInstant(date: CalendarDate, time: string): Date {
  const match = timePattern.exec(time);
  if (!match) throw new RangeError(`${time} is not a time of day (HH:MM)`);
  return new Date(epochDayOf(date) * dayMs + (Number(match[1]) * 60 + Number(match[2])) * 60_000 - vietnamOffsetMs);
}

/** A yyyy-mm-dd date as Vietnamese readers write it: dd/mm/yyyy. */
export function displayDate(date: string): string {
  return date.split('-').reverse().join('/');
}

/** The same day `months` later; a day the month lacks becomes its last (29/02 + 36 months → 28/02). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const { year, month, day } = partsOf(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return makeCalendarDate(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}
