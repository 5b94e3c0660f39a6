import { appletRefusal, withApplet } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { PIN_UNLOCK_KEY } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 7, revocation from the phone (flows.md 7; docs/services/tsm.md "Orders", purpose `revoke`): no
 * card, the phone's own user-authentication key. The SP-TSM opens the session and hands the app a holder
 * revocation request; the applet VERIFYs the PIN and signs the request's SHA-256 DigestInfo with the
 * user-authentication key; the SP has the CA revoke both certificates (`cessationOfOperation`) and wipes
 * the applet in the same secure channel.
 *
 * ```
 * idle ─start→ signing ─signed→ revoking ─revoked→ revoked
 * signing|revoking ─fail→ failed;   failed|revoked ─start→ signing
 * ```
 */
export type RevocationState = 'idle' | 'signing' | 'revoking' | 'revoked' | 'failed';
export type RevocationEvent = 'start' | 'signed' | 'revoked' | 'fail';

export const REVOCATION: TransitionTable<RevocationState, RevocationEvent> = {
  idle: { start: 'signing' },
  signing: { signed: 'revoking', fail: 'failed' },
  revoking: { revoked: 'revoked', fail: 'failed' },
  revoked: { start: 'signing' },
  failed: { start: 'signing' },
};

export interface RevocationResult {
  readonly sessionId: string;
  /** The serials the CA revoked (both phone certificates). */
  readonly revoked: readonly string[];
}

export async function revokeFromPhone(app: JpkiApp, input: { pin: string }): Promise<RevocationResult> {
  if (!app.data.certificates) throw new AppError('ERR_APP_NOT_ISSUED', 'No certificate on this phone yet: nothing to revoke.');
  const saved = (app.flowState('revocation') as RevocationState | undefined) ?? 'idle';
  const m = app.machine<RevocationState, RevocationEvent>('revocation', REVOCATION, saved === 'revoked' || saved === 'failed' ? saved : 'idle');
  await m.fire('start');
  try {
    const outcome = await app.relay((client) =>
      client.run(
        { seId: app.data.seId!, purpose: 'revoke' },
        {
          signApplication: (request) =>
            withApplet(app.openSeService(), async (applet) => {
              try {
                await applet.verify('pin', input.pin);
              } catch (err) {
                throw toUserError(appletRefusal(err), { secret: 'pin', doing: 'checking the PIN' });
              }
              try {
                const signature = await applet.signSha256('auth', request);
                const certificate = await applet.readCertificate('auth');
                await m.fire('signed');
                // The field is named for the card of flow 3; here it carries the phone's own certificate.
                return { signature, cardCertificate: certificate };
              } catch (err) {
                throw appletRefusal(err);
              }
            }),
        },
      ),
    );
    if (outcome.session.state !== 'completed') {
      throw new AppError('ERR_APP_SESSION_FAILED', `The revocation did not complete (${outcome.session.failure?.code ?? outcome.session.state}): try again.`);
    }
    const revoked = ((outcome.session.result as { revoked?: string[] } | null)?.revoked ?? []).slice();
    // The applet was wiped: the keys, and a PIN sealed for fingerprint unlock, are gone.
    if (app.phone.keystore.aliases(app.packageName).includes(PIN_UNLOCK_KEY)) await app.phone.keystore.deleteKey(app.packageName, PIN_UNLOCK_KEY);
    await app.update({ certificates: null, biometric: null });
    await m.fire('revoked');
    return { sessionId: outcome.session.sessionId, revoked };
  } catch (err) {
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { secret: 'pin', doing: 'the revocation' });
  }
}
