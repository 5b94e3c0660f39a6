import { concat, hex, toHex } from '../../bytes/index.js';

/*
 * Card Production Life Cycle data (CPLC), GET DATA '9F7F': 42 bytes as Visa GlobalPlatform
 * Card Implementation Requirements define them and GlobalPlatformPro decodes them:
 *
 *   off len  field                                    this element
 *    0   2   IC fabricator                            4A50 ("JP")
 *    2   2   IC type                                  5345 ("SE")
 *    4   2   operating system identifier              4A4D ("JM", jpki-mobile)
 *    6   2   operating system release date (YDDD)     creation date
 *    8   2   operating system release level           0100
 *   10   2   IC fabrication date (YDDD)               creation date
 *   12   4   IC serial number                         random
 *   16   2   IC batch identifier                      random
 *   18   2   IC module fabricator                     0000
 *   20   2   IC module packaging date                 creation date
 *   22   2   ICC manufacturer                         0000
 *   24   2   IC embedding date                        creation date
 *   26   2   IC pre-personalizer                      0000
 *   28   2   IC pre-personalization equipment date    creation date
 *   30   4   IC pre-personalization equipment ID      00000000
 *   34   2   IC personalizer                          0000
 *   36   2   IC personalization date                  creation date
 *   38   4   IC personalization equipment ID          00000000
 *
 * Dates are YDDD in BCD: the last digit of the year and the day of the year (2026-11-15 → 6319).
 * The key diversification data ('CF', INITIALIZE UPDATE) is taken from it: IC fabricator || IC type
 * || IC serial number || IC batch identifier (10 bytes).
 */

export const CPLC_LENGTH = 42;

export const CPLC_FIELDS: readonly { readonly name: string; readonly offset: number; readonly length: number; readonly date?: true }[] = [
  { name: 'IC fabricator', offset: 0, length: 2 },
  { name: 'IC type', offset: 2, length: 2 },
  { name: 'operating system identifier', offset: 4, length: 2 },
  { name: 'operating system release date', offset: 6, length: 2, date: true },
  { name: 'operating system release level', offset: 8, length: 2 },
  { name: 'IC fabrication date', offset: 10, length: 2, date: true },
  { name: 'IC serial number', offset: 12, length: 4 },
  { name: 'IC batch identifier', offset: 16, length: 2 },
  { name: 'IC module fabricator', offset: 18, length: 2 },
  { name: 'IC module packaging date', offset: 20, length: 2, date: true },
  { name: 'ICC manufacturer', offset: 22, length: 2 },
  { name: 'IC embedding date', offset: 24, length: 2, date: true },
  { name: 'IC pre-personalizer', offset: 26, length: 2 },
  { name: 'IC pre-personalization equipment date', offset: 28, length: 2, date: true },
  { name: 'IC pre-personalization equipment ID', offset: 30, length: 4 },
  { name: 'IC personalizer', offset: 34, length: 2 },
  { name: 'IC personalization date', offset: 36, length: 2, date: true },
  { name: 'IC personalization equipment ID', offset: 38, length: 4 },
];

/** YDDD in BCD for a date (UTC). */
export function ydddDate(date: Date): Uint8Array {
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const day = Math.floor((date.getTime() - start) / 86_400_000) + 1;
  const digits = `${date.getUTCFullYear() % 10}${String(day).padStart(3, '0')}`;
  return hex(digits);
}

/** A new CPLC for an element made at `now`, with a random IC serial number and batch. */
export function generateCplc(random: (n: number) => Uint8Array, now: Date): Uint8Array {
  const d = ydddDate(now);
  const zero2 = new Uint8Array(2);
  const zero4 = new Uint8Array(4);
  const out = concat(hex('4A50'), hex('5345'), hex('4A4D'), d, hex('0100'), d, random(4), random(2), zero2, d, zero2, d, zero2, d, zero4, zero2, d, zero4);
  return out;
}

/** The key diversification data of the element: IC fabricator, IC type, IC serial number, IC batch. */
export function kddFromCplc(cplc: Uint8Array): Uint8Array {
  return concat(cplc.subarray(0, 4), cplc.subarray(12, 18));
}

/** The fields of a CPLC as hex, for people (`se status`). */
export function decodeCplc(cplc: Uint8Array): { readonly name: string; readonly value: string }[] {
  return CPLC_FIELDS.map((f) => ({ name: f.name, value: toHex(cplc.subarray(f.offset, f.offset + f.length)) }));
}
