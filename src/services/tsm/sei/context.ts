import { fromHex } from '../../../bytes/index.js';
import type { Scp03KeySet } from '../../../crypto/index.js';
import { keySetFromJson, type KeySetJson } from '../key-set-json.js';
import type { Sealer } from '../sealing.js';
import { identityFromCplc } from '../se-identity.js';
import type { ElementRow } from './elements.js';
import { deriveIsdKeys, developmentIsdKeys } from './isd-keys.js';

/** What the SEI-TSM's code runs with: its own keys (never the SP's), randomness and clock. */
export interface SeiContext {
  /** Seals what the SEI keeps: maker's ISD keys, its session state. */
  readonly sealer: Sealer;
  /** The ISD key derivation key (isd-keys.ts). */
  readonly derivationKey: Uint8Array;
  readonly random: (length: number) => Uint8Array;
  readonly clock: () => Date;
}

export function isdKeysAad(seId: string): string {
  return `sei-isd-keys:${seId}`;
}

/** The ISD key set of an element for the KVN the card named, if the SEI holds it. */
export function isdKeysFor(ctx: SeiContext, e: ElementRow, kvn: number): Scp03KeySet | undefined {
  const derived = () => deriveIsdKeys(ctx.derivationKey, identityFromCplc(fromHex(e.cplc)).kdd, kvn);
  switch (e.key_mode) {
    case 'development':
      return kvn === e.isd_kvn ? developmentIsdKeys(kvn) : undefined;
    case 'issuer':
      return kvn === e.isd_kvn ? keySetFromJson(ctx.sealer.openJson<KeySetJson>(e.isd_keys!, isdKeysAad(e.se_id))) : undefined;
    case 'transport':
      if (kvn === e.isd_kvn) return keySetFromJson(ctx.sealer.openJson<KeySetJson>(e.isd_keys!, isdKeysAad(e.se_id)));
      return kvn === e.derived_kvn ? derived() : undefined;
    case 'derived':
      return kvn === e.derived_kvn ? derived() : undefined;
  }
}
