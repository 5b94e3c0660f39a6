import { createPrivateKey, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from '../../bytes/index.js';
// calendar.js alone, not the x509 index: loading a card must not pull in the ASN.1 libraries.
import { isIsoDate, type IsoDate } from '../../pki/x509/calendar.js';
import type { BasicFour } from '../../pki/x509/index.js';
import { isLongFormCertificate } from '../applets/jpki/certificate-file.js';
import { parsePinRecord, type PinRecord } from '../applets/jpki/pin-record.js';
import { BINARY_FIDS, EF, JPKI_AID, KEY_FIDS, PIN_FIDS, type BinaryFid, type KeyFid, type PinFid } from '../applets/jpki/constants.js';
import { IdCardError } from './errors.js';

export { isLongFormCertificate, type PinRecord };

export const ID_CARD_FORMAT = 'jpki-mobile/id-card/v1';

/**
 * The JPKI-AP files, by file identifier as in a personalisation profile: transparent EFs as hex,
 * private keys as PKCS#8 PEM, PINs as salted hashes with their counters.
 */
export type JpkiFiles = { readonly [F in BinaryFid]: string } & { readonly [F in KeyFid]: string } & { readonly [F in PinFid]: PinRecord };

/** Who the card belongs to, as the municipal office and the certification service know it. */
export interface CardHolder {
  /** The person at the certification service. */
  readonly personId: string;
  /** The card's issuance record at the certification service (new with each renewal). */
  readonly cardId: string;
  /** Last day of the card's validity. */
  readonly cardExpiry: IsoDate;
  /** The basic four information as certified in the signature certificate. */
  readonly person: BasicFour;
  /** When the card was issued and the certificates last renewed (ISO 8601). */
  readonly issuedAt: string;
  readonly renewedAt?: string;
}

/**
 * The whole non-volatile state of an Individual Number Card: one JSON document (AusweisApp's
 * simulator personalises a card the same way, file identifiers with hex content).
 */
export interface IdCardState {
  readonly format: typeof ID_CARD_FORMAT;
  /** ATR in hex. */
  readonly atr: string;
  readonly holder: CardHolder;
  readonly jpki: {
    /** DF name in hex. */
    readonly aid: string;
    readonly files: JpkiFiles;
  };
}

function bad(message: string): IdCardError {
  return new IdCardError('ERR_ID_CARD_STATE', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexField(o: Record<string, unknown>, key: string, where: string, length?: number): string {
  const v = o[key];
  if (typeof v !== 'string' || !/^(?:[0-9A-F]{2})+$/.test(v)) throw bad(`${where}.${key} is not uppercase hex`);
  if (length !== undefined && v.length !== 2 * length) throw bad(`${where}.${key} is not ${length} bytes`);
  return v;
}

function stringField(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw bad(`${where}.${key} is missing`);
  return v;
}

/** An RSA-2048 private key from the card file. */
export function privateKeyOf(pem: string, where = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new IdCardError('ERR_ID_CARD_STATE', `${where} is not a PKCS#8 PEM private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== 2048) throw bad(`${where} is not an RSA-2048 key`);
  return key;
}

/**
 * Checks a document read from a card file and returns it typed: every EF present and well-formed,
 * certificates in the `30 82` form OpenSC reads, keys that load, counters within their maxima.
 * `ERR_ID_CARD_STATE` names the first problem.
 */
export function parseIdCardState(doc: unknown): IdCardState {
  if (!isObject(doc) || doc.format !== ID_CARD_FORMAT) throw bad(`not an Individual Number Card document (format ${ID_CARD_FORMAT})`);
  const atr = hexField(doc, 'atr', 'card');
  if (atr.length < 4 || atr.length > 66) throw bad('card.atr is not 2..33 bytes');
  const h = doc.holder;
  if (!isObject(h)) throw bad('card.holder is missing');
  const p = h.person;
  if (!isObject(p) || typeof p.name !== 'string' || typeof p.address !== 'string' || typeof p.birthDate !== 'string' || !isIsoDate(p.birthDate) || ![1, 2, 3].includes(p.sex as number)) {
    throw bad('holder.person is not the basic four information');
  }
  const cardExpiry = stringField(h, 'cardExpiry', 'holder');
  if (!isIsoDate(cardExpiry)) throw bad('holder.cardExpiry is not YYYY-MM-DD');
  const holder: CardHolder = {
    personId: stringField(h, 'personId', 'holder'),
    cardId: stringField(h, 'cardId', 'holder'),
    cardExpiry,
    person: {
      name: p.name,
      address: p.address,
      birthDate: p.birthDate,
      sex: p.sex as 1 | 2 | 3,
      ...(typeof p.nameSubstituteMap === 'string' ? { nameSubstituteMap: p.nameSubstituteMap } : {}),
      ...(typeof p.addressSubstituteMap === 'string' ? { addressSubstituteMap: p.addressSubstituteMap } : {}),
    },
    issuedAt: stringField(h, 'issuedAt', 'holder'),
    ...(typeof h.renewedAt === 'string' ? { renewedAt: h.renewedAt } : {}),
  };
  const j = doc.jpki;
  if (!isObject(j) || !isObject(j.files)) throw bad('card.jpki is missing');
  if (j.aid !== toHex(JPKI_AID)) throw bad(`jpki.aid must be ${toHex(JPKI_AID)}`);
  const f = j.files;
  const files: Record<string, unknown> = {};
  for (const fid of BINARY_FIDS) {
    const content = hexField(f, fid, 'jpki.files');
    const isCert = fid === EF.SIGN_CERT || fid === EF.SIGN_CA_CERT || fid === EF.AUTH_CERT || fid === EF.AUTH_CA_CERT;
    if (isCert && !isLongFormCertificate(fromHex(content))) throw bad(`jpki.files.${fid} is not a DER certificate of 256..65539 bytes with a 30 82 header`);
    files[fid] = content;
  }
  for (const fid of KEY_FIDS) {
    const pem = stringField(f, fid, 'jpki.files');
    privateKeyOf(pem, `jpki.files.${fid}`);
    files[fid] = pem;
  }
  for (const fid of PIN_FIDS) files[fid] = parsePinRecord(f[fid], fid, `jpki.files.${fid}`, bad);
  const known = new Set<string>([...BINARY_FIDS, ...KEY_FIDS, ...PIN_FIDS]);
  const unknown = Object.keys(f).filter((k) => !known.has(k));
  if (unknown.length > 0) throw bad(`jpki.files has unknown file(s) ${unknown.join(', ')}`);
  return { format: ID_CARD_FORMAT, atr, holder, jpki: { aid: toHex(JPKI_AID), files: files as JpkiFiles } };
}
