import type { FactoryResetHandler, Phone } from '../devices/phone/index.js';
import { deliverResetNotice, readCplc, RelayRefusal, type SeChannels } from '../services/tsm/index.js';
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
 * The reset notice the SE agent sends (flows.md 10.1), `POST /tsm/v1/reset-notices`
 * `{ noticeId, deviceId, resetAt, cplc, proof }`, and the clean-up it then runs
 * (`deliverResetNotice`, docs/services/tsm-orders.md "Factory reset"): the proof is the ISD's INITIALIZE UPDATE
 * answer to a host challenge made of the notice's hash, so the SEI-TSM knows the element itself sent it;
 * the SEI-TSM has the phone certificates revoked (`cessationOfOperation`) and opens a clean-up session,
 * which the agent runs at once through the privileged OMAPI: the JPKI applet, its security domain with
 * its keys, and the load file are deleted before the phone's wipe ends.
 *
 * A notice the server does not take (offline, refused, the clean-up interrupted) fails with
 * `ERR_APP_RESET_NOT_DELIVERED`: the phone keeps it pending and sends it again whenever it is online.
 * The server answers a repeat of the same notice id the same, with a new clean-up session while the
 * element still waits for one, so delivering it again is harmless.
 */
export function seAgentResetHandler(serverUrl: string, options: { retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number } } = {}): FactoryResetHandler {
  return {
    name: 'jpki-se-agent',
    async run(ctx) {
      const channels = omapiChannels(ctx.seService);
      let delivered;
      try {
        delivered = await deliverResetNotice({ baseUrl: serverUrl, notice: ctx.notice, channels, fetch: ctx.fetch, ...(options.retry ? { retry: options.retry } : {}) });
      } catch (cause) {
        if (cause instanceof RelayRefusal) throw new AppError('ERR_APP_RESET_NOT_DELIVERED', `The server did not take the reset notice (${cause.status} ${cause.problem}); it stays pending on the phone.`, { cause });
        throw new AppError('ERR_APP_RESET_NOT_DELIVERED', 'No network: the reset notice will be sent when the phone is next online.', { cause });
      } finally {
        await channels.close();
      }
      const cleanup = delivered.cleanup?.session;
      if (cleanup && cleanup.state !== 'completed') {
        throw new AppError('ERR_APP_RESET_NOT_DELIVERED', `The clean-up of the secure element did not complete (${cleanup.failure?.code ?? cleanup.state}); the notice stays pending on the phone.`);
      }
    },
  };
}
