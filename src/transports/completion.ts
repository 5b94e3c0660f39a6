import { encodeCommand, getResponseFor, parseCommand, parseResponse, retryWithExactLength, type CommandApdu } from '../apdu/index.js';
import { concat } from '../bytes/index.js';
import { PcscError } from './errors.js';
import type { ApduTransport } from './port.js';

/*
 * ISO/IEC 7816-4 5.1.3 (and 7816-3 12.2 for T=0): a card may answer
 *   '61XX': the command completed and XX more bytes wait: fetch them with GET RESPONSE (00 C0 00 00 XX)
 *           on the same logical channel, as often as the card keeps saying 61XX;
 *   '6CXX': wrong Le: send the same command again with Le = XX.
 * T=0 cards do this all the time, T=1 cards and readers hide it mostly; a host that talks to real
 * readers must do both. The decorator turns a raw transport into one whose responses are complete.
 */

/** Bounds against a card that never stops: 64 KiB of response data or 256 round trips per command. */
const MAX_DATA = 65536;
const MAX_ROUNDS = 256;

/** Wraps a raw transport (one SCardTransmit per call) so that 61XX and 6CXX are resolved. */
export function withResponseCompletion(raw: ApduTransport): ApduTransport {
  return {
    async transmit(bytes) {
      let cmd: CommandApdu;
      try {
        cmd = parseCommand(bytes);
      } catch {
        return raw.transmit(bytes); // not a command this layer understands: pass it through untouched
      }
      let r = parseResponse(await raw.transmit(bytes));
      let rounds = 1;
      if (r.sw >> 8 === 0x6c) {
        r = parseResponse(await raw.transmit(encodeCommand(retryWithExactLength(cmd, r.sw))));
        rounds += 1;
      }
      const parts: Uint8Array[] = [r.data];
      let total = r.data.length;
      while (r.sw >> 8 === 0x61) {
        let getResponse = getResponseFor(cmd, r.sw);
        r = parseResponse(await raw.transmit(encodeCommand(getResponse)));
        rounds += 1;
        if (r.sw >> 8 === 0x6c) {
          getResponse = retryWithExactLength(getResponse, r.sw);
          r = parseResponse(await raw.transmit(encodeCommand(getResponse)));
          rounds += 1;
        }
        parts.push(r.data);
        total += r.data.length;
        if (total > MAX_DATA || rounds > MAX_ROUNDS) {
          throw new PcscError('ERR_PCSC_RESPONSE_LOOP', `the card is still sending after ${total} bytes in ${rounds} exchanges`);
        }
      }
      return concat(...parts, Uint8Array.of(r.sw >> 8, r.sw & 0xff));
    },
  };
}
