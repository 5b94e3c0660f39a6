import { createPrivateKey, type KeyObject } from 'node:crypto';
import { fromHex } from '../../../bytes/index.js';
import { isLongFormCertificate } from './certificate-file.js';
import { CERTIFICATE_FIDS, KEY_FIDS, PIN_FIDS, type CertificateFid, type KeyFid, type PinFid } from './constants.js';
import { JpkiAppletError } from './errors.js';
import { MAX_CERTIFICATE_LENGTH } from './management-format.js';
import { parsePinRecord, type PinRecord } from './pin-record.js';

export const JPKI_APPLET_FORMAT = 'jpki-mobile/jpki-applet/v1';

/** A key EF: the private key (PKCS#8 DER, uppercase hex), or the mark that it was destroyed on revocation. */
export type KeyEntry = { readonly pkcs8: string } | { readonly revoked: true };

/**
 * The persistent data of one JPKI applet instance, kept by the secure element in its state document
 * and changed only through `SeAppletHost.update`. An EF absent from its map holds nothing yet; EF 0006
 * and EF 0008 are not stored, the applet derives them (token label, serial, which certificates are usable).
 */
export interface JpkiAppletData {
  readonly format: typeof JPKI_APPLET_FORMAT;
  /** The token serial number shown in EF 0006: 16 uppercase hex digits, drawn at the first key generation. */
  readonly serial?: string;
  readonly keys: { readonly [F in KeyFid]?: KeyEntry };
  /** Certificates, DER in uppercase hex. */
  readonly certificates: { readonly [F in CertificateFid]?: string };
  /** PIN and password: salted scrypt hashes with their counters (never the values). */
  readonly pins: { readonly [F in PinFid]?: PinRecord };
}

/** A draft of the data inside `SeAppletHost.update`. */
export type JpkiAppletDraft = {
  format: typeof JPKI_APPLET_FORMAT;
  serial?: string;
  keys: { [F in KeyFid]?: KeyEntry };
  certificates: { [F in CertificateFid]?: string };
  pins: { [F in PinFid]?: PinRecord };
};

/** The data of a new instance (INSTALL [for install]) and of a wiped one. */
export function emptyAppletData(): JpkiAppletData {
  return { format: JPKI_APPLET_FORMAT, keys: {}, certificates: {}, pins: {} };
}

function bad(message: string): JpkiAppletError {
  return new JpkiAppletError('ERR_JPKI_APPLET_DATA', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw bad(`${where} has unknown member(s) ${unknown.join(', ')}`);
}

function isHex(v: unknown): v is string {
  return typeof v === 'string' && /^(?:[0-9A-F]{2})+$/.test(v);
}

/** An RSA-2048 private key from PKCS#8 DER in hex (`ERR_JPKI_APPLET_DATA` otherwise). */
export function privateKeyFromPkcs8(hexDer: string, where = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(fromHex(hexDer)), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new JpkiAppletError('ERR_JPKI_APPLET_DATA', `${where} is not a PKCS#8 private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== 2048) throw bad(`${where} is not an RSA-2048 key`);
  return key;
}

/**
 * Checks the data the element hands an instance (its state document may have been edited or
 * damaged): the format, keys that load as RSA-2048, certificates in the `30 82` form OpenSC reads,
 * PIN records with bounded cost and counters, nothing unknown. `ERR_JPKI_APPLET_DATA` names the
 * first problem.
 */
export function parseAppletData(doc: unknown): JpkiAppletData {
  if (!isObject(doc) || doc.format !== JPKI_APPLET_FORMAT) throw bad(`not a JPKI applet document (format ${JPKI_APPLET_FORMAT})`);
  onlyKeys(doc, ['format', 'serial', 'keys', 'certificates', 'pins'], 'data');
  if (doc.serial !== undefined && !(isHex(doc.serial) && doc.serial.length === 16)) throw bad('data.serial is not 8 bytes of uppercase hex');
  const { keys, certificates, pins } = doc;
  if (!isObject(keys) || !isObject(certificates) || !isObject(pins)) throw bad('data.keys, data.certificates and data.pins must be objects');
  onlyKeys(keys, KEY_FIDS, 'data.keys');
  onlyKeys(certificates, CERTIFICATE_FIDS, 'data.certificates');
  onlyKeys(pins, PIN_FIDS, 'data.pins');
  const out: JpkiAppletDraft = { format: JPKI_APPLET_FORMAT, keys: {}, certificates: {}, pins: {} };
  if (doc.serial !== undefined) out.serial = doc.serial as string;
  for (const fid of KEY_FIDS) {
    const entry = keys[fid];
    if (entry === undefined) continue;
    if (isObject(entry) && entry.revoked === true && Object.keys(entry).length === 1) out.keys[fid] = { revoked: true };
    else if (isObject(entry) && isHex(entry.pkcs8) && Object.keys(entry).length === 1) {
      privateKeyFromPkcs8(entry.pkcs8, `data.keys.${fid}`);
      out.keys[fid] = { pkcs8: entry.pkcs8 };
    } else throw bad(`data.keys.${fid} is neither { pkcs8 } nor { revoked: true }`);
  }
  for (const fid of CERTIFICATE_FIDS) {
    const der = certificates[fid];
    if (der === undefined) continue;
    if (!isHex(der) || der.length > 2 * MAX_CERTIFICATE_LENGTH || !isLongFormCertificate(fromHex(der))) {
      throw bad(`data.certificates.${fid} is not a DER certificate of 256..${MAX_CERTIFICATE_LENGTH} bytes with a 30 82 header`);
    }
    out.certificates[fid] = der;
  }
  for (const fid of PIN_FIDS) {
    if (pins[fid] !== undefined) out.pins[fid] = parsePinRecord(pins[fid], fid, `data.pins.${fid}`, bad);
  }
  return out;
}
