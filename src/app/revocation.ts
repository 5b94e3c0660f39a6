import type { SessionDocument } from '../services/tsm/index.js';
import { appletRefusal, withApplet } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 7, revocation from the phone itself (flows.md 7), with no card: the phone's own
 * user-authentication key, unlocked by the PIN, stands for the holder. The SP-TSM's `revoke` session
 * (docs/services/tsm-orders.md) hands the app a holder revocation request; the applet VERIFYs the PIN
 * and signs its SHA-256 DigestInfo with key 0017; the SP checks the signature and has the CA revoke both
 * phone certificates (`cessationOfOperation`), then wipes the applet in the same secure channel.
 *
 * ```
 * idle ─start→ requesting ─request-ready→ awaiting-pin ─signed→ revoking ─ca-revoked→ wiping ─wiped→ revoked
 * requesting | awaiting-pin | revoking | wiping ─fail→ failed;   failed | revoked ─start→ requesting
 * ```
 * (`revoked ─start→` is a later revocation of certificates issued again on this phone.)
 */
export type RevocationState = 'idle' | 'requesting' | 'awaiting-pin' | 'revoking' | 'wiping' | 'revoked' | 'failed';
export type RevocationEvent = 'start' | 'request-ready' | 'signed' | 'ca-revoked' | 'wiped' | 'fail';

export const REVOCATION: TransitionTable<RevocationState, RevocationEvent> = {
  idle: { start: 'requesting' },
  requesting: { 'request-ready': 'awaiting-pin', fail: 'failed' },
  'awaiting-pin': { signed: 'revoking', fail: 'failed' },
  revoking: { 'ca-revoked': 'wiping', fail: 'failed' },
  wiping: { wiped: 'revoked', fail: 'failed' },
  revoked: { start: 'requesting' },
  failed: { start: 'requesting' },
};

export interface RevocationInput {
  /** Asked when the SP's request is there to sign: the phone's PIN (4 digits). */
  pin(): Promise<string>;
}

export interface RevocationResult {
  readonly sessionId: string;
  /** The serials the CA revoked (both phone certificates). */
  readonly revoked: readonly string[];
  /** The applet was wiped in the same session. */
  readonly wiped: boolean;
}

export async function runRevocation(app: JpkiApp, input: RevocationInput): Promise<RevocationResult> {
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: there is nothing to revoke.');
  if (!app.data.certificates) throw new AppError('ERR_APP_NOT_ISSUED', 'No certificate on this phone: there is nothing to revoke.');
  const saved = app.flowState('revocation') as RevocationState | undefined;
  const m = app.machine<RevocationState, RevocationEvent>('revocation', REVOCATION, saved === 'failed' || saved === 'revoked' ? saved : 'idle');
  await m.fire('start');
  let chain: Promise<unknown> = Promise.resolve();
  const step = (event: RevocationEvent) => (chain = chain.then(() => (m.can(event) ? m.fire(event) : undefined)));
  try {
    const outcome = await app.relay((client) =>
      client.run(
        { seId: app.data.seId!, purpose: 'revoke' },
        {
          onDocument(doc: SessionDocument) {
            if (doc.state === 'awaiting-signature' && m.state === 'requesting') step('request-ready');
            // After the signature the next batch is the wipe: the CA has revoked.
            if (doc.state === 'active' && m.state === 'revoking') step('ca-revoked');
          },
          async signApplication(request) {
            await chain;
            const pin = await input.pin();
            return withApplet(app.openSeService(), async (applet) => {
              try {
                await applet.verify('pin', pin);
              } catch (err) {
                throw toUserError(appletRefusal(err), { secret: 'pin', doing: 'checking the PIN' });
              }
              try {
                const signature = await applet.signSha256('auth', request);
                const certificate = await applet.readCertificate('auth');
                await step('signed');
                // The relay's field is named for issuance; here it carries the phone's own certificate.
                return { signature, cardCertificate: certificate };
              } catch (err) {
                throw appletRefusal(err);
              }
            });
          },
        },
      ),
    );
    await chain;
    const session = outcome.session;
    if (session.state !== 'completed') {
      throw new AppError('ERR_APP_SESSION_FAILED', `The revocation did not complete (${session.failure?.code ?? session.state}): try again.`);
    }
    if (m.state === 'revoking') await m.fire('ca-revoked');
    const result = (session.result ?? {}) as { revoked?: string[]; wiped?: boolean };
    await app.forgetCertificates();
    await m.fire('wiped');
    return { sessionId: session.sessionId, revoked: result.revoked ?? [], wiped: result.wiped === true };
  } catch (err) {
    await chain.catch(() => undefined);
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { secret: 'pin', doing: 'the revocation' });
  }
}
