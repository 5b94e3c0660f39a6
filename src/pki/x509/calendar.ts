/**
 * Calendar dates as `YYYY-MM-DD` strings (which compare correctly as strings for years 1000-9999)
 * and the Japan Standard Time (UTC+9, no daylight saving) days that JPKI validity is counted in.
 */

/** A calendar date `YYYY-MM-DD`. */
export type IsoDate = string;

const JST_OFFSET_MS = 9 * 3600 * 1000;

/** True for a real Gregorian date written `YYYY-MM-DD` with a year from 1000 to 9999. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The parts of a date already checked with `isIsoDate`. */
export function dateParts(date: IsoDate): { year: number; month: number; day: number } {
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function isoDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The JST calendar date of an instant: 2026-03-14T15:30Z is 2026-03-15 in Japan. */
export function jstDate(instant: Date): IsoDate {
  return new Date(instant.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** 23:59:59 JST of `date`, i.e. 14:59:59Z, the instant JPKI writes as notAfter (jpki-ap.md 3.3). */
export function endOfJstDay(date: IsoDate): Date {
  const { year, month, day } = dateParts(date);
  return new Date(Date.UTC(year, month - 1, day, 14, 59, 59));
}

/** True when an instant is 14:59:59.000Z, the end of a JST day. */
export function isEndOfJstDay(instant: Date): boolean {
  return (
    instant.getUTCHours() === 14 &&
    instant.getUTCMinutes() === 59 &&
    instant.getUTCSeconds() === 59 &&
    instant.getUTCMilliseconds() === 0
  );
}

/**
 * The same month and day `years` later; 29 February becomes 28 February in a common year (the
 * birthday rule of Japanese law for leap-day births, and the rule used for JPKI anniversaries).
 */
export function addYears(date: IsoDate, years: number): IsoDate {
  const { year, month, day } = dateParts(date);
  const target = year + years;
  return isoDate(target, month, Math.min(day, daysInMonth(target, month)));
}

/** The day before `date`. */
export function previousDay(date: IsoDate): IsoDate {
  const { year, month, day } = dateParts(date);
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}

/** The earlier of two instants. */
export function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
