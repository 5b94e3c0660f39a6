import { concat, uintBE } from '../../bytes/index.js';
import { Scp03Error } from './errors.js';
import { DerivationConstant, scp03Derive } from './kdf.js';

/** Card cryptogram, Amendment D 6.2.2.2: KDF(S-MAC, 00, L=64, host challenge || card challenge). */
export function cardCryptogram(sMac: Uint8Array, hostChallenge: Uint8Array, cardChallenge: Uint8Array): Uint8Array {
  return scp03Derive(sMac, DerivationConstant.CARD_CRYPTOGRAM, concat(hostChallenge, cardChallenge), 64);
}

/** Host cryptogram, Amendment D 6.2.2.3: KDF(S-MAC, 01, L=64, host challenge || card challenge). */
export function hostCryptogram(sMac: Uint8Array, hostChallenge: Uint8Array, cardChallenge: Uint8Array): Uint8Array {
  return scp03Derive(sMac, DerivationConstant.HOST_CRYPTOGRAM, concat(hostChallenge, cardChallenge), 64);
}

/** The largest value of the 3-byte sequence counter. */
export const MAX_SEQUENCE_COUNTER = 0xffffff;

/**
 * Pseudo-random card challenge, Amendment D 6.2.2.1: KDF(static Key-ENC, 02, L=64, sequence counter
 * (3 bytes) || AID of the security domain that owns the key set). The counter is the value already
 * incremented for this INITIALIZE UPDATE; keeping and persisting it is the security domain's job.
 */
export function pseudoRandomCardChallenge(keyEnc: Uint8Array, sequenceCounter: number, sdAid: Uint8Array): Uint8Array {
  if (!Number.isInteger(sequenceCounter) || sequenceCounter < 0 || sequenceCounter > MAX_SEQUENCE_COUNTER) {
    throw new Scp03Error('ERR_SCP03_SEQUENCE_COUNTER', `sequence counter ${sequenceCounter} does not fit in 3 bytes`, { sw: 0x6985 });
  }
  if (sdAid.length < 5 || sdAid.length > 16) {
    throw new Scp03Error('ERR_SCP03_KDF_PARAMS', `a security domain AID is 5..16 bytes, not ${sdAid.length}`);
  }
  return scp03Derive(keyEnc, DerivationConstant.CARD_CHALLENGE, concat(uintBE(sequenceCounter, 3), sdAid), 64);
}
