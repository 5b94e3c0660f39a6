import { appletRefusal, withApplet } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 5, local part: the user changes the PIN or the signature password knowing the current one
 * (VERIFY, then CHANGE REFERENCE DATA, on the app's own channel to the applet).
 *
 * ```
 * idle ─check→ checking ─checked→ verifying ─verified→ changing ─changed→ changed
 * checking|verifying|changing ─fail→ failed
 * ```
 * The online re-initialisation with a card signature (a forgotten or blocked secret) is secret-reset.ts.
 */
export type SecretChangeState = 'idle' | 'checking' | 'verifying' | 'changing' | 'changed' | 'failed';
export type SecretChangeEvent = 'check' | 'checked' | 'verified' | 'changed' | 'fail';

export const SECRET_CHANGE: TransitionTable<SecretChangeState, SecretChangeEvent> = {
  idle: { check: 'checking' },
  checking: { checked: 'verifying', fail: 'failed' },
  verifying: { verified: 'changing', fail: 'failed' },
  changing: { changed: 'changed', fail: 'failed' },
  changed: {},
  failed: {},
};

export interface SecretChange {
  readonly which: 'pin' | 'password';
  readonly current: string;
  readonly next: string;
  readonly confirm: string;
}

export async function changeSecret(app: JpkiApp, input: SecretChange): Promise<void> {
  const m = app.machine<SecretChangeState, SecretChangeEvent>('secret-change', SECRET_CHANGE, 'idle');
  await m.fire('check');
  try {
    const rule = input.which === 'pin' ? /^[0-9]{4}$/ : /^[A-Z0-9]{6,16}$/;
    const what = input.which === 'pin' ? 'PIN' : 'signature password';
    if (!rule.test(input.next)) throw new AppError('ERR_APP_SECRET_FORMAT', input.which === 'pin' ? 'The PIN is 4 digits: enter it again.' : 'The signature password is 6 to 16 capital letters (A-Z) and digits: enter it again.');
    if (input.next !== input.confirm) throw new AppError('ERR_APP_SECRET_FORMAT', `The two new ${what}s differ: enter them again.`);
    await m.fire('checked');
    await withApplet(app.openSeService(), async (applet) => {
      try {
        await applet.verify(input.which, input.current);
      } catch (err) {
        throw toUserError(appletRefusal(err), { secret: input.which, doing: `checking the ${what}` });
      }
      await m.fire('verified');
      try {
        await applet.change(input.which, input.next);
      } catch (err) {
        throw appletRefusal(err);
      }
    });
    // A PIN sealed for fingerprint unlock is the old one now.
    if (input.which === 'pin' && app.data.biometric) await app.disableBiometricUnlock();
    await m.fire('changed');
  } catch (err) {
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { secret: input.which, doing: 'the change' });
  }
}
