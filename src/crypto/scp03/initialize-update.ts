import { concat, readUintBE, toHex } from '../../bytes/index.js';
import { Scp03Error } from './errors.js';
import { IParameter } from './security-level.js';

/** SCP identifier in the key information (GP Card Spec Table E-1 / Amendment D 7.1.1.1). */
export const SCP03_ID = 0x03;

/**
 * The INITIALIZE UPDATE response data field, Amendment D Table 7-2, concatenated without delimiters:
 * key diversification data (10) || key information (3: KVN, `03`, i) || card challenge (8) ||
 * card cryptogram (8) || sequence counter (3, only with pseudo-random challenges, i b5).
 */
export interface InitializeUpdateResponse {
  readonly keyDiversificationData: Uint8Array;
  readonly kvn: number;
  readonly scpId: number;
  readonly i: number;
  readonly cardChallenge: Uint8Array;
  readonly cardCryptogram: Uint8Array;
  readonly sequenceCounter: number | undefined;
}

export function encodeInitializeUpdateResponse(r: InitializeUpdateResponse): Uint8Array {
  const parts = [r.keyDiversificationData, Uint8Array.of(r.kvn, r.scpId, r.i), r.cardChallenge, r.cardCryptogram];
  if (r.sequenceCounter !== undefined) {
    const c = r.sequenceCounter;
    parts.push(Uint8Array.of((c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff));
  }
  return concat(...parts);
}

/** Parses the response data; the length must agree with the i parameter (29, or 32 with a counter). */
export function parseInitializeUpdateResponse(data: Uint8Array): InitializeUpdateResponse {
  if (data.length !== 29 && data.length !== 32) {
    throw new Scp03Error('ERR_SCP03_INIT_UPDATE_RESPONSE', `INITIALIZE UPDATE response data is ${data.length} bytes, not 29 or 32`);
  }
  const scpId = data[11]!;
  const i = data[12]!;
  if (scpId !== SCP03_ID) {
    throw new Scp03Error('ERR_SCP03_INIT_UPDATE_RESPONSE', `the card answered for SCP ${toHex(Uint8Array.of(scpId))}, not SCP03`);
  }
  const pseudoRandom = (i & IParameter.PSEUDO_RANDOM_CHALLENGE) !== 0;
  if (pseudoRandom !== (data.length === 32)) {
    throw new Scp03Error('ERR_SCP03_INIT_UPDATE_RESPONSE', 'the sequence counter is present exactly when i announces pseudo-random challenges');
  }
  return {
    keyDiversificationData: data.slice(0, 10),
    kvn: data[10]!,
    scpId,
    i,
    cardChallenge: data.slice(13, 21),
    cardCryptogram: data.slice(21, 29),
    sequenceCounter: pseudoRandom ? readUintBE(data, 29, 3) : undefined,
  };
}
