import type { RevocationErrorCode } from './errors.js';
import { RevocationError } from './errors.js';
import { TAG, writeHeader } from './der-writer.js';

/*
 * RFC 5280 5.1.2.4 (and 4.1.2.5): "CRL issuers conforming to this profile MUST encode thisUpdate as
 * UTCTime for dates through the year 2049. CRL issuers conforming to this profile MUST encode
 * thisUpdate as GeneralizedTime for dates in the year 2050 or later." UTCTime is YYMMDDHHMMSSZ
 * (4.1.2.5.1, YY >= 50 is 19YY), GeneralizedTime is YYYYMMDDHHMMSSZ without fractional seconds
 * (4.1.2.5.2). RFC 6960 uses GeneralizedTime for every OCSP time, in the same form.
 */

const DAY_MS = 86_400_000;
const UTC_TIME_START = Date.UTC(1950, 0, 1);
const UTC_TIME_END = Date.UTC(2050, 0, 1);
const YEAR_0 = new Date(0).setUTCFullYear(0, 0, 1);
const YEAR_10000 = new Date(0).setUTCFullYear(10000, 0, 1);

/** Encoded size (tag, length, value) of a CRL time: UTCTime 15 bytes, GeneralizedTime 17. */
export const UTC_TIME_SIZE = 15;
export const GENERALIZED_TIME_SIZE = 17;

/**
 * The instant as whole milliseconds truncated to the second (certificates and CRLs carry no fractions),
 * checked to be a valid Date between the years 0 and 9999 that the four-digit form can hold.
 */
export function timeMs(date: Date, code: RevocationErrorCode, what: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!(ms >= YEAR_0 && ms < YEAR_10000)) throw new RevocationError(code, `${what} is not a date from year 0 to 9999`);
  return Math.floor(ms / 1000) * 1000;
}

/** True when RFC 5280 says UTCTime: 1950 through 2049. */
export function isUtcTimeRange(ms: number): boolean {
  return ms >= UTC_TIME_START && ms < UTC_TIME_END;
}

/**
 * Writes times into a buffer. It remembers the digits of the last day it wrote, so a CRL whose entries
 * share revocation days formats each date once; one instance per writer, never shared globally.
 */
export class TimeEncoder {
  private day = NaN;
  private readonly dayDigits = new Uint8Array(8);

  /** Writes the TLV at `pos`; `generalized` forces GeneralizedTime (OCSP), else RFC 5280 picks. */
  write(buf: Uint8Array, pos: number, ms: number, generalized: boolean): number {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) this.setDay(day);
    const d = this.dayDigits;
    if (!generalized && isUtcTimeRange(ms)) {
      pos = writeHeader(buf, pos, TAG.UTC_TIME, 13);
      buf[pos++] = d[2]!;
      buf[pos++] = d[3]!;
    } else {
      pos = writeHeader(buf, pos, TAG.GENERALIZED_TIME, 15);
      buf[pos++] = d[0]!;
      buf[pos++] = d[1]!;
      buf[pos++] = d[2]!;
      buf[pos++] = d[3]!;
    }
    for (let i = 4; i < 8; i++) buf[pos++] = d[i]!;
    let s = Math.floor((ms - day * DAY_MS) / 1000);
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    pos = twoDigits(buf, pos, h);
    pos = twoDigits(buf, pos, m);
    pos = twoDigits(buf, pos, s);
    buf[pos++] = 0x5a; // 'Z'
    return pos;
  }

  private setDay(day: number): void {
    const date = new Date(day * DAY_MS);
    const y = date.getUTCFullYear();
    const d = this.dayDigits;
    d[0] = 0x30 + Math.floor(y / 1000);
    d[1] = 0x30 + (Math.floor(y / 100) % 10);
    d[2] = 0x30 + (Math.floor(y / 10) % 10);
    d[3] = 0x30 + (y % 10);
    twoDigits(d, 4, date.getUTCMonth() + 1);
    twoDigits(d, 6, date.getUTCDate());
    this.day = day;
  }
}

function twoDigits(buf: Uint8Array, pos: number, v: number): number {
  buf[pos] = 0x30 + Math.floor(v / 10);
  buf[pos + 1] = 0x30 + (v % 10);
  return pos + 2;
}

/** One time TLV: RFC 5280's choice of form, or GeneralizedTime always (`generalized`, for OCSP). */
export function encodeTime(date: Date, generalized: boolean, code: RevocationErrorCode, what: string): Uint8Array {
  const ms = timeMs(date, code, what);
  const out = new Uint8Array(!generalized && isUtcTimeRange(ms) ? UTC_TIME_SIZE : GENERALIZED_TIME_SIZE);
  new TimeEncoder().write(out, 0, ms, generalized);
  return out;
}

/**
 * Reads the value of a UTCTime (`tag` 17) or GeneralizedTime (18) in the RFC 5280 form only; returns
 * the instant in ms, or undefined when the text is not such a time.
 */
export function decodeTime(bytes: Uint8Array, start: number, end: number, tag: number): number | undefined {
  const len = end - start;
  const yearDigits = tag === TAG.UTC_TIME ? 2 : 4;
  if (len !== yearDigits + 11 || bytes[end - 1] !== 0x5a) return undefined;
  const n: number[] = [];
  for (let i = start; i < end - 1; i++) {
    const c = bytes[i]! - 0x30;
    if (c < 0 || c > 9) return undefined;
    n.push(c);
  }
  let year = yearDigits === 2 ? n[0]! * 10 + n[1]! : n[0]! * 1000 + n[1]! * 100 + n[2]! * 10 + n[3]!;
  if (yearDigits === 2) year += year >= 50 ? 1900 : 2000;
  const [mo, d, h, mi, s] = [0, 1, 2, 3, 4].map((k) => n[yearDigits + 2 * k]! * 10 + n[yearDigits + 2 * k + 1]!) as [number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // Rejects 31 February, hour 24, second 60 and the like: they do not survive the round trip.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) return undefined;
  return date.getTime();
}
