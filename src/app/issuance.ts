import type { CardPort } from '../card/index.js';
import type { SessionDocument } from '../services/tsm/index.js';
import { JpkiApClient } from '../transports/jpki-ap/index.js';
import { withApplet, appletRefusal } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { PIN_UNLOCK_KEY } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 3, issuance (flows.md 3), as the app walks it:
 *
 * ```
 * idle ─start→ generating-keys ─application-ready→ awaiting-card ─card-signed→ certifying ─certified→
 *   writing-certificates ─completed→ setting-secrets ─secrets-set→ issued
 * any step ─fail→ failed;  failed|issued ─start→ generating-keys   (a new session; the CA supersedes)
 * ```
 *
 * `completed`: the certificates and the temporary PIN and password are in the element (the session
 * awaits their replacement); `secrets-set`: the app replaced them with the user's own and the SP-TSM,
 * told so, purged them and completed the session. The temporary values pass from the relay client to the
 * applet and nowhere else: not shown, not logged, not saved.
 */
export type IssuanceState = 'idle' | 'generating-keys' | 'awaiting-card' | 'certifying' | 'writing-certificates' | 'setting-secrets' | 'issued' | 'failed';
export type IssuanceEvent = 'start' | 'application-ready' | 'card-signed' | 'certified' | 'completed' | 'secrets-set' | 'fail';

export const ISSUANCE: TransitionTable<IssuanceState, IssuanceEvent> = {
  idle: { start: 'generating-keys' },
  'generating-keys': { 'application-ready': 'awaiting-card', fail: 'failed' },
  'awaiting-card': { 'card-signed': 'certifying', fail: 'failed' },
  certifying: { certified: 'writing-certificates', fail: 'failed' },
  'writing-certificates': { completed: 'setting-secrets', fail: 'failed' },
  'setting-secrets': { 'secrets-set': 'issued', fail: 'failed' },
  issued: { start: 'generating-keys' },
  failed: { start: 'generating-keys' },
};

/** The user's new PIN and password, each typed twice. */
export interface NewSecrets {
  readonly pin: string;
  readonly pinConfirm: string;
  readonly password: string;
  readonly passwordConfirm: string;
}

export interface IssuanceInput {
  /** The Individual Number Card held to the phone (NFC). */
  readonly card: CardPort;
  /** Asked when the card is to sign: the card's signature password. */
  cardPassword(): Promise<string>;
  /** Asked once the certificates are written; asked again (up to 3 times) with the reason when the entry is refused. */
  newSecrets(previous?: AppError): Promise<NewSecrets>;
}

export interface IssuanceResult {
  readonly sessionId: string;
  readonly authSerial: string;
  readonly signSerial: string;
}

const PIN = /^[0-9]{4}$/;
const PASSWORD = /^[A-Z0-9]{6,16}$/;

/** The user's entries checked before anything reaches the applet (a typo costs no try). */
export function checkNewSecrets(s: NewSecrets): void {
  if (!PIN.test(s.pin)) throw new AppError('ERR_APP_SECRET_FORMAT', 'The PIN is 4 digits: enter it again.');
  if (s.pin !== s.pinConfirm) throw new AppError('ERR_APP_SECRET_FORMAT', 'The two PINs differ: enter them again.');
  if (!PASSWORD.test(s.password)) throw new AppError('ERR_APP_SECRET_FORMAT', 'The signature password is 6 to 16 capital letters (A-Z) and digits: enter it again.');
  if (s.password !== s.passwordConfirm) throw new AppError('ERR_APP_SECRET_FORMAT', 'The two signature passwords differ: enter them again.');
}

async function askSecrets(input: IssuanceInput): Promise<NewSecrets> {
  let previous = new AppError('ERR_APP_SECRET_FORMAT', 'No PIN and password were entered.');
  for (let i = 0; i < 3; i++) {
    const s = await input.newSecrets(i === 0 ? undefined : previous);
    try {
      checkNewSecrets(s);
      return s;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      previous = err;
    }
  }
  throw previous;
}

export async function runIssuance(app: JpkiApp, input: IssuanceInput): Promise<IssuanceResult> {
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
  const saved = (app.flowState('issuance') as IssuanceState | undefined) ?? 'idle';
  const m = app.machine<IssuanceState, IssuanceEvent>('issuance', ISSUANCE, saved === 'issued' || saved === 'failed' ? saved : 'idle');
  await m.fire('start');
  let chain: Promise<unknown> = Promise.resolve();
  const step = (event: IssuanceEvent) => (chain = chain.then(() => m.fire(event)));
  try {
    const outcome = await app.relay((client) =>
      client.run(
        { seId: app.data.seId!, purpose: 'issue' },
        {
          onDocument(doc: SessionDocument) {
            if (doc.state === 'awaiting-signature' && m.state === 'generating-keys') step('application-ready');
            if (doc.state === 'active' && m.state === 'certifying') step('certified');
          },
          async signApplication(application) {
            await chain;
            // 3.4: the card signs the application's SHA-256 DigestInfo after its signature password.
            const card = new JpkiApClient({ transmit: (c) => input.card.transmit(c) });
            if (!input.card.powered) await input.card.powerOn();
            try {
              await card.verify('password', await input.cardPassword());
            } catch (err) {
              throw toUserError(err, { secret: 'card-password', doing: 'reading the card' });
            }
            try {
              const signature = await card.signSha256('sign', application);
              const cardCertificate = await card.readCertificate('sign');
              await step('card-signed');
              return { signature, cardCertificate };
            } catch (err) {
              throw toUserError(err, { secret: 'card-password', doing: 'reading the card' });
            }
          },
          async replaceSecrets(temporary, session) {
            await chain;
            if (m.state === 'certifying') await m.fire('certified');
            await m.fire('completed');
            await replaceAndRecord(app, input, temporary, session);
          },
        },
      ),
    );
    await chain;
    if (outcome.session.state !== 'completed') {
      throw new AppError('ERR_APP_SESSION_FAILED', `The issuance did not complete (${outcome.session.failure?.code ?? outcome.session.state}): start again.`);
    }
    const result = outcome.session.result as { auth: { serial: string }; sign: { serial: string } };
    await m.fire('secrets-set');
    return { sessionId: outcome.session.sessionId, authSerial: result.auth.serial, signSerial: result.sign.serial };
  } catch (err) {
    await chain.catch(() => undefined);
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { doing: 'the issuance' });
  }
}

/**
 * 3.7, inside the session: the user's own PIN and password replace the temporary ones, which the user
 * never sees; the client confirms afterwards. The PIN and password stay verified after CHANGE REFERENCE
 * DATA: the app keeps a copy of both certificates (public data) to show their status later without
 * asking for them. They are recorded before the confirmation: the element holds them with the user's
 * values whether or not the confirmation gets through.
 */
async function replaceAndRecord(app: JpkiApp, input: IssuanceInput, temporary: { pin?: string; password?: string }, session: SessionDocument): Promise<void> {
  const result = session.result as { auth: { serial: string }; sign: { serial: string } };
  if (temporary.pin === undefined || temporary.password === undefined) throw new AppError('ERR_APP_SESSION_FAILED', 'The issuance did not set a PIN and password: start again.');
  const chosen = await askSecrets(input);
  const der = await withApplet(app.openSeService(), async (applet) => {
    try {
      await applet.verify('pin', temporary.pin!);
      await applet.change('pin', chosen.pin);
      const auth = await applet.readCertificate('auth');
      await applet.verify('password', temporary.password!);
      await applet.change('password', chosen.password);
      const sign = await applet.readCertificate('sign');
      return { auth: Buffer.from(auth).toString('base64'), sign: Buffer.from(sign).toString('base64') };
    } catch (err) {
      throw appletRefusal(err);
    }
  });
  // New keys: a PIN sealed for fingerprint unlock belongs to the old ones.
  if (app.phone.keystore.aliases(app.packageName).includes(PIN_UNLOCK_KEY)) await app.phone.keystore.deleteKey(app.packageName, PIN_UNLOCK_KEY);
  await app.update({ certificates: { auth: result.auth.serial, sign: result.sign.serial }, certificateDer: der, biometric: null });
}
