import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { SW, throwSw, type CommandApdu } from '../../apdu/index.js';
import { fromHex, toHex } from '../../bytes/index.js';
import type { Applet, AppletContext, CardStore } from '../../card/index.js';
import {
  BINARY_FIDS,
  EF,
  JPKI_AID,
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
import { hashSecret, secretMatches } from './secret.js';
import { privateKeyOf, type IdCardState, type PinRecord } from './state.js';

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

export interface JpkiAppletOptions {
  /**
   * Named quirk of the smartphone profile (jpki-ap.md 3.4, jpki/myna `JPKIAPGPSETOKEN`): the
   * user-authentication certificate (000A) is readable only after the PIN. Off for the card.
   */
  readonly authCertificateNeedsPin?: boolean;
}

/** Transient state of one selection of the AP (cleared on re-select and power cycle). */
interface Session {
  current: Fid | undefined;
  readonly verified: Set<PinFid>;
}

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

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
 * The JPKI-AP of the Individual Number Card (jpki-ap.md 1, 2, 7): the nine EFs, SELECT by file
 * identifier, READ BINARY, VERIFY, CHANGE REFERENCE DATA and the signing command, with their access
 * rules. Its persistent state is the card document; every change to it (retry counters, PIN values)
 * is saved, and the save awaited, before the command answers.
 *
 * Retry counters resist tearing: VERIFY with data first decrements the counter and saves, then
 * compares; a correct value resets the counter and saves again. Killing the card at any point
 * therefore never gives back a try, and the answer to a wrong value is sent only once its decrement
 * is durable.
 */
export class JpkiApplet implements Applet {
  readonly aid = JPKI_AID;
  readonly name = 'JPKI-AP';
  #state: IdCardState;
  readonly #store: CardStore<IdCardState>;
  readonly #options: JpkiAppletOptions;
  readonly #sessions = new Map<number, Session>();
  readonly #keys: Readonly<Record<KeyFid, KeyObject>>;
  readonly #binary = new Map<BinaryFid, Uint8Array>();

  constructor(state: IdCardState, store: CardStore<IdCardState>, options: JpkiAppletOptions = {}) {
    this.#state = state;
    this.#store = store;
    this.#options = options;
    const files = state.jpki.files;
    this.#keys = { [EF.AUTH_KEY]: privateKeyOf(files[EF.AUTH_KEY]), [EF.SIGN_KEY]: privateKeyOf(files[EF.SIGN_KEY]) };
    for (const fid of BINARY_FIDS) this.#binary.set(fid, fromHex(files[fid]));
  }

  /** The state as last saved. */
  get state(): IdCardState {
    return this.#state;
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
   * EF 0001 needs the password ('6982'); keys and PINs are not readable ('6981').
   */
  #readBinary(cmd: CommandApdu, session: Session): Uint8Array {
    if ((cmd.p1 & 0x80) !== 0) throwSw(SW.INCORRECT_P1P2);
    if (cmd.data.length > 0 || cmd.ne === undefined) throwSw(SW.WRONG_LENGTH);
    const fid = this.#current(session, isBinary);
    if (fid === EF.SIGN_CERT && !session.verified.has(EF.SIGN_PASSWORD)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (fid === EF.AUTH_CERT && this.#options.authCertificateNeedsPin === true && !session.verified.has(EF.AUTH_PIN)) {
      throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    const content = this.#binary.get(fid)!;
    const offset = cmd.p1 * 256 + cmd.p2;
    if (offset >= content.length) throwSw(SW.WRONG_P1P2);
    return content.slice(offset, offset + Math.min(cmd.ne, content.length - offset));
  }

  /**
   * VERIFY `00 20 00 80` on the selected PIN EF (P2 '80': local reference; other P1/P2 → '6A86'):
   * - without data: the retry query, '63Cx' with x = tries left ('63C0' when blocked, see the docs),
   *   or '9000' when the PIN is already verified in this session (ISO/IEC 7816-4 7.5.6);
   * - with data: '6984' when blocked; else the counter is decremented and saved, then the value is
   *   compared: '9000' (counter back to its maximum, saved) or '63Cx' with the tries left. Any value
   *   counts, whatever its format: the card does not tell a badly formed guess from a wrong one.
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
    await this.#commit((s) => (s.jpki.files[fid].triesLeft = left));
    if (!(await secretMatches(record, cmd.data))) throwSw(SW.COUNTER | left);
    await this.#commit((s) => (s.jpki.files[fid].triesLeft = record.maxTries));
    session.verified.add(fid);
    return undefined;
  }

  /**
   * CHANGE REFERENCE DATA `00 24 01 80 <new value>` (jpki/myna `change_pin`): P1 '01' = the data is the
   * new value only, allowed after a successful VERIFY of the same PIN in this session ('6982'
   * otherwise). A new value outside the PIN's format is refused with '6A80' and changes nothing, no
   * try consumed. The new value is saved (with a fresh salt) before '9000'; the PIN stays verified.
   */
  async #changeReferenceData(cmd: CommandApdu, session: Session): Promise<undefined> {
    if (cmd.p1 !== 0x01 || cmd.p2 !== 0x80) throwSw(SW.INCORRECT_P1P2);
    const fid = this.#current(session, isPin);
    if (cmd.data.length === 0) throwSw(SW.WRONG_LENGTH);
    if (!session.verified.has(fid)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    const value = new TextDecoder('latin1').decode(cmd.data);
    if (!PIN_RULES[fid].pattern.test(value)) throwSw(SW.INCORRECT_DATA);
    const record = this.#pin(fid);
    const hashed = await hashSecret(cmd.data, record);
    await this.#commit((s) => (s.jpki.files[fid] = { ...hashed, triesLeft: record.maxTries, maxTries: record.maxTries }));
    return undefined;
  }

  /**
   * The signing command `80 2A 00 80 <Lc> <data> <Le>` on the selected key EF (jpki-ap.md 1.2, 7): the
   * card pads the 1..245 bytes it gets (normally a DigestInfo) with PKCS#1 v1.5 type 1 and applies the
   * private key: RSASSA-PKCS1-v1_5 when the data is a DigestInfo. 256 bytes back. Key 0017 needs the
   * PIN, key 001A the password ('6982'). Other P1/P2 → '6A86'; no data, more than 245 bytes, or an Le
   * missing or below 256 → '6700'.
   */
  #sign(cmd: CommandApdu, session: Session): Uint8Array {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) throwSw(SW.INCORRECT_P1P2);
    const fid = this.#current(session, isKey);
    if (cmd.data.length < 1 || cmd.data.length > MAX_SIGN_INPUT || cmd.ne === undefined || cmd.ne < 256) throwSw(SW.WRONG_LENGTH);
    if (!session.verified.has(KEY_PIN[fid])) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    return new Uint8Array(privateEncrypt({ key: this.#keys[fid], padding: constants.RSA_PKCS1_PADDING }, cmd.data));
  }

  #pin(fid: PinFid): PinRecord {
    return this.#state.jpki.files[fid];
  }

  /** Applies a change to a copy of the state, saves it (durably), and only then makes it current. */
  async #commit(change: (s: Mutable<IdCardState>) => void): Promise<void> {
    const next = structuredClone(this.#state) as Mutable<IdCardState>;
    change(next);
    await this.#store.save(next);
    this.#state = next;
  }
}
