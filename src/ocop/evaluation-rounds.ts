import { z } from 'zod';
import { makeCalendarDate, yearOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { addWorkingDays, previousWorkingDay } from '../calendar/working-days.js';

// Evaluation rounds (đợt đánh giá) as the rule set and the province give them, and the days
// that follow from them for each person on the way: the producer must hand in a complete
// dossier early enough for the commune to check it within its working days and still
// propose it to the province before the round's date.

const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a day of the year written mm-dd');

/** One round a year: dossiers are proposed before `proposeBefore`; the round is over before `closesBefore`. */
export const roundRuleSchema = z
  .strictObject({ proposeBefore: monthDay, closesBefore: monthDay })
  .refine((r) => r.closesBefore > r.proposeBefore, 'a round closes after its proposals are due, in the same year');

export type RoundRule = z.infer<typeof roundRuleSchema>;

/** Council level of a round: the province's councils (3★–4★), the ministry's (5★). */
export type RoundLevel = 'province' | 'central';

export interface EvaluationRound {
  level: RoundLevel;
  year: number;
  /** 1, 2 …: the rounds of a level in a year, in the order they close */
  number: number;
  /** proposals must reach the next level before this day (the day itself is too late) */
  proposeBefore: CalendarDate;
  /** the round's evaluation and decisions are done before this day */
  closesBefore: CalendarDate;
}

/**
 * A province's rounds: the rule set's, and those the province holds on top of them
 * (Art. 5.1, second paragraph, of 26/2026; rules/provinces.yaml, extraRounds). None when
 * the rule set has no fixed rounds.
 */
export function provinceRoundRules(rounds: { province: readonly RoundRule[] } | undefined, extraRounds: readonly RoundRule[]): RoundRule[] {
  return rounds ? [...rounds.province, ...extraRounds] : [];
}

/** The rounds of one level in a year, numbered in the order they close. */
export function roundsOfYear(rules: readonly RoundRule[], level: RoundLevel, year: number): EvaluationRound[] {
  const date = (md: string) => makeCalendarDate(year, Number(md.slice(0, 2)), Number(md.slice(3, 5)));
  return [...rules]
    .sort((a, b) => (a.closesBefore < b.closesBefore ? -1 : a.closesBefore > b.closesBefore ? 1 : 0))
    .map((rule, i) => ({ level, year, number: i + 1, proposeBefore: date(rule.proposeBefore), closesBefore: date(rule.closesBefore) }));
}

/** The rounds of this year and the next, in date order: enough to find the next one. */
export function upcomingRounds(rules: readonly RoundRule[], level: RoundLevel, today: CalendarDate): EvaluationRound[] {
  const year = yearOf(today);
  return [...roundsOfYear(rules, level, year), ...roundsOfYear(rules, level, year + 1)].filter((r) => r.closesBefore > today);
}

export interface RoundDeadlines {
  round: EvaluationRound;
  /** the last working day on which the commune can still propose (strictly before the round's date) */
  communeLastDay: CalendarDate;
  /**
   * the last working day on which a complete dossier handed to the commune leaves it its
   * whole checking time: the check runs over the working days after it, ending on
   * `communeLastDay`
   */
  producerLastDay: CalendarDate;
}

/** What a round means for the commune and for the producer, on the working calendar. */
export function roundDeadlines(calendar: WorkingCalendar, round: EvaluationRound, checkWorkingDays: number): RoundDeadlines {
  const communeLastDay = previousWorkingDay(calendar, round.proposeBefore);
  return { round, communeLastDay, producerLastDay: addWorkingDays(calendar, communeLastDay, -checkWorkingDays) };
}

/**
 * The next province round someone can still make: the first whose day for `who` (the
 * producer's last day, or the commune's) is today or later.
 */
export function nextRoundFor(
  who: 'producer' | 'commune',
  options: { calendar: WorkingCalendar; rules: readonly RoundRule[]; today: CalendarDate; checkWorkingDays: number },
): RoundDeadlines | undefined {
  for (const round of upcomingRounds(options.rules, 'province', options.today)) {
    const deadlines = roundDeadlines(options.calendar, round, options.checkWorkingDays);
    const last = who === 'producer' ? deadlines.producerLastDay : deadlines.communeLastDay;
    if (last >= options.today) return deadlines;
  }
  return undefined;
}

/** The next province round to close, for the province unit's reminders. */
export function nextRoundClosing(rules: readonly RoundRule[], today: CalendarDate): EvaluationRound | undefined {
  return upcomingRounds(rules, 'province', today)[0];
}
