import { concat } from '../bytes/index.js';
import { ApduError } from './errors.js';

/**
 * A response APDU (ISO/IEC 7816-4 5.1): response data (Nr bytes, possibly none) then the trailer
 * SW1-SW2, kept as one 16-bit number (0x9000) because every table in the norms is written that way.
 */
export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;
}

const EMPTY = new Uint8Array(0);

/**
 * ISO/IEC 7816-4 5.1.3: "any value different from '6XXX' and '9XXX' is invalid; any value '60XX' is
 * also invalid" ('60' is the T=0 NULL procedure byte of ISO/IEC 7816-3, never a status).
 */
export function isValidSw(sw: number): boolean {
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) return false;
  const high = sw >> 8;
  return (high >= 0x61 && high <= 0x6f) || (high >= 0x90 && high <= 0x9f);
}

/** Throws `ERR_APDU_SW_INVALID` unless `sw` is a valid status word. */
export function requireSw(sw: number): number {
  if (!isValidSw(sw)) {
    const shown = Number.isInteger(sw) && sw >= 0 && sw <= 0xffff ? sw.toString(16).toUpperCase().padStart(4, '0') : String(sw);
    throw new ApduError('ERR_APDU_SW_INVALID', `${shown} is not a status word (SW1 must be 61..6F or 90..9F)`);
  }
  return sw;
}

/** Builds a validated response; `data` is not copied. */
export function response(data: Uint8Array = EMPTY, sw = 0x9000): ResponseApdu {
  return { data, sw: requireSw(sw) };
}

/** Splits a received response into data and status word; the data is copied out of `bytes`. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) {
    throw new ApduError('ERR_APDU_RESPONSE_TOO_SHORT', `a response needs SW1-SW2, got ${bytes.length} byte(s)`);
  }
  const n = bytes.length - 2;
  const sw = requireSw(bytes[n]! * 256 + bytes[n + 1]!);
  return { data: bytes.slice(0, n), sw };
}

export function encodeResponse(r: ResponseApdu): Uint8Array {
  const sw = requireSw(r.sw);
  return concat(r.data, Uint8Array.of(sw >> 8, sw & 0xff));
}

export function sw1(sw: number): number {
  return (sw >> 8) & 0xff;
}

export function sw2(sw: number): number {
  return sw & 0xff;
}

/**
 * True only for '9000'. ISO counts '61XX' as normal processing too, but it means the response is
 * incomplete: a transport must fetch the rest with GET RESPONSE before anyone treats it as done.
 */
export function isSuccess(sw: number): boolean {
  return sw === 0x9000;
}

/** Warning processing (ISO/IEC 7816-4 Table 5): '62XX' memory unchanged, '63XX' memory changed. */
export function isWarning(sw: number): boolean {
  const high = sw >> 8;
  return Number.isInteger(sw) && (high === 0x62 || high === 0x63);
}

/**
 * The counter X of '63CX' ("counter from 0 to 15 encoded by X", its meaning set by the command: after
 * VERIFY, the tries left before the reference data is blocked); `undefined` for any other value.
 */
export function triesLeft(sw: number): number | undefined {
  return Number.isInteger(sw) && sw >= 0x63c0 && sw <= 0x63cf ? sw & 0x0f : undefined;
}
