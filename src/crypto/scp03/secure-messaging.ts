import type { CommandApdu, ResponseApdu } from '../../apdu/index.js';
import { hasSecureMessaging, withSecureMessaging } from '../../apdu/index.js';

import { constantTimeEqual } from '../../bytes/index.js';
import { aesCbcDecrypt, aesCbcEncrypt, aesEncryptBlock } from '../aes.js';
import { AesCmac } from '../cmac.js';
import { CryptoError } from '../errors.js';
import { padIso9797M2, unpadIso9797M2 } from '../padding.js';
import { Scp03Error } from './errors.js';
import type { Scp03SessionKeys } from './keys.js';
import { LevelBit, type SecurityLevel } from './security-level.js';

/** Length of the C-MAC and R-MAC appended to APDUs (Amendment D 6.2.4, 6.2.5). */
export const MAC_LENGTH = 8;

const SECURITY_STATUS_NOT_SATISFIED = 0x6982;

/**
 * The state of an open secure channel session, identical in structure on both sides: the session
 * keys, the security level set by EXTERNAL AUTHENTICATE, the MAC chaining value and the encryption
 * counter. All mutation happens in the four functions below, in the order Amendment D fixes.
 */
export class SecureMessaging {
  readonly level: SecurityLevel;
  readonly keys: Scp03SessionKeys;
  /** The last full 16-byte C-MAC (Amendment D 6.2.3); starts as the C-MAC of EXTERNAL AUTHENTICATE. */
  chaining: Uint8Array;
  /** The encryption counter of the last command (Amendment D 6.2.6); 0 right after EXTERNAL AUTHENTICATE. */
  counter = 0;
  readonly #mac: AesCmac;
  readonly #rmac: AesCmac;

  constructor(keys: Scp03SessionKeys, level: SecurityLevel, chaining: Uint8Array) {
    this.keys = keys;
    this.level = level;
    this.chaining = new Uint8Array(chaining);
    this.#mac = new AesCmac(keys.sMac);
    this.#rmac = new AesCmac(keys.sRmac);
  }

  /** CMAC under S-MAC, for the C-MAC. */
  cmac(...parts: Uint8Array[]): Uint8Array {
    return this.#mac.mac(...parts);
  }

  /** CMAC under S-RMAC, for the R-MAC. */
  rcmac(...parts: Uint8Array[]): Uint8Array {
    return this.#rmac.mac(...parts);
  }

  has(bit: number): boolean {
    return (this.level & bit) !== 0;
  }
}

/**
 * The class byte as it enters the C-MAC (Amendment D 6.2.4, GP Card Spec 11.1.4): the logical channel
 * number is not MAC-protected, so it is cleared, and the secure-messaging indication b3 is set. Command
 * chaining (b5) and the class kind (b8) stay.
 */
export function macCla(cla: number): number {
  return (cla & 0x90) | 0x04;
}

/**
 * The class byte on the wire of a protected command: GP Card Spec 11.1.4 marks GlobalPlatform secure
 * messaging with b3 (`04`) in the first coding, for proprietary and ISO classes alike (`80` → `84`,
 * `00` → `04`), and with b6 (`20`) in the further coding of channels 4..19 (`C1` → `E1`).
 */
export function secureMessagingCla(cla: number): number {
  return cla & 0x40 ? cla | 0x20 : cla | 0x04;
}

/** The Lc field as it enters the C-MAC: one byte, or `00 HH LL` for an extended command. */
function lcField(length: number, extended: boolean): Uint8Array {
  return extended ? Uint8Array.of(0, length >>> 8, length & 0xff) : Uint8Array.of(length);
}

function needsExtended(dataLength: number, ne: number | undefined, forced: boolean | undefined): boolean {
  return forced === true || dataLength > 255 || (ne ?? 0) > 256;
}

/** The counter block (Amendment D 6.2.6): the counter, big-endian, left-padded with zeros to 16 bytes. */
function counterBlock(counter: number, firstByte?: number): Uint8Array {
  const block = new Uint8Array(16);
  let c = counter;
  for (let i = 15; i >= 0 && c > 0; i--) {
    block[i] = c % 256;
    c = Math.floor(c / 256);
  }
  if (firstByte !== undefined) block[0] = firstByte;
  return block;
}

function commandIcv(sm: SecureMessaging): Uint8Array {
  return aesEncryptBlock(sm.keys.sEnc, counterBlock(sm.counter));
}

/** Response ICV (Amendment D 6.2.7): the command's counter block with its first byte set to `80`. */
function responseIcv(sm: SecureMessaging): Uint8Array {
  return aesEncryptBlock(sm.keys.sEnc, counterBlock(sm.counter, 0x80));
}

/**
 * Host side: protects one command (Amendment D 6.2.4 and 6.2.6). Increment the counter (for every
 * command, with or without data); if C-DECRYPTION is on and there is data, pad and encrypt it under an
 * ICV of E(S-ENC, counter); then C-MAC over chaining value || CLA' INS P1 P2 || Lc' || data, where Lc'
 * counts the MAC; the full CMAC becomes the new chaining value. Le is not MACed and stays as it was.
 */
export function protectCommand(sm: SecureMessaging, plain: CommandApdu): CommandApdu {
  if (!sm.has(LevelBit.C_MAC)) return plain;
  sm.counter++;
  let data = plain.data;
  if (sm.has(LevelBit.C_DECRYPTION) && data.length > 0) {
    data = aesCbcEncrypt(sm.keys.sEnc, commandIcv(sm), padIso9797M2(data));
  }
  const lc = data.length + MAC_LENGTH;
  const extended = needsExtended(lc, plain.ne, plain.extended);
  const header = Uint8Array.of(macCla(plain.cla), plain.ins, plain.p1, plain.p2);
  const mac = sm.cmac(sm.chaining, header, lcField(lc, extended), data);
  sm.chaining = mac;
  const wire = new Uint8Array(lc);
  wire.set(data);
  wire.set(mac.subarray(0, MAC_LENGTH), data.length);
  return { ...plain, cla: secureMessagingCla(plain.cla), data: wire, extended };
}

function securityError(code: 'ERR_SCP03_C_MAC' | 'ERR_SCP03_INSUFFICIENT_PROTECTION' | 'ERR_SCP03_PADDING', message: string, cause?: unknown): Scp03Error {
  return new Scp03Error(code, message, { sw: SECURITY_STATUS_NOT_SATISFIED, cause });
}

/**
 * Card side: checks and removes the protection of one command at the current level (Amendment D 5.6,
 * 6.2.4, 6.2.6). A command with less protection than the level, a wrong C-MAC or a decryption that
 * does not unpad is a security error (`6982`); the caller aborts the session. Without C-DECRYPTION the
 * returned data is a view into the wire command's data (no copy).
 */
export function verifyCommand(sm: SecureMessaging, wire: CommandApdu): CommandApdu {
  if (!sm.has(LevelBit.C_MAC)) return wire;
  if (!hasSecureMessaging(wire.cla) || wire.data.length < MAC_LENGTH) {
    throw securityError('ERR_SCP03_INSUFFICIENT_PROTECTION', 'the session requires a C-MAC and the command carries none');
  }
  const body = wire.data.subarray(0, wire.data.length - MAC_LENGTH);
  const received = wire.data.subarray(wire.data.length - MAC_LENGTH);
  const header = Uint8Array.of(macCla(wire.cla), wire.ins, wire.p1, wire.p2);
  const extended = needsExtended(wire.data.length, wire.ne, wire.extended);
  const mac = sm.cmac(sm.chaining, header, lcField(wire.data.length, extended), body);
  if (!constantTimeEqual(mac.subarray(0, MAC_LENGTH), received)) {
    throw securityError('ERR_SCP03_C_MAC', 'the C-MAC of the command does not verify');
  }
  sm.chaining = mac;
  sm.counter++;
  let data: Uint8Array = body;
  if (sm.has(LevelBit.C_DECRYPTION) && body.length > 0) {
    if (body.length % 16 !== 0) {
      throw securityError('ERR_SCP03_INSUFFICIENT_PROTECTION', 'the session requires C-DECRYPTION and the data field is not encrypted');
    }
    try {
      data = unpadIso9797M2(aesCbcDecrypt(sm.keys.sEnc, commandIcv(sm), body));
    } catch (err) {
      if (err instanceof CryptoError) throw securityError('ERR_SCP03_PADDING', 'the decrypted command data is not padded 80 00..00', err);
      throw err;
    }
  }
  return {
    cla: withSecureMessaging(wire.cla, false),
    ins: wire.ins,
    p1: wire.p1,
    p2: wire.p2,
    data,
    ne: wire.ne,
    extended: needsExtended(data.length, wire.ne, false),
  };
}

/**
 * Whether a response is protected: Amendment D 6.2.5 sends no R-MAC (and no data) with an error
 * status, i.e. anything but `9000`, `62xx` and `63xx`.
 */
export function isProtectedStatus(sw: number): boolean {
  const sw1 = sw >>> 8;
  return sw === 0x9000 || sw1 === 0x62 || sw1 === 0x63;
}

/**
 * Card side: protects one response (Amendment D 6.2.5, 6.2.7). With R-ENCRYPTION and data, pad and
 * encrypt under E(S-ENC, `80` || counter block[1..]); then R-MAC = first 8 bytes of CMAC(S-RMAC,
 * chaining value || data || SW1 SW2). The chaining value is not advanced by the R-MAC.
 */
export function protectResponse(sm: SecureMessaging, plain: ResponseApdu): ResponseApdu {
  if (!sm.has(LevelBit.R_MAC)) return plain;
  if (!isProtectedStatus(plain.sw)) return { data: new Uint8Array(0), sw: plain.sw };
  let data = plain.data;
  if (sm.has(LevelBit.R_ENCRYPTION) && data.length > 0) {
    data = aesCbcEncrypt(sm.keys.sEnc, responseIcv(sm), padIso9797M2(data));
  }
  const rmac = sm.rcmac(sm.chaining, data, Uint8Array.of(plain.sw >>> 8, plain.sw & 0xff));
  const out = new Uint8Array(data.length + MAC_LENGTH);
  out.set(data);
  out.set(rmac.subarray(0, MAC_LENGTH), data.length);
  return { data: out, sw: plain.sw };
}

/** Host side: checks the R-MAC and removes R-ENCRYPTION from one response. */
export function verifyResponse(sm: SecureMessaging, wire: ResponseApdu): ResponseApdu {
  if (!sm.has(LevelBit.R_MAC) || !isProtectedStatus(wire.sw)) return wire;
  if (wire.data.length < MAC_LENGTH) {
    throw new Scp03Error('ERR_SCP03_RESPONSE_FORMAT', `a response at this level carries an R-MAC, and ${wire.data.length} byte(s) cannot`, { sw: wire.sw });
  }
  const body = wire.data.subarray(0, wire.data.length - MAC_LENGTH);
  const received = wire.data.subarray(wire.data.length - MAC_LENGTH);
  const rmac = sm.rcmac(sm.chaining, body, Uint8Array.of(wire.sw >>> 8, wire.sw & 0xff));
  if (!constantTimeEqual(rmac.subarray(0, MAC_LENGTH), received)) {
    throw new Scp03Error('ERR_SCP03_R_MAC', 'the R-MAC of the response does not verify', { sw: wire.sw });
  }
  if (!sm.has(LevelBit.R_ENCRYPTION) || body.length === 0) return { data: new Uint8Array(body), sw: wire.sw };
  if (body.length % 16 !== 0) {
    throw new Scp03Error('ERR_SCP03_RESPONSE_FORMAT', 'the encrypted response data is not a whole number of blocks', { sw: wire.sw });
  }
  try {
    return { data: new Uint8Array(unpadIso9797M2(aesCbcDecrypt(sm.keys.sEnc, responseIcv(sm), body))), sw: wire.sw };
  } catch (err) {
    if (err instanceof CryptoError) throw new Scp03Error('ERR_SCP03_PADDING', 'the decrypted response data is not padded 80 00..00', { sw: wire.sw, cause: err });
    throw err;
  }
}
