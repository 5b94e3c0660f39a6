import type { Scp03KeySet } from '../../../crypto/index.js';
import type { Queryable } from '../../../store/index.js';
import { keySetFromJson, keySetToJson, type KeySetJson } from '../key-set-json.js';
import type { Sealer } from '../sealing.js';
import { apsdKeyRows, insertApsdKeys, type ApsdKeyRow } from './repository.js';
import type { PhoneCertifier } from './ca-client.js';

/** What the SP-TSM's code runs with: its own keys (never the SEI's), the CA, randomness and clock. */
export interface SpContext {
  /** Seals what the SP keeps: APSD key sets, its session state, the temporary PIN and password. */
  readonly sealer: Sealer;
  readonly ca: PhoneCertifier;
  readonly random: (length: number) => Uint8Array;
  readonly clock: () => Date;
}

function keysAad(seId: string, kvn: number): string {
  return `sp-apsd-keys:${seId}:${kvn}`;
}

export async function storeApsdKeys(ctx: SpContext, q: Queryable, seId: string, keys: Scp03KeySet, state: ApsdKeyRow['state']): Promise<void> {
  await insertApsdKeys(q, { se_id: seId, kvn: keys.kvn, state, keys: ctx.sealer.sealJson(keySetToJson(keys), keysAad(seId, keys.kvn)), created_at: ctx.clock().toISOString() });
}

/** The APSD key sets the SP holds for an element, by KVN, with their state. */
export async function apsdKeys(ctx: SpContext, q: Queryable, seId: string): Promise<Map<number, { keys: Scp03KeySet; state: ApsdKeyRow['state'] }>> {
  const out = new Map<number, { keys: Scp03KeySet; state: ApsdKeyRow['state'] }>();
  for (const row of await apsdKeyRows(q, seId)) {
    out.set(row.kvn, { state: row.state, keys: keySetFromJson(ctx.sealer.openJson<KeySetJson>(row.keys, keysAad(seId, row.kvn))) });
  }
  return out;
}
