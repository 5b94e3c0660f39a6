import { command, encodeCommand, expectSuccess, parseResponse, StatusWordError, triesLeft as triesOf, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { concat } from '../../bytes/index.js';
import type { ApduTransport } from '../port.js';
import { CERTIFICATE_EF, JPKI_AID, KEY_EF, SECRET_EF, TOKEN_INFO_EF, type CertificateName, type KeyName, type SecretName } from './constants.js';
import { sha256DigestInfo } from './digest-info.js';
import { JpkiApError } from './errors.js';

/*
 * The JPKI-AP seen from the host (jpki-ap.md 1.2, the same APDUs OpenSC and jpki/myna send):
 *   SELECT AP        00 A4 04 0C 0A D392F000260100000001
 *   SELECT EF        00 A4 02 0C 02 FID
 *   READ BINARY      00 B0 P1P2=offset(15 bit) Le
 *   VERIFY (query)   00 20 00 80               -> 63CX tries left
 *   VERIFY           00 20 00 80 Lc ASCII      -> 9000 | 63CX | 6984 blocked
 *   CHANGE REF DATA  00 24 01 80 Lc ASCII      (after VERIFY on the same EF)
 *   SIGN             80 2A 00 80 Lc DigestInfo 00 on the selected key EF -> 256-byte signature
 * Selecting the AP again clears verification, so the client selects it once per card session and
 * only moves between EFs afterwards.
 */

const SW_BLOCKED = [0x6984, 0x6983];
const PIN_RE = /^[0-9]{4}$/;
const PASSWORD_RE = /^[A-Z0-9]{6,16}$/;
/** Largest offset READ BINARY can address with P1 bit 8 clear. */
const MAX_OFFSET = 0x7fff;

/** Checks and encodes a PIN or password; the password is upper-cased first (as jpki/myna does). */
export function encodeSecret(which: SecretName, value: string): Uint8Array {
  const v = which === 'password' ? value.toUpperCase() : value;
  if (!(which === 'pin' ? PIN_RE : PASSWORD_RE).test(v)) {
    throw new JpkiApError('ERR_JPKI_AP_PIN_FORMAT', which === 'pin' ? 'the PIN is 4 digits' : 'the password is 6 to 16 of A-Z and 0-9');
  }
  return new TextEncoder().encode(v);
}

/** The JPKI application over any `ApduTransport` (a PC/SC reader, an in-process card, a phone). */
export class JpkiApClient {
  readonly #transport: ApduTransport;
  #apSelected = false;

  constructor(transport: ApduTransport) {
    this.#transport = transport;
  }

  async #exchange(cmd: CommandApdu): Promise<ResponseApdu> {
    return parseResponse(await this.#transport.transmit(encodeCommand(cmd)));
  }

  /** Selects the JPKI-AP (clearing any verification); later calls select it again only after `forgetSession`. */
  async selectAp(): Promise<void> {
    expectSuccess(await this.#exchange(command(0x00, 0xa4, 0x04, 0x0c, JPKI_AID)));
    this.#apSelected = true;
  }

  /** Call after the card was reset or re-inserted: the next operation selects the AP again. */
  forgetSession(): void {
    this.#apSelected = false;
  }

  async #ensureAp(): Promise<void> {
    if (!this.#apSelected) await this.selectAp();
  }

  async #selectEf(fid: number): Promise<void> {
    await this.#ensureAp();
    expectSuccess(await this.#exchange(command(0x00, 0xa4, 0x02, 0x0c, Uint8Array.of(fid >> 8, fid & 0xff))));
  }

  async #readBinary(offset: number, ne: number): Promise<Uint8Array> {
    return expectSuccess(await this.#exchange(command(0x00, 0xb0, offset >> 8, offset & 0xff, undefined, ne)));
  }

  /** The token label of EF 0006 (`JPKIAPICCTOKEN2` on an Individual Number Card). */
  async tokenLabel(): Promise<string> {
    await this.#selectEf(TOKEN_INFO_EF);
    const raw = await this.#readBinary(0, 32);
    return new TextDecoder('ascii').decode(raw).replace(/[ \0]+$/, '');
  }

  /**
   * A certificate, DER. The header read (4 bytes, `30 82 LL LL`) gives the size, as OpenSC does; the
   * rest comes in 256-byte chunks. `sign` needs `verify('password')` first, else `StatusWordError` 6982.
   */
  async readCertificate(which: CertificateName): Promise<Uint8Array> {
    await this.#selectEf(CERTIFICATE_EF[which]);
    const header = await this.#readBinary(0, 4);
    if (header.length !== 4 || header[0] !== 0x30 || header[1] !== 0x82) {
      throw new JpkiApError('ERR_JPKI_AP_CERTIFICATE_FORMAT', `EF ${which} does not start with 30 82 LL LL`);
    }
    const size = 4 + ((header[2]! << 8) | header[3]!);
    const parts: Uint8Array[] = [header];
    let offset = 4;
    while (offset < size) {
      if (offset > MAX_OFFSET) throw new JpkiApError('ERR_JPKI_AP_CERTIFICATE_FORMAT', `EF ${which} is larger than READ BINARY can address`);
      const chunk = await this.#readBinary(offset, Math.min(256, size - offset));
      if (chunk.length === 0) throw new JpkiApError('ERR_JPKI_AP_CERTIFICATE_FORMAT', `EF ${which} ends at ${offset} of ${size} bytes`);
      parts.push(chunk);
      offset += chunk.length;
    }
    return concat(...parts).subarray(0, size);
  }

  /**
   * Tries left for the PIN or password (VERIFY without data): X of `63CX`, 0 when blocked (`6984`),
   * `undefined` when the card answers `9000` (already verified in this session).
   */
  async triesLeft(which: SecretName): Promise<number | undefined> {
    await this.#selectEf(SECRET_EF[which]);
    const r = await this.#exchange(command(0x00, 0x20, 0x00, 0x80));
    if (r.sw === 0x9000) return undefined;
    const x = triesOf(r.sw);
    if (x !== undefined) return x;
    if (SW_BLOCKED.includes(r.sw)) return 0;
    throw new StatusWordError(r.sw);
  }

  /**
   * VERIFY the PIN (`pin`, EF 0018) or the signature password (`password`, EF 001B). Resolves on
   * `9000`; a wrong value throws `ERR_JPKI_AP_PIN_INCORRECT` with `triesLeft`, a blocked one
   * `ERR_JPKI_AP_PIN_BLOCKED`. A malformed value is refused here and costs no try.
   */
  async verify(which: SecretName, value: string): Promise<void> {
    const data = encodeSecret(which, value);
    await this.#selectEf(SECRET_EF[which]);
    const r = await this.#exchange(command(0x00, 0x20, 0x00, 0x80, data));
    data.fill(0);
    if (r.sw === 0x9000) return;
    const x = triesOf(r.sw);
    if (x !== undefined) {
      throw new JpkiApError('ERR_JPKI_AP_PIN_INCORRECT', `wrong ${which === 'pin' ? 'PIN' : 'password'}: ${x} ${x === 1 ? 'try' : 'tries'} left`, { sw: r.sw, triesLeft: x });
    }
    if (SW_BLOCKED.includes(r.sw)) {
      throw new JpkiApError('ERR_JPKI_AP_PIN_BLOCKED', `the ${which === 'pin' ? 'PIN' : 'password'} is blocked`, { sw: r.sw, triesLeft: 0 });
    }
    throw new StatusWordError(r.sw);
  }

  /** CHANGE REFERENCE DATA with the new value only (P1 01), right after a successful `verify` of the same secret. */
  async change(which: SecretName, newValue: string): Promise<void> {
    const data = encodeSecret(which, newValue);
    await this.#selectEf(SECRET_EF[which]);
    const r = await this.#exchange(command(0x00, 0x24, 0x01, 0x80, data));
    data.fill(0);
    expectSuccess(r);
  }

  /**
   * Signs a DigestInfo (1..245 bytes) with the user-authentication key (after the PIN) or the signature
   * key (after the password); the card pads it (PKCS#1 v1.5 type 1) and returns the RSA signature.
   */
  async sign(key: KeyName, digestInfo: Uint8Array): Promise<Uint8Array> {
    if (digestInfo.length < 1 || digestInfo.length > 245) {
      throw new JpkiApError('ERR_JPKI_AP_SIGN_INPUT', `the card signs 1..245 bytes, not ${digestInfo.length}`);
    }
    await this.#selectEf(KEY_EF[key]);
    return expectSuccess(await this.#exchange(command(0x80, 0x2a, 0x00, 0x80, digestInfo, 256)));
  }

  /** RSASSA-PKCS1-v1_5 with SHA-256 over `data` (the hash is computed here, the padding on the card). */
  async signSha256(key: KeyName, data: Uint8Array): Promise<Uint8Array> {
    return this.sign(key, sha256DigestInfo(data));
  }
}
