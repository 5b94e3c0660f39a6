import type { CommandApdu, ResponseApdu } from '../../apdu/index.js';
import { constantTimeEqual, fromHex, toHex } from '../../bytes/index.js';
import {
  AesCmac,
  cardCryptogram,
  deriveSessionKeys,
  hostCryptogram,
  MAC_LENGTH,
  macCla,
  parseInitializeUpdateResponse,
  protectCommand,
  Scp03Error,
  SecureMessaging,
  secureMessagingCla,
  securityLevel,
  verifyResponse,
  type Scp03KeySet,
  type SecurityLevel,
} from '../../crypto/index.js';
import { TsmError } from './errors.js';

/*
 * The TSM side of SCP03 for relayed batches. A TSM does not see a response before it has sent the next
 * command: it sends EXTERNAL AUTHENTICATE and every command of the session in one batch, and checks the
 * responses when the batch comes back. That works because the C-MAC chain depends on the commands only
 * (Amendment D 6.2.4: the chaining value is the previous command's full C-MAC) and the encryption counter
 * counts commands (6.2.6), so the whole batch can be wrapped ahead; a response is then checked with the
 * chaining value and counter its command left (6.2.5, 6.2.7), kept per command as a snapshot.
 *
 * Everything is plain data (hex and numbers), so the state of a session that spans HTTP requests is
 * stored, sealed by the TSM that owns it, and taken up again by whichever process gets the next request.
 */

/** An open session: session keys, level, and where the chain stands after the last wrapped command. */
export interface PipelineState {
  readonly kvn: number;
  readonly level: SecurityLevel;
  readonly sEnc: string;
  readonly sMac: string;
  readonly sRmac: string;
  chaining: string;
  counter: number;
}

/** What a response is checked against: the chaining value and counter its command left. */
export interface CommandSnapshot {
  readonly chaining: string;
  readonly counter: number;
}

const ZERO_CHAINING = new Uint8Array(16);

function channelError(message: string, cause?: unknown): TsmError {
  return new TsmError('ERR_TSM_SECURE_CHANNEL', message, cause === undefined ? undefined : { cause });
}

/** INITIALIZE UPDATE (GP Card Spec D.4.1): `80 50 KVN 00 08 <host challenge> 00`; KVN 00 = the card's first key set. */
export function initializeUpdate(kvn: number, hostChallenge: Uint8Array): CommandApdu {
  if (hostChallenge.length !== 8) throw new TsmError('ERR_TSM_CONFIG', 'a host challenge is 8 bytes');
  return { cla: 0x80, ins: 0x50, p1: kvn, p2: 0x00, data: new Uint8Array(hostChallenge), ne: 256 };
}

/**
 * Checks the card's INITIALIZE UPDATE answer and builds EXTERNAL AUTHENTICATE. The key set is the one
 * the card names (key information, Amendment D 7.1.1): `keysFor` gives ours for that KVN, or nothing
 * when we do not hold it. The card cryptogram is checked before the host cryptogram is computed, as
 * GlobalPlatformPro does: a host that cannot tell the card holds the keys does not answer.
 */
export function openSession(
  response: ResponseApdu,
  hostChallenge: Uint8Array,
  keysFor: (kvn: number) => Scp03KeySet | undefined,
  level: SecurityLevel,
): { state: PipelineState; externalAuthenticate: CommandApdu; keys: Scp03KeySet } {
  if (response.sw !== 0x9000) throw channelError(`INITIALIZE UPDATE answered ${response.sw.toString(16).toUpperCase()}`);
  let card;
  try {
    card = parseInitializeUpdateResponse(response.data);
  } catch (err) {
    throw channelError('the INITIALIZE UPDATE answer is malformed', err);
  }
  const keys = keysFor(card.kvn);
  if (!keys) throw channelError(`the card uses key set ${card.kvn.toString(16).toUpperCase()}, which this TSM does not hold`);
  const session = deriveSessionKeys(keys, hostChallenge, card.cardChallenge);
  if (!constantTimeEqual(cardCryptogram(session.sMac, hostChallenge, card.cardChallenge), card.cardCryptogram)) {
    throw channelError(`the card cryptogram does not verify with key set ${card.kvn.toString(16).toUpperCase()}`);
  }
  const checked = securityLevel(level);
  const cryptogram = hostCryptogram(session.sMac, hostChallenge, card.cardChallenge);
  const cla = secureMessagingCla(0x80);
  // Amendment D 6.2.3: the C-MAC of EXTERNAL AUTHENTICATE starts from an all-zero chaining value.
  const mac = new AesCmac(session.sMac).mac(ZERO_CHAINING, Uint8Array.of(macCla(cla), 0x82, checked, 0x00, 0x10), cryptogram);
  const data = new Uint8Array(16);
  data.set(cryptogram);
  data.set(mac.subarray(0, MAC_LENGTH), 8);
  return {
    keys,
    externalAuthenticate: { cla, ins: 0x82, p1: checked, p2: 0x00, data },
    state: { kvn: card.kvn, level: checked, sEnc: toHex(session.sEnc), sMac: toHex(session.sMac), sRmac: toHex(session.sRmac), chaining: toHex(mac), counter: 0 },
  };
}

function messaging(state: PipelineState, chaining: string, counter: number): SecureMessaging {
  const sm = new SecureMessaging({ sEnc: fromHex(state.sEnc), sMac: fromHex(state.sMac), sRmac: fromHex(state.sRmac) }, state.level, fromHex(chaining));
  sm.counter = counter;
  return sm;
}

/** Wraps the next command of the session (C-DEC, C-MAC as the level says) and moves the chain on. */
export function wrapCommand(state: PipelineState, plain: CommandApdu): { wire: CommandApdu; snapshot: CommandSnapshot } {
  const sm = messaging(state, state.chaining, state.counter);
  const wire = protectCommand(sm, plain);
  state.chaining = toHex(sm.chaining);
  state.counter = sm.counter;
  return { wire, snapshot: { chaining: state.chaining, counter: state.counter } };
}

/** Checks the R-MAC of a response and removes its R-ENC (errors carry no protection: Amendment D 6.2.5). */
export function unwrapResponse(state: PipelineState, snapshot: CommandSnapshot, response: ResponseApdu): ResponseApdu {
  try {
    return verifyResponse(messaging(state, snapshot.chaining, snapshot.counter), response);
  } catch (err) {
    if (err instanceof Scp03Error) throw channelError(`the response does not verify: ${err.message}`, err);
    throw err;
  }
}
