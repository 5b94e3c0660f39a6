import { concat, uintBE } from '../bytes/index.js';
import { ApduError } from './errors.js';

/**
 * A command APDU (ISO/IEC 7816-4 5.1): header CLA INS P1 P2, command data (Nc = data.length bytes)
 * and Ne, the maximum number of response data bytes expected. `ne` absent means no Le field.
 *
 * `extended` asks for extended length fields even when short ones would do; values from `command()`
 * and `parseCommand()` carry the framing actually used, so parsing then encoding is byte-identical.
 * The class byte is not checked here: PC/SC Part 3 sends reader commands with CLA 'FF', which a card
 * would refuse but a codec must carry (see `isValidCla` in cla.ts).
 */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  readonly ne?: number;
  readonly extended?: boolean;
}

export type CommandCase = 1 | 2 | 3 | 4;

/** ISO/IEC 7816-3 12.1.2: case 1 no data no Le, 2 Le only, 3 data only, 4 data and Le. */
export interface CommandCaseInfo {
  readonly case: CommandCase;
  readonly extended: boolean;
}

const EMPTY = new Uint8Array(0);
const MAX_NC = 65535;
const MAX_NE = 65536;

function checkByte(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new ApduError('ERR_APDU_HEADER_RANGE', `${field} ${String(value)} is not a byte`);
  }
}

function validate(cmd: CommandApdu): void {
  checkByte(cmd.cla, 'CLA');
  checkByte(cmd.ins, 'INS');
  checkByte(cmd.p1, 'P1');
  checkByte(cmd.p2, 'P2');
  if (cmd.data.length > MAX_NC) {
    throw new ApduError('ERR_APDU_DATA_TOO_LONG', `Nc ${cmd.data.length} exceeds ${MAX_NC}`);
  }
  const ne = cmd.ne;
  if (ne !== undefined && (!Number.isInteger(ne) || ne < 1 || ne > MAX_NE)) {
    throw new ApduError('ERR_APDU_NE_RANGE', `Ne ${String(ne)} is outside 1..${MAX_NE}`);
  }
}

// Case 1 has no length field at all, so a request for extended lengths cannot apply to it.
function usesExtended(nc: number, ne: number | undefined, requested: boolean | undefined): boolean {
  if (nc === 0 && ne === undefined) return false;
  return requested === true || nc > 255 || (ne ?? 0) > 256;
}

function build(cla: number, ins: number, p1: number, p2: number, data: Uint8Array, ne: number | undefined, extended: boolean): CommandApdu {
  // `ne` is left out rather than set to undefined so that deep equality sees one shape per value.
  return ne === undefined ? { cla, ins, p1, p2, data, extended } : { cla, ins, p1, p2, data, ne, extended };
}

/**
 * Builds a validated command. `data` is not copied. `options.extended` forces extended lengths; they
 * are used anyway when Nc > 255 or Ne > 256.
 */
export function command(
  cla: number,
  ins: number,
  p1: number,
  p2: number,
  data: Uint8Array = EMPTY,
  ne?: number,
  options: { readonly extended?: boolean } = {},
): CommandApdu {
  validate({ cla, ins, p1, p2, data, ne });
  return build(cla, ins, p1, p2, data, ne, usesExtended(data.length, ne, options.extended));
}

/** The command's case and whether it is encoded with extended length fields. */
export function commandCase(cmd: CommandApdu): CommandCaseInfo {
  validate(cmd);
  const hasData = cmd.data.length > 0;
  const hasLe = cmd.ne !== undefined;
  const kind: CommandCase = hasData ? (hasLe ? 4 : 3) : hasLe ? 2 : 1;
  return { case: kind, extended: usesExtended(cmd.data.length, cmd.ne, cmd.extended) };
}

/*
 * ISO/IEC 7816-3 12.1.2 encodings after the header:
 *   1    (nothing)            2S  Le                  3S  Lc data       4S  Lc data Le
 *   2E   00 Le1 Le2           3E  00 Lc1 Lc2 data     4E  00 Lc1 Lc2 data Le1 Le2
 * Ne = 256 is the short Le '00', Ne = 65536 the extended Le '0000'.
 */
export function encodeCommand(cmd: CommandApdu): Uint8Array {
  validate(cmd);
  const nc = cmd.data.length;
  const ne = cmd.ne;
  const header = Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2);
  if (usesExtended(nc, ne, cmd.extended)) {
    const lc = nc > 0 ? concat(uintBE(nc, 2), cmd.data) : EMPTY;
    const le = ne !== undefined ? uintBE(ne % MAX_NE, 2) : EMPTY;
    return concat(header, Uint8Array.of(0), lc, le);
  }
  const lc = nc > 0 ? concat(Uint8Array.of(nc), cmd.data) : EMPTY;
  const le = ne !== undefined ? Uint8Array.of(ne % 256) : EMPTY;
  return concat(header, lc, le);
}

function fail(code: 'ERR_APDU_LC_TRUNCATED' | 'ERR_APDU_TRAILING_BYTES', lc: number, body: number): never {
  const what = code === 'ERR_APDU_LC_TRUNCATED' ? 'announces more data than the body holds' : 'leaves bytes after the Le field';
  throw new ApduError(code, `Lc ${lc} ${what} (body of ${body} byte(s))`);
}

/**
 * Decodes a command by ISO/IEC 7816-3 12.1.3: with L the body length after the header and B1..B3
 * its first bytes,
 *   L = 0                               case 1
 *   L = 1                               case 2S, Ne = B1 (00 → 256)
 *   B1 ≠ 0, L = 1 + B1                  case 3S, Nc = B1
 *   B1 ≠ 0, L = 2 + B1                  case 4S, Nc = B1, Ne = last byte
 *   B1 = 0, L = 3                       case 2E, Ne = B2B3 (0000 → 65536)
 *   B1 = 0, L > 3, Nc = B2B3 ≠ 0:
 *     L = 3 + Nc                        case 3E
 *     L = 5 + Nc                        case 4E, Ne = last two bytes
 * and nothing else is a command APDU.
 */
export function parseCommand(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) {
    throw new ApduError('ERR_APDU_COMMAND_TOO_SHORT', `a command needs a 4-byte header, got ${bytes.length} byte(s)`);
  }
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const body = bytes.subarray(4);
  const l = body.length;
  if (l === 0) return build(cla, ins, p1, p2, EMPTY, undefined, false);
  const b1 = body[0]!;
  if (l === 1) return build(cla, ins, p1, p2, EMPTY, b1 || 256, false);
  if (b1 !== 0) {
    if (l === 1 + b1) return build(cla, ins, p1, p2, body.slice(1), undefined, false);
    if (l === 2 + b1) return build(cla, ins, p1, p2, body.slice(1, 1 + b1), body[l - 1]! || 256, false);
    return fail(l < 1 + b1 ? 'ERR_APDU_LC_TRUNCATED' : 'ERR_APDU_TRAILING_BYTES', b1, l);
  }
  if (l === 2) {
    throw new ApduError('ERR_APDU_EXTENDED_LENGTH_TRUNCATED', 'body opens extended lengths (00) but holds only one more byte');
  }
  const b2b3 = body[1]! * 256 + body[2]!;
  if (l === 3) return build(cla, ins, p1, p2, EMPTY, b2b3 || MAX_NE, true);
  if (b2b3 === 0) {
    throw new ApduError('ERR_APDU_EXTENDED_LC_ZERO', `extended Lc 0000 is followed by ${l - 3} byte(s)`);
  }
  const nc = b2b3;
  if (l === 3 + nc) return build(cla, ins, p1, p2, body.slice(3), undefined, true);
  if (l === 5 + nc) {
    return build(cla, ins, p1, p2, body.slice(3, 3 + nc), (body[l - 2]! * 256 + body[l - 1]!) || MAX_NE, true);
  }
  if (l === 4 + nc) {
    throw new ApduError('ERR_APDU_EXTENDED_LE_TRUNCATED', 'extended case 4 ends one byte into its two-byte Le field');
  }
  return fail(l < 3 + nc ? 'ERR_APDU_LC_TRUNCATED' : 'ERR_APDU_TRAILING_BYTES', nc, l);
}

/** The same command with other data; the framing choice (`extended`) is kept. */
export function withData(cmd: CommandApdu, data: Uint8Array): CommandApdu {
  return command(cmd.cla, cmd.ins, cmd.p1, cmd.p2, data, cmd.ne, { extended: cmd.extended });
}

/** The same command with another Ne (`undefined` drops the Le field); the framing choice is kept. */
export function withNe(cmd: CommandApdu, ne: number | undefined): CommandApdu {
  return command(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, ne, { extended: cmd.extended });
}
