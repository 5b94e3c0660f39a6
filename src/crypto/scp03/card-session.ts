import type { CommandApdu, ResponseApdu } from '../../apdu/index.js';
import { hasSecureMessaging } from '../../apdu/index.js';
import { constantTimeEqual } from '../../bytes/index.js';
import { AesCmac } from '../cmac.js';
import { cardCryptogram, hostCryptogram, pseudoRandomCardChallenge } from './cryptograms.js';
import { Scp03Error } from './errors.js';
import { encodeInitializeUpdateResponse, SCP03_ID } from './initialize-update.js';
import { deriveSessionKeys, type Scp03KeySet, type Scp03SessionKeys } from './keys.js';
import { MAC_LENGTH, macCla, protectResponse, SecureMessaging, verifyCommand } from './secure-messaging.js';
import { IParameter, isSecurityLevel, levelSupported, type SecurityLevel } from './security-level.js';

/**
 * Card-side session states (Amendment D 5.5-5.6): `none` (NO_SECURITY_LEVEL, no session in this
 * application session), `initiated` (INITIALIZE UPDATE answered, waiting for EXTERNAL AUTHENTICATE),
 * `open` (AUTHENTICATED plus the level bits), `aborted` (a security error happened; NO_SECURITY_LEVEL,
 * and every command is rejected until the session is terminated).
 */
export type CardSessionState = 'none' | 'initiated' | 'open' | 'aborted';

/** What the security domain supplies for one INITIALIZE UPDATE: the key set it selected, and its context. */
export interface CardKeyContext {
  readonly keys: Scp03KeySet;
  /** The "i" parameter of the key set (Table 5-1), e.g. `70`. */
  readonly i: number;
  /** Key diversification data, 10 bytes. */
  readonly keyDiversificationData: Uint8Array;
  /** AID of the security domain that owns the key set (input of the pseudo-random challenge). */
  readonly sdAid: Uint8Array;
  /** With pseudo-random challenges: the sequence counter, already incremented and saved for this use. */
  readonly sequenceCounter?: number;
  /** With random challenges: 8 fresh random bytes. */
  readonly randomChallenge?: Uint8Array;
}

const ZERO_CHAINING = new Uint8Array(16);
const sw = {
  WRONG_LENGTH: 0x6700,
  SECURITY: 0x6982,
  CONDITIONS: 0x6985,
  P1P2: 0x6a86,
  AUTH_FAILED: 0x6300,
} as const;

interface Pending {
  readonly keys: Scp03SessionKeys;
  readonly hostChallenge: Uint8Array;
  readonly cardChallenge: Uint8Array;
  readonly i: number;
}

/**
 * The card side of SCP03 for one logical channel's application session, as a security domain runs
 * it. Errors are `Scp03Error`s carrying the status word to answer with; the runtime turns them into
 * responses. Persisting the sequence counter before use (anti-tearing) is the security domain's job.
 */
export class Scp03CardSession {
  #state: CardSessionState = 'none';
  #pending: Pending | undefined;
  #sm: SecureMessaging | undefined;

  get state(): CardSessionState {
    return this.#state;
  }

  /** The Current Security Level: undefined is NO_SECURITY_LEVEL, otherwise AUTHENTICATED plus these bits. */
  get level(): SecurityLevel | undefined {
    return this.#state === 'open' ? this.#sm!.level : undefined;
  }

  /** True when the current level includes AUTHENTICATED (GP Card Spec Table 11-2 minimum level). */
  get authenticated(): boolean {
    return this.#state === 'open';
  }

  /**
   * Terminates the session (Amendment D 5.6): new INITIALIZE UPDATE, new SELECT, channel closed, reset or
   * power-off, or the application's request. Erases keys and state; NO_SECURITY_LEVEL.
   */
  terminate(): void {
    this.#state = 'none';
    this.#pending = undefined;
    this.#sm = undefined;
  }

  #abort(err: Scp03Error): Scp03Error {
    this.#state = 'aborted';
    this.#pending = undefined;
    this.#sm = undefined;
    return err;
  }

  /**
   * INITIALIZE UPDATE (GP Card Spec D.4.1, Amendment D 7.1.1): terminates any current session, derives
   * the session keys and answers KDD || key info || card challenge || card cryptogram [|| counter].
   * Selecting the key set (and `6A88` when it does not exist) is the security domain's job.
   */
  initializeUpdate(command: CommandApdu, context: CardKeyContext): ResponseApdu {
    this.terminate();
    if (command.data.length !== 8) throw new Scp03Error('ERR_SCP03_WRONG_LENGTH', 'INITIALIZE UPDATE carries an 8-byte host challenge', { sw: sw.WRONG_LENGTH });
    if (command.p2 !== 0x00) throw new Scp03Error('ERR_SCP03_STATE', 'INITIALIZE UPDATE P2 must be 00', { sw: sw.P1P2 });
    if (context.keyDiversificationData.length !== 10) {
      throw new Scp03Error('ERR_SCP03_KDF_PARAMS', 'key diversification data is 10 bytes');
    }
    const pseudoRandom = (context.i & IParameter.PSEUDO_RANDOM_CHALLENGE) !== 0;
    let cardChallenge: Uint8Array;
    if (pseudoRandom) {
      if (context.sequenceCounter === undefined) throw new Scp03Error('ERR_SCP03_SEQUENCE_COUNTER', 'pseudo-random challenges need the sequence counter', { sw: sw.CONDITIONS });
      cardChallenge = pseudoRandomCardChallenge(context.keys.enc, context.sequenceCounter, context.sdAid);
    } else {
      if (context.randomChallenge?.length !== 8) throw new Scp03Error('ERR_SCP03_KDF_PARAMS', 'a random card challenge is 8 bytes');
      cardChallenge = new Uint8Array(context.randomChallenge);
    }
    const hostChallenge = new Uint8Array(command.data);
    const keys = deriveSessionKeys(context.keys, hostChallenge, cardChallenge);
    this.#pending = { keys, hostChallenge, cardChallenge, i: context.i };
    this.#state = 'initiated';
    const data = encodeInitializeUpdateResponse({
      keyDiversificationData: context.keyDiversificationData,
      kvn: context.keys.kvn,
      scpId: SCP03_ID,
      i: context.i,
      cardChallenge,
      cardCryptogram: cardCryptogram(keys.sMac, hostChallenge, cardChallenge),
      sequenceCounter: pseudoRandom ? context.sequenceCounter : undefined,
    });
    return { data, sw: 0x9000 };
  }

  /**
   * EXTERNAL AUTHENTICATE (GP Card Spec D.4.2, Amendment D 7.1.2): check the C-MAC (zero chaining
   * value), then the host cryptogram. Success opens the session at level P1 with the chaining value set
   * to the command's full CMAC and the counter at 0; the response has no R-MAC. Any failure ends the
   * initiation: mutual authentication must restart with new challenges (Amendment D 5.2).
   */
  externalAuthenticate(command: CommandApdu): ResponseApdu {
    if (this.#state !== 'initiated') {
      throw new Scp03Error('ERR_SCP03_STATE', 'EXTERNAL AUTHENTICATE without a preceding INITIALIZE UPDATE', { sw: sw.CONDITIONS });
    }
    const pending = this.#pending!;
    this.terminate();
    if (command.data.length !== 16) throw new Scp03Error('ERR_SCP03_WRONG_LENGTH', 'EXTERNAL AUTHENTICATE carries a cryptogram and a C-MAC (16 bytes)', { sw: sw.WRONG_LENGTH });
    if (!isSecurityLevel(command.p1) || command.p2 !== 0x00 || !levelSupported(pending.i, command.p1)) {
      throw new Scp03Error('ERR_SCP03_SECURITY_LEVEL', `security level ${command.p1.toString(16)} is not available`, { sw: sw.P1P2 });
    }
    if (!hasSecureMessaging(command.cla)) {
      throw new Scp03Error('ERR_SCP03_INSUFFICIENT_PROTECTION', 'EXTERNAL AUTHENTICATE must carry a C-MAC', { sw: sw.SECURITY });
    }
    const cryptogram = command.data.subarray(0, 8);
    const mac = new AesCmac(pending.keys.sMac).mac(ZERO_CHAINING, Uint8Array.of(macCla(command.cla), command.ins, command.p1, command.p2, 0x10), cryptogram);
    if (!constantTimeEqual(mac.subarray(0, MAC_LENGTH), command.data.subarray(8))) {
      throw new Scp03Error('ERR_SCP03_C_MAC', 'the C-MAC of EXTERNAL AUTHENTICATE does not verify', { sw: sw.SECURITY });
    }
    const expected = hostCryptogram(pending.keys.sMac, pending.hostChallenge, pending.cardChallenge);
    if (!constantTimeEqual(expected, cryptogram)) {
      throw new Scp03Error('ERR_SCP03_HOST_CRYPTOGRAM', 'the host cryptogram does not verify', { sw: sw.AUTH_FAILED });
    }
    this.#sm = new SecureMessaging(pending.keys, command.p1, mac);
    this.#state = 'open';
    return { data: new Uint8Array(0), sw: 0x9000 };
  }

  /**
   * Checks an incoming command against the Current Security Level (Amendment D 5.6). With no session the
   * command passes unchecked (the application applies its own rules); in an aborted session it is
   * rejected; in an open session a security error aborts the session and is rethrown with `6982`.
   */
  unwrapCommand(command: CommandApdu): CommandApdu {
    switch (this.#state) {
      case 'none':
        return command;
      case 'initiated':
        // A command other than EXTERNAL AUTHENTICATE: the session was never fully initiated.
        this.terminate();
        return command;
      case 'aborted':
        throw new Scp03Error('ERR_SCP03_ABORTED', 'the secure channel session was aborted; open a new one', { sw: sw.SECURITY });
      case 'open':
        try {
          return verifyCommand(this.#sm!, command);
        } catch (err) {
          if (err instanceof Scp03Error) throw this.#abort(err);
          throw err;
        }
    }
  }

  /** Protects the response to the last unwrapped command at the current level. */
  wrapResponse(response: ResponseApdu): ResponseApdu {
    return this.#state === 'open' ? protectResponse(this.#sm!, response) : response;
  }
}
