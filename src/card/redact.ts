import { toHex } from '../bytes/index.js';

/**
 * Instructions whose command data is a secret (style rule 12): VERIFY ('20', '21'), CHANGE REFERENCE
 * DATA ('24'), RESET RETRY COUNTER ('2C') carry PINs and passwords in clear; GlobalPlatform PUT KEY
 * ('D8') carries keys. Their data never reaches a log.
 */
export const SECRET_INSTRUCTIONS: ReadonlySet<number> = new Set([0x20, 0x21, 0x24, 0x2c, 0xd8]);

/**
 * A command APDU as uppercase hex for a log, with the data of a secret-carrying instruction replaced
 * by `<n bytes redacted>`. The header and length fields stay: they tell what was sent without telling
 * the secret (a PIN's length is public, OpenSC fixes it at 4). Malformed input is shown the same
 * way: after the header of a secret instruction, nothing but the byte count.
 */
export function redactCommand(command: Uint8Array, secret: ReadonlySet<number> = SECRET_INSTRUCTIONS): string {
  if (command.length < 5 || !secret.has(command[1]!)) return toHex(command);
  const header = toHex(command.subarray(0, 4));
  const body = command.length - 4;
  if (command[4] !== 0 && body >= 1 + command[4]!) {
    const lc = command[4]!;
    const le = body - 1 - lc;
    return `${header}${toHex(command.subarray(4, 5))}<${lc} bytes redacted>${le > 0 ? toHex(command.subarray(5 + lc)) : ''}`;
  }
  return `${header}<${body} bytes redacted>`;
}
