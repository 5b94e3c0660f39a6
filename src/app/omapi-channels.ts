import { OmapiError, type SEService, type Session } from '../devices/phone/index.js';
import type { SeChannel, SeChannels } from '../services/tsm/index.js';

/**
 * The relay client's `SeChannels` over the phone's Open Mobile API, as a real app reaches its secure
 * element: `SEService.getReaders()` → `eSE1` → `openSession()` → `openLogicalChannel(aid)`. Every
 * opening goes through the OS's access-control enforcer (the ARA-M rule the SEI-TSM wrote), and every
 * command through `Channel.transmit`'s checks; the channel writes its own number into CLA. A refused
 * opening rejects with the OMAPI's error (`ERR_OMAPI_ACCESS_DENIED`, `ERR_OMAPI_NO_SUCH_ELEMENT`, …).
 *
 * Unlike `Session.openLogicalChannel`, a SELECT the element refuses is not an exception here: the
 * relay protocol wants the SELECT response back (its status word is the TSM's to judge), so a
 * `ERR_OMAPI_NO_SUCH_ELEMENT` becomes the response `6A82` with no channel left open.
 */
/** What stands for the channel of a refused SELECT: nothing was left open. */
const NO_CHANNEL: SeChannel = {
  transmit: () => Promise.reject(new OmapiError('ERR_OMAPI_CLOSED', 'the SELECT was refused; no channel is open')),
  close: () => Promise.resolve(),
};

export function omapiChannels(service: SEService): SeChannels & { close(): Promise<void> } {
  let session: Session | undefined;
  const sessionOf = (): Session => {
    if (session === undefined || session.isClosed()) {
      const reader = service.getReaders()[0];
      if (reader === undefined) throw new OmapiError('ERR_OMAPI_SE_NOT_PRESENT', 'the phone has no secure element reader');
      session = reader.openSession();
    }
    return session;
  };
  return {
    async open(aid) {
      let channel;
      try {
        channel = await sessionOf().openLogicalChannel(aid, 0x00);
      } catch (err) {
        if (err instanceof OmapiError && err.code === 'ERR_OMAPI_NO_SUCH_ELEMENT') return { channel: NO_CHANNEL, selectResponse: Uint8Array.of(0x6a, 0x82) };
        throw err;
      }
      const selectResponse = channel.getSelectResponse() ?? Uint8Array.of(0x90, 0x00);
      const seChannel: SeChannel = {
        transmit: (command) => channel.transmit(command),
        close: () => channel.close(),
      };
      return { channel: seChannel, selectResponse };
    },
    async close() {
      await session?.close();
      session = undefined;
    },
  };
}
