import { constants, privateEncrypt } from 'node:crypto';
import { SW, throwSw, type CommandApdu } from '../../../apdu/index.js';
import { toHex } from '../../../bytes/index.js';
import type { AppletContext } from '../../../card/index.js';
import {
  BINARY_FIDS,
  EF,
  KEY_FIDS,
  KEY_PIN,
  MAX_SIGN_INPUT,
  PIN_FIDS,
  PIN_RULES,
  type BinaryFid,
  type Fid,
  type KeyFid,
  type PinFid,
} from './constants.js';
import type { PinRecord } from './pin-record.js';
import { hashSecret, secretMatches, type RandomSource } from './secret.js';
import type { JpkiStorage } from './storage.js';

const INS_SELECT = 0xa4;
const INS_READ_BINARY = 0xb0;
const INS_VERIFY = 0x20;
const INS_CHANGE_REFERENCE_DATA = 0x24;
const INS_SIGN = 0x2a;

/** The class each instruction is sent with: '00' interindustry, except the signing command '80'. */
const PROPRIETARY_INS: ReadonlyMap<number, boolean> = new Map([
  [INS_SELECT, false],
  [INS_READ_BINARY, false],
  [INS_VERIFY, false],
  [INS_CHANGE_REFERENCE_DATA, false],
  [INS_SIGN, true],
]);

export interface JpkiApOptions {
  /**
   * Named quirk of the smartphone profile (jpki-ap.md 3.4, jpki/myna `JPKIAPGPSETOKEN`): the
   * user-authentication certificate (000A) is readable only after the PIN. Off for the card.
   */
  readonly authCertificateNeedsPin?: boolean;
  /** Salt source of CHANGE REFERENCE DATA (default node's RNG). */
  readonly random?: RandomSource;
}

/** Transient state of one selection of the AP (cleared on re-select and power cycle). */
interface Session {
  current: Fid | undefined;
  readonly verified: Set<PinFid>;
}

const ALL_FIDS: ReadonlySet<string> = new Set<string>([...BINARY_FIDS, ...KEY_FIDS, ...PIN_FIDS]);

function isBinary(fid: Fid): fid is BinaryFid {
  return (BINARY_FIDS as readonly string[]).includes(fid);
}
function isKey(fid: Fid): fid is KeyFid {
  return (KEY_FIDS as readonly string[]).includes(fid);
}
function isPin(fid: Fid): fid is PinFid {
  return (PIN_FIDS as readonly string[]).includes(fid);
}

/**
 * The user interface of the JPKI-AP (jpki-ap.md 1, 2, 7), shared by the Individual Number Card and the
 * secure element's JPKI applet: the EFs, SELECT by file identifier, READ BINARY, VERIFY, CHANGE
 * REFERENCE DATA and the signing command, with their access rules and status words. Persistence is
 * behind `JpkiStorage`; the security state (current EF, verified PINs) is per logical channel.
 *
 * Retry counters resist tearing: VERIFY with data first decrements the counter and waits until that is
 * durable, then compares; a correct value resets the counter. Killing the device at any point
 * therefore never gives back a try, and the answer to a wrong value is sent only once its decrement is
 * durable.
 *
 * What a card always has, an applet may not have yet (or any more): an EF with no content, a key never
 * generated, a PIN never set. Each answers '6A88' (referenced data not found); a key destroyed because
 * its certificate was revoked answers '6984' (reference data not usable) to the signing command.
 */
export class JpkiAp {
  readonly #storage: JpkiStorage;
  readonly #options: JpkiApOptions;
  readonly #sessions = new Map<number, Session>();

  constructor(storage: JpkiStorage, options: JpkiApOptions = {}) {
    this.#storage = storage;
    this.#options = options;
  }

  select(ctx: AppletContext): void {
    this.#sessions.set(ctx.channel, { current: undefined, verified: new Set() });
  }

  deselect(ctx: AppletContext): void {
    this.#sessions.delete(ctx.channel);
  }

  powerDown(): void {
    this.#sessions.clear();
  }

  /**
   * Forgets every verification on every channel, the selections staying: after a PIN was set or a key
   * replaced from outside the user interface, nothing verified before still stands.
   */
  resetSecurity(): void {
    for (const s of this.#sessions.values()) s.verified.clear();
  }

  async process(cmd: CommandApdu, ctx: AppletContext): Promise<Uint8Array | undefined> {
    const proprietary = PROPRIETARY_INS.get(cmd.ins);
    if (proprietary === undefined) throwSw(SW.INS_NOT_SUPPORTED);
    if (ctx.proprietary !== proprietary || ctx.secureMessaging || ctx.chaining) throwSw(SW.CLA_NOT_SUPPORTED);
    const session = this.#sessions.get(ctx.channel);
    if (!session) throwSw(SW.CONDITIONS_NOT_SATISFIED); // the runtime selects before it dispatches
    switch (cmd.ins) {
      case INS_SELECT:
        return this.#selectFile(cmd, session);
      case INS_READ_BINARY:
        return this.#readBinary(cmd, session);
      case INS_VERIFY:
        return this.#verify(cmd, session);
      case INS_CHANGE_REFERENCE_DATA:
        return this.#changeReferenceData(cmd, session);
      default:
        return this.#sign(cmd, session);
    }
  }

  /**
   * SELECT by file identifier: `00 A4 02 0C 02 <FID>` (jpki-ap.md 1.2), EF under the AP, no response
   * data. Other P1/P2 → '6A86'; Nc ≠ 2 → '6700'; an unknown FID → '6A82', current EF unchanged.
   */
  #selectFile(cmd: CommandApdu, session: Session): undefined {
    if (cmd.p1 !== 0x02 || cmd.p2 !== 0x0c) throwSw(SW.INCORRECT_P1P2);
    if (cmd.data.length !== 2) throwSw(SW.WRONG_LENGTH);
    const fid = toHex(cmd.data);
    if (!ALL_FIDS.has(fid)) throwSw(SW.FILE_NOT_FOUND);
    session.current = fid as Fid;
    return undefined;
  }

  #current<K extends Fid>(session: Session, is: (f: Fid) => f is K): K {
    if (session.current === undefined) throwSw(SW.NO_CURRENT_EF);
    if (!is(session.current)) throwSw(SW.INCOMPATIBLE_FILE_STRUCTURE);
    return session.current;
  }

  /**
   * READ BINARY `00 B0 <offset> <Le>` (jpki-ap.md 1.2, 7): offset = P1P2 with P1 b8 clear (a short EF
   * identifier in P1 is not supported: '6A86'); Le '00' = 256, extended Le up to 65536; the answer is
   * min(Ne, bytes left); an offset at or past the end → '6B00'. No Le, or command data → '6700'.
   * An EF with no content → '6A88'. EF 0001 needs the password ('6982'); keys and PINs are not
   * readable ('6981').
   */
  #readBinary(cmd: CommandApdu, session: Session): Uint8Array {
    if ((cmd.p1 & 0x80) !== 0) throwSw(SW.INCORRECT_P1P2);
    if (cmd.data.length > 0 || cmd.ne === undefined) throwSw(SW.WRONG_LENGTH);
    const fid = this.#current(session, isBinary);
    const content = this.#storage.binary(fid);
    if (content === undefined) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
    if (fid === EF.SIGN_CERT && !session.verified.has(EF.SIGN_PASSWORD)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (fid === EF.AUTH_CERT && this.#options.authCertificateNeedsPin === true && !session.verified.has(EF.AUTH_PIN)) {
      throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    const offset = cmd.p1 * 256 + cmd.p2;
    if (offset >= content.length) throwSw(SW.WRONG_P1P2);
    return content.slice(offset, offset + Math.min(cmd.ne, content.length - offset));
  }

  /**
   * VERIFY `00 20 00 80` on the selected PIN EF (P2 '80': local reference; other P1/P2 → '6A86'):
   * - without data: the retry query, '63Cx' with x = tries left ('63C0' when blocked, see the docs),
   *   or '9000' when the PIN is already verified in this session (ISO/IEC 7816-4 7.5.6);
   * - with data: '6984' when blocked; else the counter is decremented and made durable, then the value
   *   is compared: '9000' (counter back to its maximum) or '63Cx' with the tries left. Any value
   *   counts, whatever its format: the card does not tell a badly formed guess from a wrong one.
   * A PIN never set → '6A88', with or without data.
   */
  async #verify(cmd: CommandApdu, session: Session): Promise<undefined> {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) throwSw(SW.INCORRECT_P1P2);
    const fid = this.#current(session, isPin);
    const record = this.#pin(fid);
    if (cmd.data.length === 0) {
      if (session.verified.has(fid)) return undefined;
      throwSw(SW.COUNTER | record.triesLeft);
    }
    if (record.triesLeft === 0) throwSw(SW.REFERENCE_DATA_NOT_USABLE);
    session.verified.delete(fid);
    const left = record.triesLeft - 1;
    await this.#storage.writePin(fid, { ...record, triesLeft: left });
    if (!(await secretMatches(record, cmd.data))) throwSw(SW.COUNTER | left);
    await this.#storage.writePin(fid, { ...record, triesLeft: record.maxTries });
    session.verified.add(fid);
    return undefined;
  }

  /**
   * CHANGE REFERENCE DATA `00 24 01 80 <new value>` (jpki/myna `change_pin`): P1 '01' = the data is the
   * new value only, allowed after a successful VERIFY of the same PIN in this session ('6982'
   * otherwise). A new value outside the PIN's format is refused with '6A80' and changes nothing, no
   * try consumed. The new value is made durable (with a fresh salt) before '9000'; the PIN stays verified.
   */
  async #changeReferenceData(cmd: CommandApdu, session: Session): Promise<undefined> {
    if (cmd.p1 !== 0x01 || cmd.p2 !== 0x80) throwSw(SW.INCORRECT_P1P2);
    const fid = this.#current(session, isPin);
    if (cmd.data.length === 0) throwSw(SW.WRONG_LENGTH);
    const record = this.#pin(fid);
    if (!session.verified.has(fid)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    const value = new TextDecoder('latin1').decode(cmd.data);
    if (!PIN_RULES[fid].pattern.test(value)) throwSw(SW.INCORRECT_DATA);
    const hashed = await hashSecret(cmd.data, record, this.#options.random);
    await this.#storage.writePin(fid, { ...hashed, triesLeft: record.maxTries, maxTries: record.maxTries });
    return undefined;
  }

  /**
   * The signing command `80 2A 00 80 <Lc> <data> <Le>` on the selected key EF (jpki-ap.md 1.2, 7): the
   * device pads the 1..245 bytes it gets (normally a DigestInfo) with PKCS#1 v1.5 type 1 and applies
   * the private key: RSASSA-PKCS1-v1_5 when the data is a DigestInfo. 256 bytes back. Key 0017 needs
   * the PIN, key 001A the password ('6982'). Other P1/P2 → '6A86'; no data, more than 245 bytes, or an
   * Le missing or below 256 → '6700'. No key → '6A88'; a key destroyed by revocation → '6984'.
   */
  #sign(cmd: CommandApdu, session: Session): Uint8Array {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) throwSw(SW.INCORRECT_P1P2);
    const fid = this.#current(session, isKey);
    if (cmd.data.length < 1 || cmd.data.length > MAX_SIGN_INPUT || cmd.ne === undefined || cmd.ne < 256) throwSw(SW.WRONG_LENGTH);
    const slot = this.#storage.key(fid);
    if (slot.state === 'absent') throwSw(SW.REFERENCED_DATA_NOT_FOUND);
    if (slot.state === 'revoked') throwSw(SW.REFERENCE_DATA_NOT_USABLE);
    if (!session.verified.has(KEY_PIN[fid])) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    return new Uint8Array(privateEncrypt({ key: slot.key, padding: constants.RSA_PKCS1_PADDING }, cmd.data));
  }

  #pin(fid: PinFid): PinRecord {
    const record = this.#storage.pin(fid);
    if (record === undefined) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
    return record;
  }
}
