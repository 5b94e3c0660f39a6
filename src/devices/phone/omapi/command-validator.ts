import { ApduError, isValidCla, parseCommand, type CommandApdu } from '../../../apdu/index.js';
import { OmapiError } from './errors.js';

const INS_MANAGE_CHANNEL = 0x70;
const INS_SELECT = 0xa4;
const P1_SELECT_BY_DF_NAME = 0x04;

/**
 * The checks `Channel.transmit` makes on an app's command before anything reaches the element
 * (OMAPI 3.3 `Channel.transmit`; [AOSP-SE] `CommandApduValidator`; gp-scp03.md 4.4 item 5), in
 * their order:
 * 1. at least a 4-byte header (`ERR_OMAPI_APDU_MALFORMED`);
 * 2. CLA 'FF' is refused (`ERR_OMAPI_CLA_INVALID`); so are the RFU classes '2x'/'3x', which have no
 *    coding and no channel bits to write (stricter than AOSP, which passes them on);
 * 3. INS '6x' and '9x' are refused (`ERR_OMAPI_INS_INVALID`): under T=0 they are procedure or status
 *    bytes, never instructions (ISO/IEC 7816-3 10.3.3);
 * 4. Lc and Le must frame the body exactly, short or extended (ISO/IEC 7816-3 12.1.3;
 *    `ERR_OMAPI_APDU_MALFORMED`).
 * Each is an IllegalArgument in Java.
 */
export function validateCommand(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw new OmapiError('ERR_OMAPI_APDU_MALFORMED', `a command needs a 4-byte header, got ${bytes.length} byte(s)`);
  const cla = bytes[0]!;
  const ins = bytes[1]!;
  if (!isValidCla(cla)) throw new OmapiError('ERR_OMAPI_CLA_INVALID', `class byte ${cla.toString(16).toUpperCase()} is not allowed`);
  if ((ins & 0xf0) === 0x60 || (ins & 0xf0) === 0x90) {
    throw new OmapiError('ERR_OMAPI_INS_INVALID', `instruction ${ins.toString(16).toUpperCase()} is a status byte, not an instruction`);
  }
  try {
    return parseCommand(bytes);
  } catch (err) {
    if (err instanceof ApduError) throw new OmapiError('ERR_OMAPI_APDU_MALFORMED', `the command is not an APDU: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The commands an app may not send itself with an interindustry class (b8 = 0): MANAGE CHANNEL,
 * which would take channels from under the OMAPI, and SELECT by DF name, which would switch the
 * channel to an applet the access rules were not asked about; a privileged caller may send the
 * latter (OMAPI 3.3; [AOSP-SE] `Channel.transmit`). Both are Security exceptions in Java.
 */
export function checkInterindustry(cmd: CommandApdu, privileged: boolean): void {
  if ((cmd.cla & 0x80) !== 0) return;
  if (cmd.ins === INS_MANAGE_CHANNEL) throw new OmapiError('ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN', 'MANAGE CHANNEL is the OMAPI\'s own');
  if (cmd.ins === INS_SELECT && cmd.p1 === P1_SELECT_BY_DF_NAME && !privileged) {
    throw new OmapiError('ERR_OMAPI_SELECT_FORBIDDEN', 'SELECT by DF name needs the privileged permission; open a channel to the AID instead');
  }
}
