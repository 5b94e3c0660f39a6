import { command, type CommandApdu, type ResponseApdu } from '../../../../apdu/index.js';
import { concat } from '../../../../bytes/index.js';
import { AraError } from '../errors.js';
import { decodeRefreshTag } from '../ref-ar-do.js';
import { AceError } from './errors.js';

/**
 * Sends one command on the logical channel the enforcer opened to the ARA-M and returns the answer.
 * The commands are built with CLA `80`; the sender puts its channel number in the class byte.
 */
export type ApduSender = (command: CommandApdu) => Promise<ResponseApdu>;

/** `80 CA DF 20 00`: GET DATA refresh tag (digest 4.1). */
export const GET_REFRESH_TAG: CommandApdu = command(0x80, 0xca, 0xdf, 0x20, undefined, 256);
/** `80 CA FF 40 00`: GET DATA [All]. */
export const GET_ALL: CommandApdu = command(0x80, 0xca, 0xff, 0x40, undefined, 256);
/** `80 CA FF 60 00`: GET DATA [Next]. */
export const GET_NEXT: CommandApdu = command(0x80, 0xca, 0xff, 0x60, undefined, 256);

/**
 * The most bytes of rules read when the caller sets no lower bound (a hostile element cannot make the
 * reader allocate more): far above the ARA-M's own 16 KiB store.
 */
export const MAX_ALL_RULES = 1 << 20;

const SW_SUCCESS = 0x9000;
const SW_NO_RULES = 0x6a88;

function statusError(what: string, sw: number): AceError {
  return new AceError('ERR_ACE_ARA_STATUS', `${what} answered ${sw.toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Reads the refresh tag: `DF20 08 <8 bytes>`, any other shape is `ERR_ACE_ARA_RULES`. */
export async function readRefreshTag(send: ApduSender): Promise<Uint8Array> {
  const r = await send(GET_REFRESH_TAG);
  if (r.sw !== SW_SUCCESS) throw statusError('GET DATA [refresh tag]', r.sw);
  try {
    return decodeRefreshTag(r.data);
  } catch (err) {
    if (err instanceof AraError) throw new AceError('ERR_ACE_ARA_RULES', `the refresh tag does not decode: ${err.code}`, { cause: err });
    throw err;
  }
}

/**
 * The whole FF40 answer, from the first block of GET DATA [All] and the blocks of [Next]: "the ACE
 * works out the total length from the first TLV header and sends GET DATA [Next] until it has
 * everything" (digest 4.1, [AOSP-SE] `AccessRuleApplet.readAllAccessRules`). Unlike AOSP, a [Next]
 * that brings nothing, or more than announced, is an error rather than a loop.
 */
export class AllRulesAssembler {
  readonly total: number;
  readonly #parts: Uint8Array[] = [];
  #received = 0;

  /** `maxBytes`: the most the whole FF40 may announce (`ERR_ACE_ARA_TOO_LONG` above it, before any [Next]). */
  constructor(first: Uint8Array, maxBytes: number = MAX_ALL_RULES) {
    this.total = announcedLength(first, maxBytes);
    this.add(first);
  }

  /** Bytes still to come. */
  get missing(): number {
    return this.total - this.#received;
  }

  add(block: Uint8Array): void {
    if (block.length === 0) throw new AceError('ERR_ACE_ARA_LENGTH', 'GET DATA [Next] brought no data');
    if (block.length > this.missing) throw new AceError('ERR_ACE_ARA_LENGTH', `${block.length} byte(s) came where ${this.missing} were missing`);
    this.#parts.push(block.slice());
    this.#received += block.length;
  }

  get bytes(): Uint8Array {
    return concat(...this.#parts);
  }
}

/** Tag FF40 and a definite length of at most four bytes (ISO/IEC 7816-4 5.2.2): the whole size. */
function announcedLength(first: Uint8Array, maxBytes: number): number {
  if (first.length < 3 || first[0] !== 0xff || first[1] !== 0x40) {
    throw new AceError('ERR_ACE_ARA_HEADER', 'the first block of GET DATA [All] does not start with FF40 and its length');
  }
  const l = first[2]!;
  let length = l;
  let header = 3;
  if (l >= 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4 || first.length < 3 + n) throw new AceError('ERR_ACE_ARA_HEADER', 'the length of FF40 is incomplete or not definite');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + first[3 + i]!;
    header += n;
  }
  if (header + length > maxBytes) throw new AceError('ERR_ACE_ARA_TOO_LONG', `FF40 announces ${header + length} bytes, more than the ${maxBytes} accepted`);
  return header + length;
}

/**
 * GET DATA [All] then [Next] until complete; `undefined` when the ARA-M has no rules ('6A88'). The
 * whole FF40 is at most `maxBytes` (default `MAX_ALL_RULES`), checked on the first block's header.
 */
export async function readAllRules(send: ApduSender, maxBytes: number = MAX_ALL_RULES): Promise<Uint8Array | undefined> {
  const r = await send(GET_ALL);
  if (r.sw === SW_NO_RULES) return undefined;
  if (r.sw !== SW_SUCCESS) throw statusError('GET DATA [All]', r.sw);
  const all = new AllRulesAssembler(r.data, maxBytes);
  while (all.missing > 0) {
    const next = await send(GET_NEXT);
    if (next.sw !== SW_SUCCESS) throw statusError('GET DATA [Next]', next.sw);
    all.add(next.data);
  }
  return all.bytes;
}
