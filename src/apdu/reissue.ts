import { channelOf, withChannel } from './cla.js';
import type { CommandApdu } from './command.js';
import { command } from './command.js';
import { ApduError } from './errors.js';

/*
 * ISO/IEC 7816-4 5.1.3, the two SW1 values that depend on the transmission protocol (paraphrased):
 * - '6CXX': the process is aborted; before any other command, the same command may be re-issued with
 *   SW2, the exact number of available data bytes, as a short Le field;
 * - '61XX': the process is completed; before any other command, GET RESPONSE may be issued with the
 *   same CLA and SW2, the number of data bytes still available, as a short Le field.
 * A short Le '00' stands for 256, so SW2 = 00 means 256 in both.
 */

function requireFamily(sw: number, sw1: number, helper: string): number {
  if (!Number.isInteger(sw) || sw >> 8 !== sw1) {
    const expected = sw1.toString(16).toUpperCase();
    throw new ApduError('ERR_APDU_SW_UNEXPECTED', `${helper} needs a status word ${expected}XX, got ${String(sw)}`);
  }
  return (sw & 0xff) || 256;
}

/**
 * The command to send again after '6CXX': the same header and data with Ne = XX. The Le is short as
 * the norm says (extended only if the data needs it).
 */
export function retryWithExactLength(cmd: CommandApdu, sw: number): CommandApdu {
  const ne = requireFamily(sw, 0x6c, 'retryWithExactLength');
  return command(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, ne);
}

/**
 * GET RESPONSE `00 C0 00 00 XX` after '61XX', on the logical channel of `original`. "The same CLA" is
 * read as the same channel: GET RESPONSE is an interindustry command and carries no secure
 * messaging, so a GlobalPlatform '84' (SM) or '81' becomes '00' or '01'.
 */
export function getResponseFor(original: CommandApdu, sw: number): CommandApdu {
  const ne = requireFamily(sw, 0x61, 'getResponseFor');
  return command(withChannel(0x00, channelOf(original.cla)), 0xc0, 0x00, 0x00, undefined, ne);
}
