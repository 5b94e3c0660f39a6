import {
  addYears,
  dateParts,
  earlier,
  endOfJstDay,
  isIsoDate,
  jstDate,
  previousDay,
  type IsoDate,
} from './calendar.js';
import { CertificateError } from './errors.js';

/**
 * RFC 5280 4.1.2.5:
 *
 *     Validity ::= SEQUENCE {
 *          notBefore      Time,
 *          notAfter       Time }
 *
 * "The validity period for a certificate is the period of time from notBefore through notAfter,
 * inclusive." Times are whole seconds (4.1.2.5.1/4.1.2.5.2 have no fractions), so notBefore is the
 * issuance time truncated to the second; every notAfter is 23:59:59 JST = 14:59:59Z of a date
 * (jpki-ap.md 3.3). The functions are pure: the issuance time is always a parameter.
 */
export interface ValidityPeriod {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function toSecond(instant: Date): Date {
  if (Number.isNaN(instant.getTime())) throw new CertificateError('ERR_CERT_VALIDITY', 'invalid issuance time');
  return new Date(Math.floor(instant.getTime() / 1000) * 1000);
}

function requireDate(date: IsoDate, what: string): void {
  if (!isIsoDate(date)) throw new CertificateError('ERR_CERT_VALIDITY', `${what} is not a YYYY-MM-DD date`);
}

function period(notBefore: Date, notAfter: Date): ValidityPeriod {
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new CertificateError('ERR_CERT_VALIDITY', 'the period would end before it begins');
  }
  return { notBefore, notAfter };
}

/**
 * The holder's `n`th birthday strictly after the JST date of `issuedAt` (a birthday on the issuance day
 * does not count); a 29 February birthday falls on 28 February in common years.
 */
export function nthBirthdayAfter(issuedAt: Date, birthDate: IsoDate, n: number): IsoDate {
  requireDate(birthDate, 'birth date');
  const issued = jstDate(issuedAt);
  const { year } = dateParts(issued);
  const birthYear = dateParts(birthDate).year;
  let first = addYears(birthDate, year - birthYear);
  if (first <= issued) first = addYears(birthDate, year + 1 - birthYear);
  return addYears(birthDate, dateParts(first).year - birthYear + n - 1);
}

export interface CardValidityParams {
  readonly issuedAt: Date;
  readonly birthDate: IsoDate;
  /** Last day of the card's validity (`YYYY-MM-DD`). */
  readonly cardExpiry: IsoDate;
  /** Any further cap, e.g. the authentication certificate's notAfter for the signature certificate (3.3). */
  readonly notAfterCap?: Date;
}

/**
 * jpki-ap.md 3.3: card certificates are valid "from issuance to the 5th birthday after issuance, capped by
 * the card's own expiry", notAfter at 14:59:59Z of that day.
 */
export function cardCertificateValidity(p: CardValidityParams): ValidityPeriod {
  requireDate(p.cardExpiry, 'card expiry');
  const notBefore = toSecond(p.issuedAt);
  let notAfter = earlier(endOfJstDay(nthBirthdayAfter(notBefore, p.birthDate, 5)), endOfJstDay(p.cardExpiry));
  if (p.notAfterCap !== undefined) notAfter = earlier(notAfter, p.notAfterCap);
  return period(notBefore, notAfter);
}

/**
 * jpki-ap.md 3.4: "the phone certs follow the card certificate validity" — from issuance until the
 * linked card certificate's notAfter, never later.
 */
export function phoneCertificateValidity(p: { issuedAt: Date; cardCertificateNotAfter: Date }): ValidityPeriod {
  return period(toSecond(p.issuedAt), p.cardCertificateNotAfter);
}

/** The last day of a period of `years` counted from the JST date of `issuedAt`: the day before the anniversary. */
export function lastDayOfYears(issuedAt: Date, years: number): IsoDate {
  return previousDay(addYears(jstDate(issuedAt), years));
}

/**
 * A CA certificate lasts 10 years, ending the day before the 10th anniversary at 23:59:59 JST, as the
 * real ones do (2023-07-16 00:50:27Z → 2033-07-15 14:59:59Z, jpki-ap.md 3.1).
 */
export function caValidity(issuedAt: Date): ValidityPeriod {
  const notBefore = toSecond(issuedAt);
  return period(notBefore, endOfJstDay(lastDayOfYears(notBefore, 10)));
}

/** A delegated OCSP responder certificate: one year counted the same way, capped by its CA's notAfter. */
export function ocspResponderValidity(p: { issuedAt: Date; caNotAfter: Date }): ValidityPeriod {
  const notBefore = toSecond(p.issuedAt);
  return period(notBefore, earlier(endOfJstDay(lastDayOfYears(notBefore, 1)), p.caNotAfter));
}

/**
 * Upper bound of a card certificate's notAfter when the holder's birth date is not known: the latest
 * 5th birthday after issuance over every possible birthday. That is the 5th anniversary of the
 * issuance day, or one day more for a 29 February birthday when issuance is on 28 February of a
 * common year (2027-02-28 → 2032-02-29).
 */
export function cardValidityBound(issuedAt: Date, birthDate?: IsoDate): Date {
  if (birthDate !== undefined) return endOfJstDay(nthBirthdayAfter(issuedAt, birthDate, 5));
  const anniversary = addYears(jstDate(issuedAt), 5);
  const leapBirthday = nthBirthdayAfter(issuedAt, '2000-02-29', 5);
  return endOfJstDay(leapBirthday > anniversary ? leapBirthday : anniversary);
}
