import { describe, expect, it } from 'vitest';
import { addDays, type CalendarDate } from '../../src/calendar/calendar-date.js';
import { gregorianToLunar, lunarNewYear, lunarToGregorian } from '../../src/calendar/lunar-calendar.js';

// Tết Nguyên đán in Vietnam, checked against the year tables of Hồ Ngọc Đức's "Âm lịch Việt
// Nam" (informatik.uni-leipzig.de/~duc/amlich/), computed at UTC+7 for Hanoi; every month start
// of 1968–2100 was compared with those tables and agrees, except month 4 of 2054, whose new moon
// falls within a minute of midnight. Chinese calendars (UTC+8) differ in 1985 (20/2: a whole
// month), 2007 (18/2) and 2030 (3/2): the Vietnamese dates are the ones below.
const tet: [number, CalendarDate][] = [
  [1985, '1985-01-21'], [1990, '1990-01-27'], [1991, '1991-02-15'], [1992, '1992-02-04'], [1993, '1993-01-23'],
  [1994, '1994-02-10'], [1995, '1995-01-31'], [1996, '1996-02-19'], [1997, '1997-02-07'], [1998, '1998-01-28'],
  [1999, '1999-02-16'], [2000, '2000-02-05'], [2001, '2001-01-24'], [2002, '2002-02-12'], [2003, '2003-02-01'],
  [2004, '2004-01-22'], [2005, '2005-02-09'], [2006, '2006-01-29'], [2007, '2007-02-17'], [2008, '2008-02-07'],
  [2009, '2009-01-26'], [2010, '2010-02-14'], [2011, '2011-02-03'], [2012, '2012-01-23'], [2013, '2013-02-10'],
  [2014, '2014-01-31'], [2015, '2015-02-19'], [2016, '2016-02-08'], [2017, '2017-01-28'], [2018, '2018-02-16'],
  [2019, '2019-02-05'], [2020, '2020-01-25'], [2021, '2021-02-12'], [2022, '2022-02-01'], [2023, '2023-01-22'],
  [2024, '2024-02-10'], [2025, '2025-01-29'], [2026, '2026-02-17'], [2027, '2027-02-06'], [2028, '2028-01-26'],
  [2029, '2029-02-13'], [2030, '2030-02-02'], [2031, '2031-01-23'], [2032, '2032-02-11'], [2033, '2033-01-31'],
  [2034, '2034-02-19'], [2035, '2035-02-08'],
];

describe('the Vietnamese lunar calendar', () => {
  it.each(tet)('puts Tết %i on %s', (year, date) => {
    expect(lunarNewYear(year)).toBe(date);
    expect(gregorianToLunar(date)).toEqual({ year, month: 1, day: 1, leap: false });
  });

  it("puts Hùng Kings' day (10/3 lunar) on the published dates", () => {
    expect(lunarToGregorian({ year: 2024, month: 3, day: 10 })).toBe('2024-04-18');
    expect(lunarToGregorian({ year: 2025, month: 3, day: 10 })).toBe('2025-04-07');
    expect(lunarToGregorian({ year: 2026, month: 3, day: 10 })).toBe('2026-04-26');
  });

  it('knows the leap months: 2 in 2023, 6 in 2025, 11 in 2033', () => {
    expect(gregorianToLunar('2023-03-22')).toEqual({ year: 2023, month: 2, day: 1, leap: true });
    expect(gregorianToLunar('2023-04-19')).toEqual({ year: 2023, month: 2, day: 29, leap: true });
    expect(gregorianToLunar('2023-04-20')).toEqual({ year: 2023, month: 3, day: 1, leap: false });
    expect(gregorianToLunar('2025-06-25')).toEqual({ year: 2025, month: 6, day: 1, leap: false });
    expect(gregorianToLunar('2025-07-25')).toEqual({ year: 2025, month: 6, day: 1, leap: true });
    expect(gregorianToLunar('2025-08-23')).toEqual({ year: 2025, month: 7, day: 1, leap: false });
    expect(lunarToGregorian({ year: 2025, month: 6, day: 15, leap: true })).toBe('2025-08-08');
    // A leap month 11 belongs to the old lunar year, which runs into January.
    expect(gregorianToLunar('2034-01-01')).toEqual({ year: 2033, month: 11, day: 11, leap: true });
    expect(lunarToGregorian({ year: 2033, month: 11, day: 1, leap: true })).toBe('2033-12-22');
  });

  it('gives the last day of a lunar year to that year', () => {
    expect(gregorianToLunar('2026-02-16')).toEqual({ year: 2025, month: 12, day: 29, leap: false });
    expect(gregorianToLunar('2025-12-20')).toEqual({ year: 2025, month: 11, day: 1, leap: false });
  });

  it('converts every day of 2023–2026 there and back', () => {
    for (let day: CalendarDate = '2023-01-01'; day <= '2026-12-31'; day = addDays(day, 1)) {
      expect(lunarToGregorian(gregorianToLunar(day))).toBe(day);
    }
  });

  it('refuses lunar dates that do not exist and years it does not compute', () => {
    expect(() => lunarToGregorian({ year: 2024, month: 2, day: 1, leap: true })).toThrow(/no leap month/);
    expect(() => lunarToGregorian({ year: 2025, month: 5, day: 1, leap: true })).toThrow(/no leap month 5/);
    expect(() => lunarToGregorian({ year: 2025, month: 12, day: 30 })).toThrow(/29 days/);
    expect(() => lunarToGregorian({ year: 2025, month: 13, day: 1 })).toThrow(RangeError);
    expect(() => lunarNewYear(1960)).toThrow(/1968–2100/);
    expect(() => gregorianToLunar('2101-06-01')).toThrow(RangeError);
  });
});
