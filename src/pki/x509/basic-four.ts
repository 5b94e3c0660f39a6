import { GeneralName, GeneralNames, OtherName } from '@peculiar/asn1-x509';
import { bytesEqual } from '../../bytes/index.js';
import { decodeTlv, encodeTlv, tlv } from '../../tlv/index.js';
import { isIsoDate, jstDate, type IsoDate } from './calendar.js';
import { decodeDer, toArrayBuffer, toDer } from './der.js';
import { decodeJpkiBirthDate, encodeJpkiBirthDate } from './era.js';
import { CertificateError, type CertificateErrorCode } from './errors.js';
import {
  OID_JPKI_ADDRESS,
  OID_JPKI_ADDRESS_SUBSTITUTE_MAP,
  OID_JPKI_BIRTH_DATE,
  OID_JPKI_NAME,
  OID_JPKI_NAME_SUBSTITUTE_MAP,
  OID_JPKI_SEX,
  OID_SUBJECT_ALT_NAME,
} from './oids.js';
import { extensionOf, parseCertificate } from './parse.js';

/** 1 male, 2 female, 3 unknown (jpki-ap.md 3.2, OID 1.2.392.200149.8.5.5.3). */
export type Sex = 1 | 2 | 3;

/**
 * The basic four information (基本4情報) of the signature certificate: name, address, birth date and
 * sex, plus the substitute-character maps that mark, one `0`/`1` per character, where a character
 * outside JIS levels 1/2 was replaced.
 */
export interface BasicFour {
  /** Surname and given name separated by U+3000, e.g. `山田` U+3000 `太郎`. 1 to 100 characters. */
  readonly name: string;
  /** From the prefecture, no postcode. 1 to 200 characters. */
  readonly address: string;
  /** Gregorian `YYYY-MM-DD`; written `EYYYYMMDD` in the certificate. */
  readonly birthDate: IsoDate;
  readonly sex: Sex;
  /** One `0`/`1` per character of `name`; all `0` when absent. */
  readonly nameSubstituteMap?: string;
  /** One `0`/`1` per character of `address`; all `0` when absent. */
  readonly addressSubstituteMap?: string;
}

/** The six otherNames in the order of a real card's subjectAltName (jpki-ap.md 3.2). */
export const BASIC_FOUR_OIDS: readonly string[] = [
  OID_JPKI_NAME,
  OID_JPKI_BIRTH_DATE,
  OID_JPKI_SEX,
  OID_JPKI_ADDRESS,
  OID_JPKI_NAME_SUBSTITUTE_MAP,
  OID_JPKI_ADDRESS_SUBSTITUTE_MAP,
];

export const MAX_NAME_LENGTH = 100;
export const MAX_ADDRESS_LENGTH = 200;

export interface BasicFourProblem {
  readonly code: CertificateErrorCode;
  readonly message: string;
}

/** Characters are Unicode code points: `山田`, U+3000, `太郎` make 5, whatever its UTF-16 or UTF-8 length. */
function characters(text: string): number {
  return [...text].length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(text: unknown, max: number): boolean {
  return typeof text === 'string' && text.length > 0 && characters(text) <= max && !LONE_SURROGATE.test(text);
}

function checkMap(map: string | undefined, text: string): boolean {
  return map === undefined || (/^[01]*$/.test(map) && map.length === characters(text));
}

/**
 * Every rule the values break (empty when none). `now` enables the "birth date not in the future"
 * rule, judged on the JST calendar date of `now`.
 */
export function basicFourProblems(b: BasicFour, now?: Date): BasicFourProblem[] {
  const out: BasicFourProblem[] = [];
  const nameOk = checkText(b.name, MAX_NAME_LENGTH);
  const addressOk = checkText(b.address, MAX_ADDRESS_LENGTH);
  if (!nameOk) out.push({ code: 'ERR_BASIC_FOUR_NAME', message: `name must be 1 to ${MAX_NAME_LENGTH} characters` });
  if (!addressOk) {
    out.push({ code: 'ERR_BASIC_FOUR_ADDRESS', message: `address must be 1 to ${MAX_ADDRESS_LENGTH} characters` });
  }
  if (typeof b.birthDate !== 'string' || !isIsoDate(b.birthDate)) {
    out.push({ code: 'ERR_BASIC_FOUR_BIRTH_DATE', message: 'birth date is not a YYYY-MM-DD date' });
  } else if (now !== undefined && b.birthDate > jstDate(now)) {
    out.push({ code: 'ERR_BASIC_FOUR_BIRTH_DATE', message: 'birth date is in the future' });
  }
  if (b.sex !== 1 && b.sex !== 2 && b.sex !== 3) out.push({ code: 'ERR_BASIC_FOUR_SEX', message: 'sex must be 1, 2 or 3' });
  if ((nameOk && !checkMap(b.nameSubstituteMap, b.name)) || (addressOk && !checkMap(b.addressSubstituteMap, b.address))) {
    out.push({ code: 'ERR_BASIC_FOUR_SUBSTITUTE_MAP', message: 'a substitute map is not one 0/1 per character' });
  }
  return out;
}

/** Checks the values (see `basicFourProblems`) and fills in the all-`0` maps. */
export function validateBasicFour(b: BasicFour, now: Date): Required<BasicFour> {
  const problem = basicFourProblems(b, now)[0];
  if (problem !== undefined) throw new CertificateError(problem.code, problem.message);
  return {
    name: b.name,
    address: b.address,
    birthDate: b.birthDate,
    sex: b.sex,
    nameSubstituteMap: b.nameSubstituteMap ?? '0'.repeat(characters(b.name)),
    addressSubstituteMap: b.addressSubstituteMap ?? '0'.repeat(characters(b.address)),
  };
}

/**
 * RFC 5280 4.2.1.6:
 *
 *     OtherName ::= SEQUENCE {
 *          type-id    OBJECT IDENTIFIER,
 *          value      [0] EXPLICIT ANY DEFINED BY type-id }
 *
 * JPKI's value is a UTF8String: `A0 len 06 0A <oid> A0 len 0C len <UTF-8>`.
 */
export function basicFourOtherName(typeId: string, value: string): GeneralName {
  const utf8 = encodeTlv(tlv(0x0c, new TextEncoder().encode(value)));
  return new GeneralName({ otherName: new OtherName({ typeId, value: toArrayBuffer(utf8) }) });
}

/** DER of one otherName GeneralName. */
export function encodeBasicFourOtherName(typeId: string, value: string): Uint8Array {
  return toDer(basicFourOtherName(typeId, value));
}

/** The six otherNames of the subjectAltName, in the real card's order; validated against `now`. */
export function basicFourGeneralNames(b: BasicFour, now: Date): GeneralNames {
  const v = validateBasicFour(b, now);
  const values = [v.name, encodeJpkiBirthDate(v.birthDate), String(v.sex), v.address, v.nameSubstituteMap, v.addressSubstituteMap];
  return new GeneralNames(BASIC_FOUR_OIDS.map((oid, i) => basicFourOtherName(oid, values[i]!)));
}

function utf8Value(raw: ArrayBuffer): string {
  const bytes = new Uint8Array(raw);
  const node = decodeTlv(bytes);
  if (node.tag !== 0x0c || node.constructed || !bytesEqual(encodeTlv(node), bytes)) {
    throw new CertificateError('ERR_BASIC_FOUR_FORMAT', 'an otherName value is not a DER UTF8String');
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(node.value);
}

/**
 * The basic four information of a subjectAltName: undefined when it has no JPKI otherName; otherwise
 * it must be exactly the six otherNames, in order, with well-formed values (`ERR_BASIC_FOUR_FORMAT`).
 */
export function basicFourFromGeneralNames(generalNames: readonly GeneralName[]): BasicFour | undefined {
  const names = Array.from(generalNames);
  const jpki = names.filter((n) => n.otherName !== undefined && BASIC_FOUR_OIDS.includes(n.otherName.typeId));
  if (jpki.length === 0) return undefined;
  const shapeOk =
    names.length === BASIC_FOUR_OIDS.length && names.every((n, i) => n.otherName?.typeId === BASIC_FOUR_OIDS[i]);
  if (!shapeOk) {
    throw new CertificateError('ERR_BASIC_FOUR_FORMAT', 'subjectAltName is not exactly the six basic-four otherNames in order');
  }
  let values: string[];
  try {
    values = names.map((n) => utf8Value(n.otherName!.value));
  } catch (cause) {
    throw new CertificateError('ERR_BASIC_FOUR_FORMAT', 'an otherName value is not a DER UTF8String', { cause });
  }
  const [name, birth, sex, address, nameSubstituteMap, addressSubstituteMap] = values as [string, string, string, string, string, string];
  let birthDate: IsoDate;
  try {
    birthDate = decodeJpkiBirthDate(birth).date;
  } catch (cause) {
    throw new CertificateError('ERR_BASIC_FOUR_FORMAT', 'the birth date is not EYYYYMMDD', { cause });
  }
  const b: BasicFour = { name, address, birthDate, sex: Number(sex) as Sex, nameSubstituteMap, addressSubstituteMap };
  const problem = /^[123]$/.test(sex) ? basicFourProblems(b)[0] : { message: 'sex must be 1, 2 or 3' };
  if (problem !== undefined) throw new CertificateError('ERR_BASIC_FOUR_FORMAT', problem.message);
  return b;
}

/**
 * The basic four information of a certificate (relying parties, jpki-ap.md 5 item 7: "read basic-4 info
 * only from the sign cert SAN"): undefined when the certificate has no subjectAltName or one without
 * JPKI otherNames; `ERR_BASIC_FOUR_FORMAT` unless it is exactly the six, in order, well-formed;
 * `ERR_CERT_DER` for a certificate or extension that does not decode.
 */
export function decodeBasicFour(certificateDer: Uint8Array): BasicFour | undefined {
  const san = extensionOf(parseCertificate(certificateDer), OID_SUBJECT_ALT_NAME);
  if (san === undefined) return undefined;
  return basicFourFromGeneralNames(decodeDer(san.value, GeneralNames, 'subjectAltName'));
}
