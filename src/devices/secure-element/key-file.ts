import { fromHex, toHex } from '../../bytes/index.js';
import { scp03KeySet, type Scp03KeySet } from '../../crypto/index.js';
import { ISD_AID, SCP03_I } from './constants.js';
import { SecureElementError } from './errors.js';
import type { SeState } from './state.js';

export const KEY_FILE_FORMAT = 'jpki-mobile/se-keys/v1';

/**
 * The ISD key set as handed to the element's issuer (`se create --keys-out`, a file only its owner
 * reads): JSON with the KVN, the "i" parameter and the three keys in hex, and what identifies the
 * element (its CIN and CPLC IC serial number).
 */
export interface IsdKeyFile {
  readonly format: typeof KEY_FILE_FORMAT;
  readonly aid: string;
  readonly cin: string;
  readonly kvn: string;
  readonly i: string;
  readonly enc: string;
  readonly mac: string;
  readonly dek: string;
}

export function isdKeyFile(keys: Scp03KeySet, state: SeState): IsdKeyFile {
  return {
    format: KEY_FILE_FORMAT,
    aid: toHex(ISD_AID),
    cin: state.card.cin,
    kvn: keys.kvn.toString(16).toUpperCase().padStart(2, '0'),
    i: SCP03_I.toString(16).toUpperCase(),
    enc: toHex(keys.enc),
    mac: toHex(keys.mac),
    dek: toHex(keys.dek),
  };
}

/** Reads a key file back into a key set (`ERR_SE_KEY_FILE` when it is not one). */
export function parseIsdKeyFile(doc: unknown): Scp03KeySet {
  const bad = (why: string) => new SecureElementError('ERR_SE_KEY_FILE', `not an ISD key file: ${why}`);
  if (typeof doc !== 'object' || doc === null) throw bad('not an object');
  const d = doc as Record<string, unknown>;
  if (d.format !== KEY_FILE_FORMAT) throw bad(`format is not ${KEY_FILE_FORMAT}`);
  const hexField = (k: string) => {
    const v = d[k];
    if (typeof v !== 'string' || !/^(?:[0-9A-F]{2})+$/.test(v)) throw bad(`${k} is not uppercase hex`);
    return fromHex(v);
  };
  const kvn = hexField('kvn');
  if (kvn.length !== 1) throw bad('kvn is one byte');
  try {
    return scp03KeySet(kvn[0]!, hexField('enc'), hexField('mac'), hexField('dek'));
  } catch (err) {
    if (err instanceof SecureElementError) throw err;
    throw new SecureElementError('ERR_SE_KEY_FILE', `not an ISD key file: ${(err as Error).message}`, { cause: err });
  }
}
