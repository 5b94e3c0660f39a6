import type { CommandApdu, ResponseApdu } from '../../src/apdu/index.js';
import {
  deriveSessionKeys,
  Scp03CardSession,
  type Scp03SessionKeys,
  Scp03HostSession,
  scp03KeySet,
  type Scp03KeySet,
  type SecurityLevel,
} from '../../src/crypto/index.js';
import { seededRandom } from '../helpers/vectors.js';

export const SD_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00]);
export const KDD = new Uint8Array(10);

export function keySetOf(length: 16 | 24 | 32, seed = 1, kvn = 0x30): Scp03KeySet {
  const r = seededRandom(seed);
  return scp03KeySet(kvn, r(length), r(length), r(length));
}

export interface Pair {
  host: Scp03HostSession;
  card: Scp03CardSession;
  /** The EXTERNAL AUTHENTICATE command that opened the session, and the session keys (to forge commands). */
  externalAuthenticate: CommandApdu;
  sessionKeys: Scp03SessionKeys;
  /** Sends a plain command through host.wrap → card.unwrap, answers with `reply`, returns host.unwrap. */
  exchange(command: CommandApdu, reply: ResponseApdu): { received: CommandApdu; response: ResponseApdu; wire: CommandApdu };
}

/** A host and a card session with the same keys, opened at `level` through the real handshake. */
export function openPair(level: SecurityLevel, keys: Scp03KeySet = keySetOf(16), options: { i?: number; cla?: number; seed?: number } = {}): Pair {
  const random = seededRandom(options.seed ?? 7);
  const host = new Scp03HostSession({ keys, random, cla: options.cla ?? 0x80 });
  const card = new Scp03CardSession();
  const iu = host.initializeUpdate();
  const info = host.onInitializeUpdateResponse(
    card.initializeUpdate(iu, { keys, i: options.i ?? 0x70, keyDiversificationData: KDD, sdAid: SD_AID, sequenceCounter: 1 }),
  );
  const externalAuthenticate = host.externalAuthenticate(level);
  host.onExternalAuthenticateResponse(card.externalAuthenticate(externalAuthenticate));
  return {
    host,
    card,
    externalAuthenticate,
    sessionKeys: deriveSessionKeys(keys, iu.data, info.cardChallenge),
    exchange(command, reply) {
      const wire = host.wrap(command);
      const received = card.unwrapCommand(wire);
      const response = host.unwrap(card.wrapResponse(reply));
      return { received, response, wire };
    },
  };
}
