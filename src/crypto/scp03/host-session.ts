import type { CommandApdu, ResponseApdu } from '../../apdu/index.js';
import { constantTimeEqual, toHex } from '../../bytes/index.js';
import { cardCryptogram, hostCryptogram } from './cryptograms.js';
import { Scp03Error } from './errors.js';
import { parseInitializeUpdateResponse, type InitializeUpdateResponse } from './initialize-update.js';
import { deriveSessionKeys, type Scp03KeySet, type Scp03SessionKeys } from './keys.js';
import { MAC_LENGTH, macCla, protectCommand, SecureMessaging, secureMessagingCla, verifyResponse } from './secure-messaging.js';
import { securityLevel, type SecurityLevel } from './security-level.js';
import { AesCmac } from '../cmac.js';

/**
 * Host-side session states. `idle` → INITIALIZE UPDATE sent → `initializing` → card authenticated →
 * `challenged` → EXTERNAL AUTHENTICATE sent → `authenticating` → `open`. Any failure leaves `failed`;
 * a new INITIALIZE UPDATE may start from any state, as on the card.
 */
export type HostSessionState = 'idle' | 'initializing' | 'challenged' | 'authenticating' | 'open' | 'failed';

export interface HostSessionOptions {
  /** The static key set of the security domain. */
  readonly keys: Scp03KeySet;
  /** Source of the 8-byte host challenge (inject a seeded source in tests). */
  readonly random: (length: number) => Uint8Array;
  /** Class byte of the GP commands, carrying the logical channel: `80` (default) to `83`, or `C0`..`CF`. */
  readonly cla?: number;
}

const ZERO_CHAINING = new Uint8Array(16);

/**
 * The off-card side of SCP03 (what a TSM runs), I/O-free in the style of GlobalPlatformPro: it builds
 * the INITIALIZE UPDATE and EXTERNAL AUTHENTICATE commands, checks the card's answers, and then wraps
 * every command and unwraps every response; the caller moves the bytes.
 */
export class Scp03HostSession {
  #state: HostSessionState = 'idle';
  readonly #keys: Scp03KeySet;
  readonly #random: (length: number) => Uint8Array;
  readonly #cla: number;
  #requestedKvn = 0;
  #hostChallenge: Uint8Array | undefined;
  #card: InitializeUpdateResponse | undefined;
  #sessionKeys: Scp03SessionKeys | undefined;
  #pendingLevel: SecurityLevel | undefined;
  #pendingChaining: Uint8Array | undefined;
  #sm: SecureMessaging | undefined;

  constructor(options: HostSessionOptions) {
    this.#keys = options.keys;
    this.#random = options.random;
    this.#cla = options.cla ?? 0x80;
  }

  get state(): HostSessionState {
    return this.#state;
  }

  /** The security level of the open session. */
  get level(): SecurityLevel | undefined {
    return this.#sm?.level;
  }

  /** What the card said in its INITIALIZE UPDATE response (KDD, key information, sequence counter). */
  get cardInfo(): InitializeUpdateResponse | undefined {
    return this.#card;
  }

  /** The encryption counter of the last wrapped command. */
  get counter(): number | undefined {
    return this.#sm?.counter;
  }

  #expect(...states: HostSessionState[]): void {
    if (!states.includes(this.#state)) {
      throw new Scp03Error('ERR_SCP03_STATE', `host session is ${this.#state}, expected ${states.join(' or ')}`);
    }
  }

  #fail(err: Scp03Error): Scp03Error {
    this.#state = 'failed';
    this.#sm = undefined;
    this.#sessionKeys = undefined;
    return err;
  }

  /**
   * INITIALIZE UPDATE, GP Card Spec D.4.1: `80 50 KVN 00 08 <host challenge> 00`. P1 = `00` lets the
   * card choose its first key set. Starting again is always allowed and forgets any session.
   */
  initializeUpdate(kvn: number = this.#keys.kvn): CommandApdu {
    const challenge = this.#random(8);
    if (challenge.length !== 8) throw new Scp03Error('ERR_SCP03_STATE', 'the random source must give 8 bytes for the host challenge');
    this.#hostChallenge = new Uint8Array(challenge);
    this.#requestedKvn = kvn;
    this.#card = undefined;
    this.#sm = undefined;
    this.#sessionKeys = undefined;
    this.#state = 'initializing';
    return { cla: this.#cla, ins: 0x50, p1: kvn, p2: 0x00, data: this.#hostChallenge, ne: 256 };
  }

  /**
   * Checks the INITIALIZE UPDATE response: status, layout, key version, and the card cryptogram under
   * session keys derived from our static keys (proof that the card holds them). GlobalPlatformPro
   * checks the card cryptogram before it computes the host cryptogram; so do we.
   */
  onInitializeUpdateResponse(response: ResponseApdu): InitializeUpdateResponse {
    this.#expect('initializing');
    if (response.sw !== 0x9000) {
      throw this.#fail(new Scp03Error('ERR_SCP03_INIT_UPDATE_RESPONSE', `INITIALIZE UPDATE failed with ${toHex(Uint8Array.of(response.sw >>> 8, response.sw & 0xff))}`, { sw: response.sw }));
    }
    let card: InitializeUpdateResponse;
    try {
      card = parseInitializeUpdateResponse(response.data);
    } catch (err) {
      throw this.#fail(err as Scp03Error);
    }
    if (card.kvn !== this.#keys.kvn || (this.#requestedKvn !== 0 && card.kvn !== this.#requestedKvn)) {
      throw this.#fail(new Scp03Error('ERR_SCP03_INIT_UPDATE_RESPONSE', `the card answered with key set ${card.kvn}, ours is ${this.#keys.kvn}`));
    }
    const keys = deriveSessionKeys(this.#keys, this.#hostChallenge!, card.cardChallenge);
    const expected = cardCryptogram(keys.sMac, this.#hostChallenge!, card.cardChallenge);
    if (!constantTimeEqual(expected, card.cardCryptogram)) {
      throw this.#fail(new Scp03Error('ERR_SCP03_CARD_CRYPTOGRAM', 'the card cryptogram does not verify: wrong keys (retrying may lock the card)'));
    }
    this.#card = card;
    this.#sessionKeys = keys;
    this.#state = 'challenged';
    return card;
  }

  /**
   * EXTERNAL AUTHENTICATE, GP Card Spec D.4.2 / Amendment D 7.1.2: `84 82 <level> 00 10 <host
   * cryptogram> <C-MAC>`, the C-MAC computed with an all-zero chaining value (Amendment D 6.2.3).
   */
  externalAuthenticate(level: SecurityLevel): CommandApdu {
    this.#expect('challenged');
    const checked = securityLevel(level);
    const keys = this.#sessionKeys!;
    const cryptogram = hostCryptogram(keys.sMac, this.#hostChallenge!, this.#card!.cardChallenge);
    const cla = secureMessagingCla(this.#cla);
    const mac = new AesCmac(keys.sMac).mac(ZERO_CHAINING, Uint8Array.of(macCla(cla), 0x82, checked, 0x00, 0x10), cryptogram);
    this.#pendingLevel = checked;
    this.#pendingChaining = mac;
    this.#state = 'authenticating';
    const data = new Uint8Array(16);
    data.set(cryptogram);
    data.set(mac.subarray(0, MAC_LENGTH), 8);
    return { cla, ins: 0x82, p1: checked, p2: 0x00, data };
  }

  /** `9000` opens the session at the requested level; anything else (e.g. `6300`) fails it. */
  onExternalAuthenticateResponse(response: ResponseApdu): void {
    this.#expect('authenticating');
    if (response.sw !== 0x9000) {
      const code =
        response.sw === 0x6300 ? 'ERR_SCP03_HOST_CRYPTOGRAM' : response.sw === 0x6a86 ? 'ERR_SCP03_SECURITY_LEVEL' : response.sw === 0x6982 ? 'ERR_SCP03_C_MAC' : 'ERR_SCP03_STATE';
      throw this.#fail(new Scp03Error(code, `EXTERNAL AUTHENTICATE refused with ${response.sw.toString(16).toUpperCase()}`, { sw: response.sw }));
    }
    this.#sm = new SecureMessaging(this.#sessionKeys!, this.#pendingLevel!, this.#pendingChaining!);
    this.#state = 'open';
  }

  /** Protects a plain command at the session's level. */
  wrap(command: CommandApdu): CommandApdu {
    this.#expect('open');
    return protectCommand(this.#sm!, command);
  }

  /** Verifies and decrypts the response to the last wrapped command; a bad R-MAC fails the session. */
  unwrap(response: ResponseApdu): ResponseApdu {
    this.#expect('open');
    try {
      return verifyResponse(this.#sm!, response);
    } catch (err) {
      if (err instanceof Scp03Error) throw this.#fail(err);
      throw err;
    }
  }

  /** Forgets the session (keys and chaining value), e.g. after a SELECT or a card reset. */
  end(): void {
    this.#state = 'idle';
    this.#sm = undefined;
    this.#sessionKeys = undefined;
    this.#card = undefined;
  }
}
