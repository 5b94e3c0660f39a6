import { parseCommand } from '../../../../apdu/index.js';

/**
 * Why OMAPI `Channel.transmit` refuses a command before the enforcer sees it (digest 4.4 step 5,
 * [AOSP-SE] `Channel`, `CommandApduValidator`):
 * - `malformed`: not an ISO/IEC 7816-3 command (bad Lc/Le framing, shorter than a header);
 * - `cla-ff`: CLA `FF`;
 * - `ins-invalid`: INS `6x` or `9x`;
 * - `manage-channel`: MANAGE CHANNEL (interindustry class, INS `70`);
 * - `select-by-name`: SELECT by DF name (interindustry class, `A4 04`) from an application without
 *   privileged or carrier-privilege access.
 */
export type TransmitRefusal = 'malformed' | 'cla-ff' | 'ins-invalid' | 'manage-channel' | 'select-by-name';

/** The refusal, or `undefined` when the command may go on to the enforcer's per-APDU check. */
export function omapiTransmitRefusal(command: Uint8Array, privileged: boolean): TransmitRefusal | undefined {
  try {
    parseCommand(command);
  } catch {
    return 'malformed';
  }
  const [cla, ins, p1] = [command[0]!, command[1]!, command[2]!];
  if (cla === 0xff) return 'cla-ff';
  if ((ins & 0xf0) === 0x60 || (ins & 0xf0) === 0x90) return 'ins-invalid';
  const interindustry = (cla & 0x80) === 0;
  if (interindustry && ins === 0x70) return 'manage-channel';
  if (interindustry && ins === 0xa4 && p1 === 0x04 && !privileged) return 'select-by-name';
  return undefined;
}
