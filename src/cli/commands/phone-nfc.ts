import { resolve } from 'node:path';
import { NfcError } from '../../devices/phone/index.js';
import { parse, required } from '../args.js';
import type { Io } from '../command.js';
import { openPhoneDir } from '../../app/index.js';
import { serveOnVpcd, vpcdAddressOption } from '../runtime/vpcd-serve.js';

/**
 * `jpki-mobile phone nfc`: the phone held to a contactless reader. The reader is vsmartcard's virtual
 * reader in pcscd; what it meets is the phone's NFC controller in card emulation (`phone.nfc`), which
 * routes the field's APDUs to the secure element's contactless interface: the JPKI applet answers, the
 * ISD and the security domains do not, and the phone's OS never sees the APDUs. The element's changes
 * (the PIN's retry counter) are saved in the phone's element file as each command completes.
 */
export async function holdToReader(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, vpcd: { type: 'string' }, trace: { type: 'boolean' } });
  const dir = resolve(required(values.phone, 'phone'));
  const address = vpcdAddressOption(values.vpcd);
  const trace = (values.trace as unknown) === true;
  const opened = await openPhoneDir(dir);
  try {
    // With NFC off the reader's field finds nothing: the phone is not put into the reader at all.
    if (!opened.phone.nfc.present) throw new NfcError('ERR_NFC_NO_CARD', `NFC is off on the phone ${dir}: a reader finds no card`);
    io.out(`phone ${dir} (${opened.phone.model}, device ${opened.phone.deviceId}), NFC card emulation\n`);
    return await serveOnVpcd({ io, address, card: opened.phone.nfc, what: 'the phone', trace, removed: 'phone taken away' });
  } finally {
    await opened.close();
  }
}
