import { SW, throwSw, type CommandApdu } from '../../../apdu/index.js';
import { toHex } from '../../../bytes/index.js';
import { LevelBit } from '../../../crypto/scp03/index.js';
import { AraError } from './errors.js';
import { decodeRefDo } from './ref-do.js';
import { encodeAllRulesResponse, encodeRefreshTag, encodeSpecificResponse } from './ref-ar-do.js';
import { ARA_SW, specificRule } from './rule-store.js';
import type { AraMContents } from './state.js';
import { TAG } from './tags.js';
import { parseOne } from './template.js';

/**
 * The rest of a GET DATA answer longer than one response, kept per logical channel with the refresh
 * tag it was built under, for GET DATA [Next] (digest 4.1).
 */
export interface PendingAnswer {
  readonly bytes: Uint8Array;
  offset: number;
  readonly refreshTag: string;
}

const R_MAC_LENGTH = 8;
const BLOCK = 16;
/** Le absent: answer as to Le = '00' (256), what AOSP sends ([AOSP-SE] `AccessRuleApplet`). */
const DEFAULT_NE = 256;

/**
 * How many plain data bytes fit in a response of at most `ne` bytes at the session's level: an R-MAC
 * takes 8 bytes (Amendment D 6.2.5), and R-ENCRYPTION pads to whole 16-byte blocks, adding 1..16
 * bytes (ISO/IEC 9797-1 method 2, Amendment D 6.2.7).
 */
export function responseCapacity(ne: number | undefined, level: number | undefined): number {
  const n = ne ?? DEFAULT_NE;
  if (level === undefined || (level & LevelBit.R_MAC) === 0) return n;
  const room = n - R_MAC_LENGTH;
  if ((level & LevelBit.R_ENCRYPTION) !== 0) return Math.floor(room / BLOCK) * BLOCK - 1;
  return room;
}

export interface GetDataContext {
  readonly contents: AraMContents;
  /** Plain bytes that fit in this response. */
  readonly capacity: number;
  /** The channel's pending answer, replaced by `setPending`. */
  readonly pending: PendingAnswer | undefined;
  setPending(p: PendingAnswer | undefined): void;
}

/**
 * GET DATA `80 CA P1 P2` on the ARA-M (SEAC 4.1; digest 4.1). P1 P2:
 * - `FF40` [All]: `FF40 L {E2…}`, its first `capacity` bytes; '6A88' when no rule is stored.
 * - `FF60` [Next]: the next bytes of the answer being read; '6985' when none is being read; '6984'
 *   ("rules have been updated and must be read again", [pySim-ARA]) when the rules changed since.
 * - `DF20` refresh tag: `DF20 08 <tag>`.
 * - `FF50` [Specific] with `E1{4F|C0, C1}`: `FF50 L E3{…}`, or `FF50 00` when no rule applies; an answer
 *   that does not fit goes on with [Next] like [All].
 * - anything else: '6A88' (referenced data not found). [All], [Next] and the refresh tag take no data
 *   ('6700' otherwise).
 */
export function getData(cmd: CommandApdu, ctx: GetDataContext): Uint8Array {
  if (ctx.capacity < 1) throwSw(SW.WRONG_LENGTH);
  const tag = (cmd.p1 << 8) | cmd.p2;
  const refreshTag = toHex(ctx.contents.refreshTag);
  switch (tag) {
    case TAG.RESPONSE_ALL_REF_AR_DO: {
      noData(cmd);
      if (ctx.contents.rules.length === 0) {
        ctx.setPending(undefined);
        throwSw(SW.REFERENCED_DATA_NOT_FOUND);
      }
      return first(encodeAllRulesResponse(ctx.contents.rules.map((r) => r.rule)), refreshTag, ctx);
    }
    case TAG.GET_NEXT: {
      noData(cmd);
      const p = ctx.pending;
      if (!p) throwSw(SW.CONDITIONS_NOT_SATISFIED);
      if (p.refreshTag !== refreshTag) {
        ctx.setPending(undefined);
        throwSw(ARA_SW.RULES_UPDATED);
      }
      const chunk = p.bytes.slice(p.offset, p.offset + ctx.capacity);
      p.offset += chunk.length;
      if (p.offset >= p.bytes.length) ctx.setPending(undefined);
      return chunk;
    }
    case TAG.REFRESH_TAG:
      noData(cmd);
      return encodeRefreshTag(ctx.contents.refreshTag);
    case TAG.RESPONSE_AR_DO:
      return first(specific(cmd, ctx.contents), refreshTag, ctx);
    default:
      throwSw(SW.REFERENCED_DATA_NOT_FOUND);
  }
}

function noData(cmd: CommandApdu): void {
  if (cmd.data.length !== 0) throwSw(SW.WRONG_LENGTH);
}

function first(answer: Uint8Array, refreshTag: string, ctx: GetDataContext): Uint8Array {
  if (answer.length <= ctx.capacity) {
    ctx.setPending(undefined);
    return answer;
  }
  ctx.setPending({ bytes: answer, offset: ctx.capacity, refreshTag });
  return answer.slice(0, ctx.capacity);
}

/** GET DATA [Specific]: the command data is one REF-DO with an AID-REF-DO and no package name. */
function specific(cmd: CommandApdu, contents: AraMContents): Uint8Array {
  if (cmd.data.length === 0) throwSw(SW.WRONG_LENGTH);
  let ref;
  try {
    ref = decodeRefDo(parseOne(cmd.data));
  } catch (err) {
    if (err instanceof AraError) throwSw(SW.INCORRECT_DATA);
    throw err;
  }
  if (ref.aid === undefined || ref.packageName !== undefined) throwSw(SW.INCORRECT_DATA);
  return encodeSpecificResponse(specificRule(contents.rules, ref.aid, ref.hash));
}
