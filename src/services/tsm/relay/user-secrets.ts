import { toHex } from '../../../bytes/index.js';
import { EF, PIN_RULES } from '../../../devices/applets/jpki/index.js';
import { JpkiApClient } from '../../../transports/jpki-ap/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import type { SeChannels } from './channels.js';

/**
 * What the app does when the issuance session awaits the replacement (flows.md 3.7; a `replaceSecrets`
 * hook of the relay client): through its own channel to the JPKI applet (OMAPI, allowed by the ARA-M
 * rule the SEI wrote), VERIFY the temporary PIN and CHANGE REFERENCE DATA to the user's, then the same
 * for the password; the client then confirms and the SP-TSM purges the temporary values. The user never
 * sees them. The user's values are checked first (`ERR_TSM_REQUEST`), so a typo costs no try; a wrong
 * temporary value is the applet's `ERR_JPKI_AP_PIN_INCORRECT`.
 */
export async function replaceTemporarySecrets(
  channels: SeChannels,
  temporary: { readonly pin?: string; readonly password?: string },
  chosen: { readonly pin?: string; readonly password?: string },
): Promise<void> {
  if (temporary.pin === undefined && temporary.password === undefined) throw new TsmError('ERR_TSM_REQUEST', 'there is no temporary secret to replace');
  if (temporary.pin !== undefined && (chosen.pin === undefined || !PIN_RULES[EF.AUTH_PIN].pattern.test(chosen.pin))) throw new TsmError('ERR_TSM_REQUEST', 'the PIN is 4 digits');
  if (temporary.password !== undefined && (chosen.password === undefined || !PIN_RULES[EF.SIGN_PASSWORD].pattern.test(chosen.password))) throw new TsmError('ERR_TSM_REQUEST', 'the password is 6 to 16 of A-Z and 0-9');
  const { channel, selectResponse } = await channels.open(AID.JPKI_APPLET);
  const sw = toHex(selectResponse.subarray(selectResponse.length - 2));
  if (sw !== '9000') throw new TsmError('ERR_TSM_RELAY_CHANNEL', `SELECT of the JPKI applet answered ${sw}`);
  try {
    const applet = new JpkiApClient({ transmit: (c) => channel.transmit(c) });
    if (temporary.pin !== undefined) {
      await applet.verify('pin', temporary.pin);
      await applet.change('pin', chosen.pin!);
    }
    if (temporary.password !== undefined) {
      await applet.verify('password', temporary.password);
      await applet.change('password', chosen.password!);
    }
  } finally {
    await channel.close();
  }
}
