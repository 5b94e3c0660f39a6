import { toHex } from '../bytes/index.js';
import type { FactoryResetHandler, Phone } from '../devices/phone/index.js';
import { readCplc, type SeChannels } from '../services/tsm/index.js';
import { AppError } from './errors.js';
import { omapiChannels } from './omapi-channels.js';

/**
 * The OS's SE agent (flows.md 2 and 10): the privileged OS component that relays the TSMs' scripts to
 * the security domains and gives the app the element's identity. An app reaches only the JPKI applet
 * (the ARA-M rule names that AID alone); the ISD and the JPKI security domain are reached through the
 * agent's privileged OMAPI service (`Phone.openSystemSeService`), which the access control lets through
 * without a rule, as Android does for `SECURE_ELEMENT_PRIVILEGED_OPERATION`.
 */
export async function withSeAgent<T>(phone: Phone, work: (channels: SeChannels) => Promise<T>): Promise<T> {
  const channels = omapiChannels(phone.openSystemSeService('se-agent'));
  try {
    return await work(channels);
  } finally {
    await channels.close();
  }
}

/** The element's CPLC, "given by the OS" (flows.md 2.1): GET DATA 9F7F on the ISD through the SE agent. */
export function elementCplc(phone: Phone): Promise<Uint8Array> {
  return withSeAgent(phone, (channels) => readCplc(channels));
}

/**
 * The reset notice the SE agent sends (flows.md 10.1), as JSON to `POST /tsm/v1/reset-notices`:
 * `{ noticeId, deviceId, resetAt, cplc }`. The SEI-TSM would delete the JPKI security domain with its
 * applet at the next contact and have the phone certificates revoked (`cessationOfOperation`).
 *
 * The SEI-TSM has no such endpoint yet (docs/services/tsm.md: "`reset` is reserved for flow 10"): the
 * request is answered 404, the handler fails with `ERR_APP_RESET_NOT_DELIVERED`, and the phone keeps the
 * notice pending and sends it again whenever it is online, until a server accepts it. Offline, the
 * notice is pending the same way. Idempotent per `noticeId`, as the phone requires.
 */
export function seAgentResetHandler(serverUrl: string): FactoryResetHandler {
  return {
    name: 'jpki-se-agent',
    async run(ctx) {
      const channels = omapiChannels(ctx.seService);
      let cplc: Uint8Array;
      try {
        cplc = await readCplc(channels);
      } finally {
        await channels.close();
      }
      let res: Response;
      try {
        res = await ctx.fetch(`${serverUrl.replace(/\/$/, '')}/tsm/v1/reset-notices`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ noticeId: ctx.notice.id, deviceId: ctx.notice.deviceId, resetAt: ctx.notice.resetAt, cplc: toHex(cplc) }),
        });
        await res.arrayBuffer();
      } catch (cause) {
        throw new AppError('ERR_APP_RESET_NOT_DELIVERED', 'No network: the reset notice will be sent when the phone is next online.', { cause });
      }
      if (res.status !== 200 && res.status !== 201 && res.status !== 202) {
        throw new AppError('ERR_APP_RESET_NOT_DELIVERED', `The server did not take the reset notice (HTTP ${res.status}); it stays pending on the phone.`);
      }
    },
  };
}
