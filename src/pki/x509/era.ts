import { isIsoDate, type IsoDate } from './calendar.js';
import { CertificateError } from './errors.js';

/**
 * The birth date of the basic four information, `EYYYYMMDD` (jpki-ap.md 3.2, OID 1.2.392.200149.8.5.5.4):
 * an era digit, then the Gregorian date. `419900102` is 1990-01-02 in Heisei.
 */
export type EraDigit = 0 | 1 | 2 | 3 | 4 | 5;

export interface Era {
  readonly digit: EraDigit;
  readonly name: string;
  /** First Gregorian day of the era. */
  readonly start: IsoDate;
}

/**
 * Meiji is counted from 1868-01-25 (Meiji 1 began with that lunar year), the later eras from the day
 * after the previous emperor's death or, for Reiwa, the accession. Digit 0 stands for "unknown", and
 * is what a date before Meiji gets.
 */
export const ERAS: readonly Era[] = [
  { digit: 1, name: '明治', start: '1868-01-25' },
  { digit: 2, name: '大正', start: '1912-07-30' },
  { digit: 3, name: '昭和', start: '1926-12-25' },
  { digit: 4, name: '平成', start: '1989-01-08' },
  { digit: 5, name: '令和', start: '2019-05-01' },
];

/** The era digit of a Gregorian date (0 before Meiji). */
export function eraOf(date: IsoDate): EraDigit {
  if (!isIsoDate(date)) throw new CertificateError('ERR_BASIC_FOUR_BIRTH_DATE', 'not a YYYY-MM-DD date');
  let digit: EraDigit = 0;
  for (const era of ERAS) if (date >= era.start) digit = era.digit;
  return digit;
}

/** `1989-01-07` → `319890107`, `1989-01-08` → `419890108`. */
export function encodeJpkiBirthDate(date: IsoDate): string {
  return String(eraOf(date)) + date.replace(/-/g, '');
}

/**
 * `EYYYYMMDD` → `YYYY-MM-DD`. Strict: nine digits, a real date, and the era digit the date falls in
 * (0 only before Meiji), so that decoding and encoding are inverse to each other.
 */
export function decodeJpkiBirthDate(text: string): { date: IsoDate; era: EraDigit } {
  const m = /^([0-5])(\d{4})(\d{2})(\d{2})$/.exec(text);
  const date = m === null ? '' : `${m[2]}-${m[3]}-${m[4]}`;
  if (m === null || !isIsoDate(date)) {
    throw new CertificateError('ERR_BASIC_FOUR_BIRTH_DATE', 'birth date is not EYYYYMMDD with a real date');
  }
  const era = Number(m[1]) as EraDigit;
  if (era !== eraOf(date)) {
    throw new CertificateError('ERR_BASIC_FOUR_BIRTH_DATE', `era digit ${era} does not match ${date}`);
  }
  return { date, era };
}
