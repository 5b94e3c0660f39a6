import { join } from 'node:path';
import { FileCardStore } from '../../../src/card/index.js';
import type { IdCardState } from '../../../src/devices/id-card/index.js';
import { issuedState, PASSWORD, PIN } from '../../devices/id-card/helpers.js';

export { PASSWORD, PIN };

/**
 * An issued Individual Number Card as a card file in `dir` (owner-only JSON, as `jpki-mobile card issue`
 * writes it), with PIN 1234 and password ABC123. The card is issued once per process by the card
 * tests' in-memory CA (real JPKI-profile certificates); each call writes a fresh copy.
 */
export async function writeCardFile(dir: string, name = 'card.json'): Promise<{ path: string; state: IdCardState }> {
  const path = join(dir, name);
  const state = await issuedState();
  await new FileCardStore<IdCardState>(path).create(state);
  return { path, state };
}
