import { command, encodeCommand, parseResponse, SW } from '../../../apdu/index.js';
import { concat, fromHex, toHex } from '../../../bytes/index.js';
import { OmapiError } from '../omapi/errors.js';

/** The ARA-M's AID ([AOSP-SE] `AraController.ARA_M_AID`, gp-scp03.md 4.1). */
export const ARA_M_AID: Uint8Array = fromHex('A00000015141434C00');

/** A logical channel the enforcer opened for itself (no access checks): raw command bytes in, response bytes out. */
export interface ElementChannel {
  transmit(command: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * How the enforcer reaches the element ([AOSP-SE] `Terminal.openLogicalChannelWithoutChannelAccess`):
 * MANAGE CHANNEL + SELECT, with no access check. Rejects with `OmapiError`: `ERR_OMAPI_NO_SUCH_ELEMENT`
 * when the AID is not there, `ERR_OMAPI_CHANNEL_UNAVAILABLE`, `ERR_OMAPI_IO`, `ERR_OMAPI_SE_NOT_PRESENT`.
 */
export interface ElementAccess {
  openLogicalChannelWithoutAccess(aid: Uint8Array): Promise<ElementChannel>;
}

/* GET DATA on the ARA-M (gp-scp03.md 4.1), proprietary class '80' (the channel writes its number). */
const GET_REFRESH_TAG = encodeCommand(command(0x80, 0xca, 0xdf, 0x20, undefined, 256));
const GET_ALL = encodeCommand(command(0x80, 0xca, 0xff, 0x40, undefined, 256));
const GET_NEXT = encodeCommand(command(0x80, 0xca, 0xff, 0x60, undefined, 256));
const REFRESH_TAG_LENGTH = 8;

function broken(message: string, options?: { cause?: unknown; sw?: number }): OmapiError {
  return new OmapiError('ERR_OMAPI_ACCESS_RULES_BROKEN', `ARA-M: ${message}`, options);
}

async function exchange(channel: ElementChannel, bytes: Uint8Array): Promise<{ data: Uint8Array; sw: number }> {
  const raw = await channel.transmit(bytes);
  try {
    return parseResponse(raw);
  } catch (err) {
    throw broken(`not a response APDU: ${toHex(raw)}`, { cause: err });
  }
}

/**
 * GET DATA [Refresh tag] `80 CA DF 20 00` → `DF20 08 <8 bytes>`; any other answer means the ARA-M is
 * broken ("any other length is a parse error", 4.1).
 */
export async function readRefreshTag(channel: ElementChannel): Promise<Uint8Array> {
  const r = await exchange(channel, GET_REFRESH_TAG);
  if (r.sw !== SW.SUCCESS) throw broken(`GET DATA [Refresh tag] answered ${r.sw.toString(16).toUpperCase()}`, { sw: r.sw });
  const d = r.data;
  if (d.length !== 3 + REFRESH_TAG_LENGTH || d[0] !== 0xdf || d[1] !== 0x20 || d[2] !== REFRESH_TAG_LENGTH) {
    throw broken(`the refresh tag is not DF20 08 <8 bytes>: ${toHex(d)}`);
  }
  return d.slice(3);
}

/**
 * The size of the whole FF40 object from its header in the first block: tag `FF 40`, then a BER
 * definite length (ISO/IEC 7816-4 5.2.2.2: short form, or `81`..`84` and 1..4 length bytes).
 */
function announcedLength(first: Uint8Array): number {
  if (first.length < 3 || first[0] !== 0xff || first[1] !== 0x40) {
    throw broken(`GET DATA [All] does not start with the FF40 tag: ${toHex(first.subarray(0, 8))}`);
  }
  const l = first[2]!;
  if (l < 0x80) return 3 + l;
  const count = l & 0x7f;
  if (count === 0 || count > 4 || first.length < 3 + count) throw broken('GET DATA [All] has no valid length field');
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 256 + first[3 + i]!;
  return 3 + count + value;
}

/**
 * GET DATA [All] `80 CA FF 40 00`, then GET DATA [Next] `80 CA FF 60 00` while the FF40 object
 * announced in the first block's header is incomplete ([AOSP-SE] `AccessRuleApplet`). Resolves with
 * the whole FF40 object, or `undefined` for '6A88' (no rules). The announced length is capped at
 * `maxBytes`, and every [Next] must bring data and stay within the announced length, so a hostile
 * element cannot make the phone loop or allocate without bound.
 */
export async function readAllRules(channel: ElementChannel, maxBytes: number): Promise<Uint8Array | undefined> {
  const first = await exchange(channel, GET_ALL);
  if (first.sw === SW.REFERENCED_DATA_NOT_FOUND) return undefined;
  if (first.sw !== SW.SUCCESS) throw broken(`GET DATA [All] answered ${first.sw.toString(16).toUpperCase()}`, { sw: first.sw });
  const total = announcedLength(first.data);
  if (total > maxBytes) throw broken(`the rules announce ${total} bytes, more than the ${maxBytes} accepted`);
  const parts = [first.data];
  let have = first.data.length;
  while (have < total) {
    const next = await exchange(channel, GET_NEXT);
    if (next.sw !== SW.SUCCESS) throw broken(`GET DATA [Next] answered ${next.sw.toString(16).toUpperCase()}`, { sw: next.sw });
    if (next.data.length === 0) throw broken('GET DATA [Next] returned no data before the end of the rules');
    parts.push(next.data);
    have += next.data.length;
  }
  if (have !== total) throw broken(`the rules are ${have} bytes, not the ${total} their header announced`);
  return concat(...parts);
}
