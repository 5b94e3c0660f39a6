import { command, encodeCommand, parseResponse, StatusWordError, type CommandApdu, type ResponseApdu } from '../../../../src/apdu/index.js';
import { fromHex } from '../../../../src/bytes/index.js';
import { CardRuntime } from '../../../../src/card/index.js';
import { GP_TEST_KEY, Scp03CardSession, Scp03Error, Scp03HostSession, scp03KeySet, type SecurityLevel } from '../../../../src/crypto/scp03/index.js';
import type { SeAppletHost, SecureChannel } from '../../../../src/devices/secure-element/contract.js';
import { ARA_M_AID, ARA_M_MODULE, type AraMApplet, type AraMData } from '../../../../src/devices/secure-element/ara-m/index.js';
import { seededRandom } from '../../../helpers/vectors.js';

/**
 * Fixtures of the ARA-M tests (no test of its own): an element stand-in that runs the applet in the
 * project's card runtime with the contract's transaction rules, a secure channel over the real SCP03
 * card session with the GP test keys (KVN 30, i = 70), and a TSM that drives the real host session.
 */

/** GP test key set `404142…4F` for ENC, MAC and DEK, key version 30. */
export const KEYS = scp03KeySet(0x30, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY);
export const ISD_AID = fromHex('A000000151000000');
const KDD = fromHex('00010203040506070809');

function asStatus(err: unknown): unknown {
  return err instanceof Scp03Error && err.sw !== undefined ? new StatusWordError(err.sw, err.message) : err;
}

/** The security domain's secure channel for one selection, as the contract describes it. */
export class TestSecureChannel implements SecureChannel {
  readonly #session = new Scp03CardSession();
  readonly #counter: { value: number };

  constructor(counter: { value: number }) {
    this.#counter = counter;
  }

  processSecurity(cmd: CommandApdu): Promise<ResponseApdu> {
    try {
      if (cmd.ins === 0x50) {
        if (cmd.p1 !== 0x00 && cmd.p1 !== KEYS.kvn) throw new StatusWordError(0x6a88);
        this.#counter.value++; // incremented and "saved" before it is used
        return Promise.resolve(
          this.#session.initializeUpdate(cmd, { keys: KEYS, i: 0x70, keyDiversificationData: KDD, sdAid: ISD_AID, sequenceCounter: this.#counter.value }),
        );
      }
      return Promise.resolve(this.#session.externalAuthenticate(cmd));
    } catch (err) {
      return Promise.reject(asStatus(err) as Error);
    }
  }

  unwrap(cmd: CommandApdu): CommandApdu {
    try {
      return this.#session.unwrapCommand(cmd);
    } catch (err) {
      throw asStatus(err);
    }
  }

  wrap(response: ResponseApdu): ResponseApdu {
    return this.#session.wrapResponse(response);
  }

  get authenticated(): boolean {
    return this.#session.authenticated;
  }

  get level(): number | undefined {
    return this.#session.level;
  }

  decryptSensitive(): Uint8Array {
    throw new StatusWordError(0x6985, 'not used by the ARA-M');
  }

  terminate(): void {
    this.#session.terminate();
  }
}

export interface ElementOptions {
  readonly random?: (length: number) => Uint8Array;
  readonly data?: AraMData;
}

/**
 * The ARA-M in a card runtime with 4 logical channels and partial selection, over an in-memory
 * document: changes made in a command are kept when it ends 9000/61xx/62xx/63xx and dropped
 * otherwise, as the contract says the element does.
 */
export class TestElement {
  committed: AraMData;
  readonly applet: AraMApplet;
  readonly runtime: CardRuntime;
  readonly sequenceCounter = { value: 0 };
  /** Every refresh-tag draw, to check that reads never draw. */
  draws = 0;
  #draft: AraMData | undefined;

  constructor(options: ElementOptions = {}) {
    this.committed = options.data ?? ARA_M_MODULE.initialData(new Uint8Array(0));
    const random = options.random ?? seededRandom(0x5eed);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const element = this;
    const host: SeAppletHost<AraMData> = {
      aid: ARA_M_AID,
      get data() {
        return element.#draft ?? element.committed;
      },
      update(change) {
        element.#draft ??= structuredClone(element.committed);
        change(element.#draft);
      },
      commit() {
        element.#save();
        return Promise.resolve();
      },
      lifeCycle: 0x07,
      setLifeCycle() {},
      openSecureChannel: () => new TestSecureChannel(this.sequenceCounter),
      random: (n) => {
        this.draws++;
        return random(n);
      },
    };
    this.applet = ARA_M_MODULE.create(host) as AraMApplet;
    this.runtime = new CardRuntime({ atr: fromHex('3B00'), applets: [this.applet], logicalChannels: 4, partialSelection: true });
  }

  #save(): void {
    if (this.#draft) this.committed = JSON.parse(JSON.stringify(this.#draft)) as AraMData;
    this.#draft = undefined;
  }

  #end(sw: number): void {
    const high = sw >> 8;
    if (sw === 0x9000 || high === 0x61 || high === 0x62 || high === 0x63) this.#save();
    this.#draft = undefined;
  }

  async powerOn(): Promise<void> {
    await this.runtime.powerOn();
  }

  async transmit(cmd: CommandApdu): Promise<ResponseApdu> {
    const r = parseResponse(await this.runtime.transmit(encodeCommand(cmd)));
    this.#end(r.sw);
    return r;
  }

  /** STORE DATA forwarded by the security domain (already verified and deciphered). */
  async personalize(cmd: CommandApdu): Promise<ResponseApdu> {
    let r: ResponseApdu;
    try {
      const result = await this.applet.personalize(cmd);
      r = result instanceof Uint8Array ? { data: result, sw: 0x9000 } : result ?? { data: new Uint8Array(0), sw: 0x9000 };
    } catch (err) {
      if (!(err instanceof StatusWordError)) throw err;
      r = { data: new Uint8Array(0), sw: err.sw };
    }
    this.#end(r.sw);
    return r;
  }
}

export function selectAraM(channel = 0): CommandApdu {
  return command(channel, 0xa4, 0x04, 0x00, ARA_M_AID, 256);
}

/** GET DATA on a plain channel, as the enforcer sends it. */
export function getData(p1p2: number, data?: Uint8Array, ne = 256, channel = 0): CommandApdu {
  return command(0x80 | channel, 0xca, p1p2 >> 8, p1p2 & 0xff, data, ne);
}

export function storeData(data: Uint8Array, p1 = 0x90, p2 = 0x00, channel = 0): CommandApdu {
  return command(0x80 | channel, 0xe2, p1, p2, data);
}

/** The TSM side: selects the ARA-M on a channel, opens SCP03 with the real host session, wraps and unwraps. */
export class Tsm {
  readonly session: Scp03HostSession;
  readonly #element: TestElement;
  readonly #channel: number;

  constructor(element: TestElement, channel = 0, seed = 99) {
    this.#element = element;
    this.#channel = channel;
    this.session = new Scp03HostSession({ keys: KEYS, random: seededRandom(seed), cla: 0x80 | channel });
  }

  async open(level: SecurityLevel = 0x33): Promise<void> {
    const sel = await this.#element.transmit(selectAraM(this.#channel));
    if (sel.sw !== 0x9000) throw new StatusWordError(sel.sw);
    this.session.onInitializeUpdateResponse(await this.#element.transmit(this.session.initializeUpdate()));
    this.session.onExternalAuthenticateResponse(await this.#element.transmit(this.session.externalAuthenticate(level)));
  }

  /** Sends a plain command protected at the session's level; errors come back as their status word. */
  async send(cmd: CommandApdu): Promise<ResponseApdu> {
    const wire = this.session.wrap({ ...cmd, cla: cmd.cla | this.#channel });
    return this.session.unwrap(await this.#element.transmit(wire));
  }
}
