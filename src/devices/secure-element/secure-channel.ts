import { SW, StatusWordError, throwSw, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { aesCbcDecrypt, MAX_SEQUENCE_COUNTER, Scp03CardSession, Scp03Error, type Scp03KeySet, type SecurityLevel } from '../../crypto/index.js';
import { fromHex } from '../../bytes/index.js';
import type { SecureChannel } from './contract.js';
import type { ElementCore } from './core.js';
import { defaultKeySet, draftDomain, findDomain, keySetOf } from './registry.js';
import type { Hex } from './state.js';

const INS_INITIALIZE_UPDATE = 0x50;
const INS_EXTERNAL_AUTHENTICATE = 0x82;
const ZERO_ICV = new Uint8Array(16);

/** SCP03 errors carry the status word to answer (Amendment D); anything without one is a bug. */
function asStatus(err: unknown): never {
  if (err instanceof Scp03Error && err.sw !== undefined) throw new StatusWordError(err.sw, err.message, { cause: err });
  throw err;
}

/**
 * The secure channel of a security domain for one selection on one logical channel (GP Card Spec
 * 10, Amendment D): the SCP03 card session over the domain's key sets. The domain itself runs one for
 * its own commands; an application gets one from its host (`SeAppletHost.openSecureChannel`, the GP
 * `SecureChannel` interface), over the keys of the domain it is associated with.
 *
 * INITIALIZE UPDATE picks the key set (P1 = KVN, '00' the first), refuses a missing one ('6A88'),
 * then increments its sequence counter and saves it durably *before* the counter derives the card
 * challenge (Amendment D 6.2.2.1), so no challenge is ever given twice, whatever tears.
 */
export class DomainSecureChannel implements SecureChannel {
  readonly #core: ElementCore;
  readonly #sd: Hex;
  readonly #session = new Scp03CardSession();
  #keys: Scp03KeySet | undefined;

  constructor(core: ElementCore, sd: Hex) {
    this.#core = core;
    this.#sd = sd;
  }

  /** The security domain whose keys this channel uses. */
  get domain(): Hex {
    return this.#sd;
  }

  get authenticated(): boolean {
    return this.#session.authenticated;
  }

  get level(): SecurityLevel | undefined {
    return this.#session.level;
  }

  /** The KVN of the key set of the open session. */
  get kvn(): number | undefined {
    return this.#session.authenticated ? this.#keys?.kvn : undefined;
  }

  async processSecurity(command: CommandApdu): Promise<ResponseApdu> {
    if (command.ins === INS_INITIALIZE_UPDATE) return this.#initializeUpdate(command);
    if (command.ins === INS_EXTERNAL_AUTHENTICATE) {
      try {
        return this.#session.externalAuthenticate(command);
      } catch (err) {
        return asStatus(err);
      }
    }
    return throwSw(SW.INS_NOT_SUPPORTED);
  }

  async #initializeUpdate(command: CommandApdu): Promise<ResponseApdu> {
    // Amendment D 5.6: INITIALIZE UPDATE always terminates the current session, even an aborted one.
    this.#session.terminate();
    this.#keys = undefined;
    if (command.data.length !== 8) throwSw(SW.WRONG_LENGTH, 'INITIALIZE UPDATE carries an 8-byte host challenge');
    if (command.p2 !== 0x00) throwSw(SW.INCORRECT_P1P2);
    const state = this.#core.tx.state;
    const domain = findDomain(state, this.#sd)?.domain;
    const record = domain && (command.p1 === 0 ? defaultKeySet(domain) : keySetOf(domain, command.p1));
    if (!record) throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no key set ${command.p1.toString(16)}`);
    if (record.counter >= MAX_SEQUENCE_COUNTER) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the sequence counter is exhausted');
    const counter = record.counter + 1;
    this.#core.tx.change((draft) => {
      const set = draftDomain(draft, this.#sd)!.keySets.find((k) => k.kvn === record.kvn)!;
      set.counter = counter;
    });
    await this.#core.tx.commit();
    const keys = this.#core.keys(record);
    try {
      const response = this.#session.initializeUpdate(command, {
        keys,
        i: record.i,
        keyDiversificationData: fromHex(state.card.kdd),
        sdAid: fromHex(this.#sd),
        sequenceCounter: counter,
      });
      this.#keys = keys;
      return response;
    } catch (err) {
      return asStatus(err);
    }
  }

  unwrap(command: CommandApdu): CommandApdu {
    try {
      return this.#session.unwrapCommand(command);
    } catch (err) {
      return asStatus(err);
    }
  }

  wrap(response: ResponseApdu): ResponseApdu {
    return this.#session.wrapResponse(response);
  }

  /** Amendment D 6.2.8: AES-CBC with a zero ICV under the Key-DEK of the session's key set. */
  decryptSensitive(data: Uint8Array): Uint8Array {
    const dek = this.dek();
    if (data.length === 0 || data.length % 16 !== 0) throwSw(SW.INCORRECT_DATA, 'sensitive data is whole AES blocks');
    return aesCbcDecrypt(dek, ZERO_ICV, data);
  }

  /** The static Key-DEK of the open session's key set ('6982' without a session). */
  dek(): Uint8Array {
    if (!this.#session.authenticated || !this.#keys) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED, 'no secure channel session');
    return this.#keys.dek;
  }

  terminate(): void {
    this.#session.terminate();
    this.#keys = undefined;
  }
}
