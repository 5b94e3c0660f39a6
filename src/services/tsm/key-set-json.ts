import { fromHex, toHex } from '../../bytes/index.js';
import { scp03KeySet, type Scp03KeySet } from '../../crypto/index.js';

/** An SCP03 key set as JSON (inside sealed values only). */
export interface KeySetJson {
  readonly kvn: number;
  readonly enc: string;
  readonly mac: string;
  readonly dek: string;
}

export function keySetToJson(keys: Scp03KeySet): KeySetJson {
  return { kvn: keys.kvn, enc: toHex(keys.enc), mac: toHex(keys.mac), dek: toHex(keys.dek) };
}

export function keySetFromJson(json: KeySetJson): Scp03KeySet {
  return scp03KeySet(json.kvn, fromHex(json.enc), fromHex(json.mac), fromHex(json.dek));
}
