import { bytesEqual, concat, toHex } from '../bytes/index.js';
import { StatusWordError } from '../apdu/index.js';
import type { SEService } from '../devices/phone/index.js';
import { JPKI_AID, JpkiApClient } from '../transports/jpki-ap/index.js';
import { AppError } from './errors.js';
import { omapiChannels } from './omapi-channels.js';

/** `00 A4 04 0C 0A <JPKI AID>`: what `JpkiApClient.selectAp` sends. */
const SELECT_AP = concat(Uint8Array.of(0x00, 0xa4, 0x04, 0x0c, JPKI_AID.length), JPKI_AID);

/**
 * Runs `work` with a JPKI-AP client on a logical channel of the app's own to the JPKI applet, opened
 * through the OMAPI under the app's identity (the ARA-M rule decides; flows.md 3.7 and 4). The OMAPI
 * forbids an app to SELECT by DF name on an open channel (the channel *is* its selection), so the
 * client's own SELECT of the AP is answered here with `9000`: the channel was opened onto that AID.
 * The channel and session are closed afterwards, whatever happened.
 */
export async function withApplet<T>(service: SEService, work: (client: JpkiApClient) => Promise<T>): Promise<T> {
  const channels = omapiChannels(service);
  try {
    const { channel, selectResponse } = await channels.open(JPKI_AID);
    const sw = toHex(selectResponse.subarray(selectResponse.length - 2));
    if (sw !== '9000') throw new AppError('ERR_APP_NOT_PREPARED', 'The JPKI applet is not on this phone: prepare the phone first.');
    try {
      const client = new JpkiApClient({
        transmit: (command) => (bytesEqual(command, SELECT_AP) ? Promise.resolve(Uint8Array.of(0x90, 0x00)) : channel.transmit(command)),
      });
      return await work(client);
    } finally {
      await channel.close();
    }
  } finally {
    await channels.close();
  }
}

/** The applet's refusals that are not about a PIN, in the user's words. */
export function appletRefusal(err: unknown): unknown {
  if (err instanceof StatusWordError) {
    if (err.sw === 0x6a88) return new AppError('ERR_APP_NOT_ISSUED', 'No certificate on this phone yet: issue your certificates with your card first.', { cause: err });
    if (err.sw === 0x6984) return new AppError('ERR_APP_KEY_UNUSABLE', 'This certificate was revoked, so the phone will not sign with it: issue new certificates with your card.', { cause: err });
  }
  return err;
}
