import { type CalendarDate, dateOfEpochDay, epochDayOf, makeCalendarDate, partsOf } from './calendar-date.js';

// The Vietnamese lunar calendar (âm lịch) follows the Chinese rules computed on the meridian of
// UTC+7 (since 1968), so its months sometimes start a day earlier than China's (Tết 2007: 17/2 in
// Vietnam, 18/2 in China) and a year can even differ by a month (Tết 1985). The rules:
// - a month begins on the civil day, at UTC+7, that holds the new moon (sóc);
// - the month that holds the December solstice (đông chí) is month 11;
// - when 13 months lie between two months 11, the first of them without a major solar term
//   (trung khí, the sun's longitude crossing a multiple of 30°) is the leap month (tháng
//   nhuận), numbered after the month before it.
// New moons and the sun's longitude come from J. Meeus, Astronomical Algorithms (2nd ed.),
// chapters 49 and 25: a new moon to well under a minute, the sun to about 0.01° (15 minutes).

export interface LunarDate {
  /** the lunar year, named after the Gregorian year in which its first day falls */
  year: number;
  month: number;
  day: number;
  leap: boolean;
}

/** Lunar years this module answers for: Vietnam reckoned at UTC+8 before 1968. */
export const lunarYears = { first: 1968, last: 2100 };

const vietnamOffsetDays = 7 / 24;
const epochDayJulianDay = 2440587.5; // 1970-01-01T00:00Z as a Julian day
const synodicMonth = 29.530588861;
const firstNewMoonOf2000 = 2451550.09766; // JDE of Meeus' new moon k = 0, 6 January 2000
const degrees = Math.PI / 180;

/** 1 January of lunar `year` (Tết Nguyên đán), as a Gregorian date. */
export function lunarNewYear(year: number): CalendarDate {
  return lunarToGregorian({ year, month: 1, day: 1 });
}

export function lunarToGregorian(date: { year: number; month: number; day: number; leap?: boolean }): CalendarDate {
  const { year, month, day, leap = false } = date;
  const text = `${day}/${month}${leap ? ' (nhuận)' : ''}/${year}`;
  checkYear(year, text);
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(day) || day < 1 || day > 30) throw new RangeError(`${text} is not a lunar date`);
  const solsticeYear = month >= 11 ? year : year - 1;
  const month11 = month11Of(solsticeYear);
  let offset = (month + 1) % 12; // months counted from month 11
  if (month11Of(solsticeYear + 1) - month11 === 13) {
    const leapOffset = leapMonthOffset(month11);
    if (leap && month !== monthAtOffset(leapOffset - 1)) throw new RangeError(`${text}: lunar year ${year} has no leap month ${month}`);
    if (leap || offset >= leapOffset) offset += 1;
  } else if (leap) {
    throw new RangeError(`${text}: the lunar year has no leap month`);
  }
  const first = newMoonDay(month11 + offset);
  if (day > newMoonDay(month11 + offset + 1) - first) throw new RangeError(`${text}: that lunar month has 29 days`);
  return dateOfEpochDay(first + day - 1);
}

export function gregorianToLunar(date: CalendarDate): LunarDate {
  const { year } = partsOf(date);
  checkYear(year, date);
  const day = epochDayOf(date);
  const k = newMoonOnOrBefore(day);
  const solsticeYear = k >= month11Of(year) ? year : year - 1;
  const month11 = month11Of(solsticeYear);
  let offset = k - month11;
  let leap = false;
  if (month11Of(solsticeYear + 1) - month11 === 13) {
    const leapOffset = leapMonthOffset(month11);
    if (offset >= leapOffset) {
      leap = offset === leapOffset;
      offset -= 1;
    }
  }
  return { year: solsticeYear + (offset >= 2 ? 1 : 0), month: monthAtOffset(offset), day: day - newMoonDay(k) + 1, leap };
}

function checkYear(year: number, text: string): void {
  if (!Number.isInteger(year) || year < lunarYears.first || year > lunarYears.last) {
    throw new RangeError(`${text}: the lunar calendar is computed for ${lunarYears.first}–${lunarYears.last} only`);
  }
}

/** The number of the month `offset` months after month 11, leap months not counted. */
function monthAtOffset(offset: number): number {
  return ((offset + 10) % 12) + 1;
}

/** k of the new moon that begins month 11 of `year`: the month holding the December solstice. */
function month11Of(year: number): number {
  const k = newMoonOnOrBefore(epochDayOf(makeCalendarDate(year, 12, 31)));
  // The month holding 31 December holds the solstice too, unless the sun had already passed
  // 270° when it began: then the solstice is in the month before.
  return sunSectorAtStartOf(newMoonDay(k)) >= 9 ? k - 1 : k;
}

/** How many months after month 11 the leap month comes, in a span of 13 months. */
function leapMonthOffset(month11: number): number {
  for (let offset = 1; offset < 13; offset += 1) {
    // The sun stays in one 30° sector from the month's first day to the next month's: no major term.
    if (sunSectorAtStartOf(newMoonDay(month11 + offset)) === sunSectorAtStartOf(newMoonDay(month11 + offset + 1))) return offset;
  }
  throw new Error(`no month without a major solar term after new moon ${month11}`);
}

/** k of the new moon that begins the lunar month holding the civil day `epochDay`. */
function newMoonOnOrBefore(epochDay: number): number {
  let k = Math.floor((epochDay + epochDayJulianDay - firstNewMoonOf2000) / synodicMonth);
  while (newMoonDay(k + 1) <= epochDay) k += 1;
  while (newMoonDay(k) > epochDay) k -= 1;
  return k;
}

/** The civil day (as an epoch day) at UTC+7 on which new moon number k falls. */
function newMoonDay(k: number): number {
  const ut = newMoonJde(k) - deltaTDays(newMoonJde(k));
  return Math.floor(ut + vietnamOffsetDays - epochDayJulianDay);
}

/** 0–11: which 30° sector the sun is in at 00:00 (UTC+7) at the start of a civil day. */
function sunSectorAtStartOf(epochDay: number): number {
  const ut = epochDay + epochDayJulianDay - vietnamOffsetDays;
  return Math.floor(apparentSunLongitude(ut + deltaTDays(ut)) / 30);
}

/** Meeus ch. 49: the instant (Julian ephemeris day) of new moon number k. */
function newMoonJde(k: number): number {
  const t = k / 1236.85;
  const jde = firstNewMoonOf2000 + synodicMonth * k + 0.00015437 * t ** 2 - 0.00000015 * t ** 3 + 0.00000000073 * t ** 4;
  const e = 1 - 0.002516 * t - 0.0000074 * t ** 2;
  const m = (2.5534 + 29.1053567 * k - 0.0000014 * t ** 2 - 0.00000011 * t ** 3) * degrees;
  const mm = (201.5643 + 385.81693528 * k + 0.0107582 * t ** 2 + 0.00001238 * t ** 3 - 0.000000058 * t ** 4) * degrees;
  const f = (160.7108 + 390.67050284 * k - 0.0016118 * t ** 2 - 0.00000227 * t ** 3 + 0.000000011 * t ** 4) * degrees;
  const omega = (124.7746 - 1.56375588 * k + 0.0020672 * t ** 2 + 0.00000215 * t ** 3) * degrees;
  const sin = Math.sin;
  const periodic =
    -0.4072 * sin(mm) +
    0.17241 * e * sin(m) +
    0.01608 * sin(2 * mm) +
    0.01039 * sin(2 * f) +
    0.00739 * e * sin(mm - m) -
    0.00514 * e * sin(mm + m) +
    0.00208 * e * e * sin(2 * m) -
    0.00111 * sin(mm - 2 * f) -
    0.00057 * sin(mm + 2 * f) +
    0.00056 * e * sin(2 * mm + m) -
    0.00042 * sin(3 * mm) +
    0.00042 * e * sin(m + 2 * f) +
    0.00038 * e * sin(m - 2 * f) -
    0.00024 * e * sin(2 * mm - m) -
    0.00017 * sin(omega) -
    0.00007 * sin(mm + 2 * m) +
    0.00004 * sin(2 * mm - 2 * f) +
    0.00004 * sin(3 * m) +
    0.00003 * sin(mm + m - 2 * f) +
    0.00003 * sin(2 * mm + 2 * f) -
    0.00003 * sin(mm + m + 2 * f) +
    0.00003 * sin(mm - m + 2 * f) -
    0.00002 * sin(mm - m - 2 * f) -
    0.00002 * sin(3 * mm + m) +
    0.00002 * sin(4 * mm);
  const planetary: [number, number, number, number][] = [
    // [coefficient, angle at k = 0, degrees per lunation, T² term]
    [0.000325, 299.77, 0.107408, -0.009173],
    [0.000165, 251.88, 0.016321, 0],
    [0.000164, 251.83, 26.651886, 0],
    [0.000126, 349.42, 36.412478, 0],
    [0.00011, 84.66, 18.206239, 0],
    [0.000062, 141.74, 53.303771, 0],
    [0.00006, 207.14, 2.453732, 0],
    [0.000056, 154.84, 7.30686, 0],
    [0.000047, 34.52, 27.261239, 0],
    [0.000042, 207.19, 0.121824, 0],
    [0.00004, 291.34, 1.844379, 0],
    [0.000037, 161.72, 24.198154, 0],
    [0.000035, 239.56, 25.513099, 0],
    [0.000023, 331.55, 3.592518, 0],
  ];
  const additional = planetary.reduce((sum, [coefficient, start, rate, square]) => sum + coefficient * sin((start + rate * k + square * t ** 2) * degrees), 0);
  return jde + periodic + additional;
}

/** Meeus ch. 25: the sun's apparent longitude in degrees at a Julian ephemeris day. */
function apparentSunLongitude(jde: number): number {
  const t = (jde - 2451545) / 36525;
  const meanLongitude = 280.46646 + 36000.76983 * t + 0.0003032 * t ** 2;
  const meanAnomaly = (357.52911 + 35999.05029 * t - 0.0001537 * t ** 2) * degrees;
  const centre =
    (1.914602 - 0.004817 * t - 0.000014 * t ** 2) * Math.sin(meanAnomaly) + (0.019993 - 0.000101 * t) * Math.sin(2 * meanAnomaly) + 0.000289 * Math.sin(3 * meanAnomaly);
  const node = (125.04 - 1934.136 * t) * degrees;
  const longitude = meanLongitude + centre - 0.00569 - 0.00478 * Math.sin(node);
  return ((longitude % 360) + 360) % 360;
}

/**
 * TT − UT in days (about a minute now), from the polynomials of Espenak and Meeus: it decides
 * the civil day only when a new moon or a major term falls within a minute of midnight.
 */
function deltaTDays(julianDay: number): number {
  const year = 2000 + (julianDay - 2451545) / 365.25;
  let seconds: number;
  if (year < 1986) {
    const t = year - 1975;
    seconds = 45.45 + 1.067 * t - t ** 2 / 260 - t ** 3 / 718;
  } else if (year < 2005) {
    const t = year - 2000;
    seconds = 63.86 + 0.3345 * t - 0.060374 * t ** 2 + 0.0017275 * t ** 3 + 0.000651814 * t ** 4 + 0.00002373599 * t ** 5;
  } else if (year < 2050) {
    const t = year - 2000;
    seconds = 62.92 + 0.32217 * t + 0.005589 * t ** 2;
  } else {
    seconds = -20 + 32 * ((year - 1820) / 100) ** 2 - 0.5628 * (2150 - year);
  }
  return seconds / 86400;
}
