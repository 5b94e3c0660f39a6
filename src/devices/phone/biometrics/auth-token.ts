import { createHmac } from 'node:crypto';
import { constantTimeEqual, fromHex } from '../../../bytes/index.js';

/**
 * Proof of a successful user authentication, as the sensor hands it to the keystore (after Android's
 * `HardwareAuthToken`, hardware/interfaces/keymaster 4.0 `HardwareAuthToken`: challenge, authenticator
 * id, authenticator type, timestamp, HMAC). The HMAC key is shared by the sensor and the keystore
 * and made fresh at every boot, so a token cannot be forged by whoever calls `Keystore.addAuthToken`,
 * and no token outlives a restart.
 */
export interface AuthToken {
  /** The keystore operation the user authorised (16 hex digits), `undefined` for a time-bound authentication. */
  readonly challenge: string | undefined;
  /** The enrolment generation the finger belonged to (16 hex digits). */
  readonly authenticatorId: string;
  /** When, in milliseconds of the phone's clock. */
  readonly timestamp: number;
  /** HMAC-SHA256 over the fields above. */
  readonly mac: Uint8Array;
}

/** Authenticator type of the token: fingerprint (keymaster `HardwareAuthenticatorType.FINGERPRINT` = 2). */
const FINGERPRINT = 2;
const VERSION = 0;

function macInput(token: Omit<AuthToken, 'mac'>): Uint8Array {
  // version (1) || challenge (8) || authenticator id (8) || type (4, BE) || timestamp (8, BE)
  const out = new Uint8Array(29);
  out[0] = VERSION;
  if (token.challenge !== undefined) out.set(fromHex(token.challenge), 1);
  out.set(fromHex(token.authenticatorId), 9);
  new DataView(out.buffer).setUint32(17, FINGERPRINT);
  new DataView(out.buffer).setBigUint64(21, BigInt(token.timestamp));
  return out;
}

export function signAuthToken(key: Uint8Array, fields: Omit<AuthToken, 'mac'>): AuthToken {
  return { ...fields, mac: new Uint8Array(createHmac('sha256', key).update(macInput(fields)).digest()) };
}

/** True when the token's HMAC is right (compared in constant time). Malformed fields are false. */
export function verifyAuthToken(key: Uint8Array, token: AuthToken): boolean {
  const hex16 = /^[0-9A-F]{16}$/;
  if (!hex16.test(token.authenticatorId) || (token.challenge !== undefined && !hex16.test(token.challenge))) return false;
  if (!Number.isSafeInteger(token.timestamp) || token.timestamp < 0 || !(token.mac instanceof Uint8Array)) return false;
  const expected = new Uint8Array(createHmac('sha256', key).update(macInput(token)).digest());
  return constantTimeEqual(expected, token.mac);
}
