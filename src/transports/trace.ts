import { redactCommand } from '../card/index.js';
import { toHex } from '../bytes/index.js';
import type { ApduTransport } from './port.js';

/*
 * Tracing is a decorator over the transport port (style rule 9) that never shows a secret (rule 12):
 * commands go through the card runtime's `redactCommand`, which replaces the data of VERIFY, CHANGE
 * REFERENCE DATA, RESET RETRY COUNTER and PUT KEY by its length.
 */

export interface TraceLine {
  /** The command as uppercase hex, redacted. */
  readonly command: string;
  /** The response as uppercase hex. */
  readonly response: string;
  readonly ms: number;
}

/** Wraps a transport so that every exchange is reported to `sink`, redacted. */
export function traced(transport: ApduTransport, sink: (line: TraceLine) => void, now: () => number = () => performance.now()): ApduTransport {
  return {
    async transmit(command) {
      const started = now();
      const response = await transport.transmit(command);
      sink({ command: redactCommand(command), response: toHex(response), ms: now() - started });
      return response;
    },
  };
}
