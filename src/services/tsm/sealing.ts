import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { concat } from '../../bytes/index.js';
import { TsmError } from './errors.js';

const VERSION = 0x01;
const NONCE = 12;
const TAG = 16;

/**
 * Secrets at rest (ISD keys handed over by a maker, APSD key sets, the state of a running session):
 * AES-256-GCM under a key of the component that owns them, derived with HKDF-SHA-256 (RFC 5869) from
 * that component's secret and a purpose label, so one secret never keys two uses. The associated data
 * names the row the value belongs to (`sp-apsd-keys:<seId>:<kvn>`, …): a sealed value copied into
 * another row does not open there.
 *
 * Format: `01` || nonce (12) || ciphertext || tag (16).
 */
export class Sealer {
  readonly #key: Buffer;
  readonly #random: (n: number) => Uint8Array;

  constructor(secret: Uint8Array, purpose: string, random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))) {
    if (secret.length < 32) throw new TsmError('ERR_TSM_CONFIG', 'a sealing secret is at least 32 bytes');
    this.#key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), `jpki-mobile/tsm/seal/${purpose}`, 32));
    this.#random = random;
  }

  seal(plain: Uint8Array, aad: string): Uint8Array {
    const nonce = this.#random(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return concat(Uint8Array.of(VERSION), nonce, body, cipher.getAuthTag());
  }

  open(sealed: Uint8Array, aad: string): Uint8Array {
    if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION) throw new TsmError('ERR_TSM_SEALED', `sealed value for ${aad} is malformed`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(1, 1 + NONCE));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)), decipher.final()]));
    } catch (err) {
      throw new TsmError('ERR_TSM_SEALED', `sealed value for ${aad} does not open with this component's key`, { cause: err });
    }
  }

  sealJson(value: unknown, aad: string): Uint8Array {
    return this.seal(new TextEncoder().encode(JSON.stringify(value)), aad);
  }

  openJson<T>(sealed: Uint8Array, aad: string): T {
    return JSON.parse(new TextDecoder().decode(this.open(sealed, aad))) as T;
  }
}

/** A component secret from its text form (a home secret file or variable): 64 hexadecimal digits. */
export function parseComponentSecret(text: string, what: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9A-Fa-f]{64}$/.test(t)) throw new TsmError('ERR_TSM_CONFIG', `${what} must be 64 hexadecimal digits (32 bytes)`);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

/** Derives a sub-key of a component secret for a purpose other than sealing (HKDF-SHA-256). */
export function subKey(secret: Uint8Array, purpose: string, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), `jpki-mobile/tsm/${purpose}`, length));
}
