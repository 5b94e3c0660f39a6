import { JpkiMobileError } from '../errors/index.js';
import type { ResponseApdu } from './response.js';
import { requireSw, triesLeft } from './response.js';
import { describeSw } from './status-words.js';

/**
 * A status word as an error, used on both sides of the interface (one class, so a simulated card and
 * a host agree on what a refusal looks like):
 * - host: `expectSuccess(response)` throws it for anything but '9000';
 * - card: an applet calls `throwSw(SW.CONDITIONS_NOT_SATISFIED)` (as Java Card's
 *   `ISOException.throwIt`), and the card runtime answers with `err.sw` and, for SW1 '64'..'6F', no
 *   response data (ISO/IEC 7816-4 5.1.3: a process aborted with an error returns no data field).
 * The status word is validated, so `sw` is always a value a card can send.
 */
export class StatusWordError extends JpkiMobileError<'ERR_APDU_STATUS'> {
  readonly sw: number;

  constructor(sw: number, message?: string, options?: { cause?: unknown }) {
    const valid = requireSw(sw);
    const { name, meaning } = describeSw(valid);
    super('ERR_APDU_STATUS', message ?? `status word ${valid.toString(16).toUpperCase().padStart(4, '0')} ${name}: ${meaning}`, options);
    this.sw = valid;
  }

  /** X of '63CX' (after VERIFY: tries left), otherwise `undefined`. */
  get triesLeft(): number | undefined {
    return triesLeft(this.sw);
  }
}

/** Card side: ends command processing with status word `sw`. */
export function throwSw(sw: number, message?: string): never {
  throw new StatusWordError(sw, message);
}

/**
 * Host side: the response data when the status word is '9000', else a `StatusWordError`. '61XX' is
 * refused too: it means the transport has not fetched the rest of the data.
 */
export function expectSuccess(r: ResponseApdu): Uint8Array {
  if (r.sw !== 0x9000) throw new StatusWordError(r.sw);
  return r.data;
}
