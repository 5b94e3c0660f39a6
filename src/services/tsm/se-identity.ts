import { concat, toHex } from '../../bytes/index.js';
import { CPLC_FIELDS, CPLC_LENGTH } from '../../devices/secure-element/index.js';
import { TsmError } from './errors.js';

/**
 * The identity of a secure element, taken from its Card Production Life Cycle data (GET DATA '9F7F' on
 * the ISD; 42 bytes, Visa GP Card Implementation Requirements layout, see the element's cplc.ts): IC
 * fabricator, IC type, IC serial number and IC batch identifier name one chip. The SEI-TSM keys its
 * registry by it; the phone's app reads the CPLC through OMAPI and gives it at registration.
 *
 * - `seId` (the text every service uses, also in the CA's issuance application and certificate
 *   records): `<fabricator><type>-<serial>-<batch>` in uppercase hex, e.g. `4A505345-1A2B3C4D-5E6F`.
 * - `kdd` (10 bytes): fabricator || type || serial || batch, the element's key diversification data,
 *   and the context of the SEI's ISD key derivation (sei/isd-keys.ts).
 */
export interface SeIdentity {
  readonly seId: string;
  readonly kdd: Uint8Array;
  readonly cplc: Uint8Array;
}

const SE_ID = /^[0-9A-F]{8}-[0-9A-F]{8}-[0-9A-F]{4}$/;

function field(cplc: Uint8Array, name: string): Uint8Array {
  const f = CPLC_FIELDS.find((x) => x.name === name)!;
  return cplc.subarray(f.offset, f.offset + f.length);
}

/** `ERR_TSM_CPLC` unless `cplc` is 42 bytes (a '9F7F' wrapper around it is accepted and removed). */
export function identityFromCplc(input: Uint8Array): SeIdentity {
  let cplc = input;
  if (cplc.length === CPLC_LENGTH + 3 && cplc[0] === 0x9f && cplc[1] === 0x7f && cplc[2] === CPLC_LENGTH) cplc = cplc.subarray(3);
  if (cplc.length !== CPLC_LENGTH) throw new TsmError('ERR_TSM_CPLC', `CPLC data is ${CPLC_LENGTH} bytes, got ${cplc.length}`);
  const fab = field(cplc, 'IC fabricator');
  const type = field(cplc, 'IC type');
  const serial = field(cplc, 'IC serial number');
  const batch = field(cplc, 'IC batch identifier');
  if (serial.every((b) => b === 0)) throw new TsmError('ERR_TSM_CPLC', 'the IC serial number is all zeros: not a personalised chip');
  return {
    seId: `${toHex(fab)}${toHex(type)}-${toHex(serial)}-${toHex(batch)}`,
    kdd: concat(fab, type, serial, batch),
    cplc: new Uint8Array(cplc),
  };
}

export function isSeId(value: string): boolean {
  return SE_ID.test(value);
}
