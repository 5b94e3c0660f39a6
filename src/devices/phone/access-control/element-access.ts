import { encodeCommand, parseResponse } from '../../../apdu/index.js';
import type { ApduSender } from '../../secure-element/ara-m/ace/index.js';

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

/**
 * The ARA reader's sender over such a channel: the command encoded as the ARA reader built it (CLA
 * `80`; the channel writes its number), the answer split into data and SW. The terminal never gives
 * back fewer than two bytes, so `parseResponse` does not fail on what it passes on.
 */
export function channelSender(channel: ElementChannel): ApduSender {
  return async (command) => parseResponse(await channel.transmit(encodeCommand(command)));
}
