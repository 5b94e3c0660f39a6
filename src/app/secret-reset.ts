import type { CardPort } from '../card/index.js';
import type { SessionDocument } from '../services/tsm/index.js';
import { JpkiApClient } from '../transports/jpki-ap/index.js';
import { appletRefusal, withApplet } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 5, PIN/password re-initialisation online (flows.md 5): the user forgot the PIN or the signature
 * password, or blocked it, and holds their Individual Number Card to the phone. The SP-TSM's `reset-pin`
 * session: the card signs the re-initialisation request, the certification service checks that the card
 * belongs to the holder of this phone's certificates, the SP-TSM sets temporary values through SCP03
 * (the retry counters back to their maximum), and the app replaces them with the user's own inside the
 * same session, as at issuance: it confirms, the SP-TSM purges them, and the session completes. The
 * user never sees the temporary ones.
 *
 * ```
 * idle ─start→ opening ─request-ready→ awaiting-card ─card-signed→ authorising ─authorised→
 *   writing ─completed→ setting-secrets ─secrets-set→ reset
 * any step ─fail→ failed;   failed | reset ─start→ opening
 * ```
 */
export type SecretResetState = 'idle' | 'opening' | 'awaiting-card' | 'authorising' | 'writing' | 'setting-secrets' | 'reset' | 'failed';
export type SecretResetEvent = 'start' | 'request-ready' | 'card-signed' | 'authorised' | 'completed' | 'secrets-set' | 'fail';

export const SECRET_RESET: TransitionTable<SecretResetState, SecretResetEvent> = {
  idle: { start: 'opening' },
  opening: { 'request-ready': 'awaiting-card', fail: 'failed' },
  'awaiting-card': { 'card-signed': 'authorising', fail: 'failed' },
  authorising: { authorised: 'writing', fail: 'failed' },
  writing: { completed: 'setting-secrets', fail: 'failed' },
  'setting-secrets': { 'secrets-set': 'reset', fail: 'failed' },
  reset: { start: 'opening' },
  failed: { start: 'opening' },
};

/** Which secrets are re-initialised. */
export type SecretsToReset = 'pin' | 'password' | 'both';

/** The user's new values, each typed twice (only those being reset). */
export interface ResetEntries {
  readonly pin?: string;
  readonly pinConfirm?: string;
  readonly password?: string;
  readonly passwordConfirm?: string;
}

export interface SecretResetInput {
  /** The Individual Number Card held to the phone (NFC). */
  readonly card: CardPort;
  /** Default `both`. */
  readonly secrets?: SecretsToReset;
  /** Asked when the card is to sign: the card's signature password. */
  cardPassword(): Promise<string>;
  /** Asked once the temporary values are set; asked again (up to 3 times) with the reason when refused. */
  newSecrets(previous?: AppError): Promise<ResetEntries>;
}

export interface SecretResetResult {
  readonly sessionId: string;
  readonly secrets: SecretsToReset;
}

const PIN = /^[0-9]{4}$/;
const PASSWORD = /^[A-Z0-9]{6,16}$/;

/** The new values of a re-initialisation, checked as the app checks them (`ERR_APP_SECRET_FORMAT`): a caller may check them before the card is read. */
export function checkResetEntries(which: SecretsToReset, s: ResetEntries): { pin?: string; password?: string } {
  const out: { pin?: string; password?: string } = {};
  if (which !== 'password') {
    if (s.pin === undefined || !PIN.test(s.pin)) throw new AppError('ERR_APP_SECRET_FORMAT', 'The PIN is 4 digits: enter it again.');
    if (s.pin !== s.pinConfirm) throw new AppError('ERR_APP_SECRET_FORMAT', 'The two PINs differ: enter them again.');
    out.pin = s.pin;
  }
  if (which !== 'pin') {
    if (s.password === undefined || !PASSWORD.test(s.password)) throw new AppError('ERR_APP_SECRET_FORMAT', 'The signature password is 6 to 16 capital letters (A-Z) and digits: enter it again.');
    if (s.password !== s.passwordConfirm) throw new AppError('ERR_APP_SECRET_FORMAT', 'The two signature passwords differ: enter them again.');
    out.password = s.password;
  }
  return out;
}

async function askEntries(input: SecretResetInput, which: SecretsToReset): Promise<{ pin?: string; password?: string }> {
  let previous = new AppError('ERR_APP_SECRET_FORMAT', 'Nothing was entered.');
  for (let i = 0; i < 3; i++) {
    try {
      return checkResetEntries(which, await input.newSecrets(i === 0 ? undefined : previous));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'ERR_APP_SECRET_FORMAT') throw err;
      previous = err;
    }
  }
  throw previous;
}

export async function runSecretReset(app: JpkiApp, input: SecretResetInput): Promise<SecretResetResult> {
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
  if (!app.data.certificates) throw new AppError('ERR_APP_NOT_ISSUED', 'There are no certificates on this phone yet: issue them with your card first.');
  const which = input.secrets ?? 'both';
  const saved = (app.flowState('secret-reset') as SecretResetState | undefined) ?? 'idle';
  const m = app.machine<SecretResetState, SecretResetEvent>('secret-reset', SECRET_RESET, saved === 'reset' || saved === 'failed' ? saved : 'idle');
  await m.fire('start');
  let chain: Promise<unknown> = Promise.resolve();
  const step = (event: SecretResetEvent) => (chain = chain.then(() => m.fire(event)));
  try {
    const outcome = await app.relay((client) =>
      client.run(
        { seId: app.data.seId!, purpose: 'reset-pin', secrets: which },
        {
          onDocument(doc: SessionDocument) {
            if (doc.state === 'awaiting-signature' && m.state === 'opening') step('request-ready');
            if (doc.state === 'active' && m.state === 'authorising') step('authorised');
          },
          async signApplication(request) {
            await chain;
            // 5.1: the card signs the request's SHA-256 DigestInfo after its signature password.
            const card = new JpkiApClient({ transmit: (c) => input.card.transmit(c) });
            if (!input.card.powered) await input.card.powerOn();
            try {
              await card.verify('password', await input.cardPassword());
              const signature = await card.signSha256('sign', request);
              const cardCertificate = await card.readCertificate('sign');
              await step('card-signed');
              return { signature, cardCertificate };
            } catch (err) {
              throw toUserError(err, { secret: 'card-password', doing: 'reading the card' });
            }
          },
          async replaceSecrets(temporary) {
            await chain;
            if (m.state === 'authorising') await m.fire('authorised');
            await m.fire('completed');
            await replaceSecrets(app, input, which, temporary);
          },
        },
      ),
    );
    await chain;
    if (outcome.session.state !== 'completed') {
      throw new AppError('ERR_APP_SESSION_FAILED', `The re-initialisation did not complete (${outcome.session.failure?.code ?? outcome.session.state}): start again.`);
    }
    await m.fire('secrets-set');
    return { sessionId: outcome.session.sessionId, secrets: which };
  } catch (err) {
    await chain.catch(() => undefined);
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { doing: 'the re-initialisation' });
  }
}

/** 3.7 again, inside the session: the user's own values replace the temporary ones, which the user never sees. */
async function replaceSecrets(app: JpkiApp, input: SecretResetInput, which: SecretsToReset, temporary: { pin?: string; password?: string }): Promise<void> {
  if ((which !== 'password' && temporary.pin === undefined) || (which !== 'pin' && temporary.password === undefined)) {
    throw new AppError('ERR_APP_SESSION_FAILED', 'The re-initialisation did not set what was asked: start again.');
  }
  const chosen = await askEntries(input, which);
  await withApplet(app.openSeService(), async (applet) => {
    try {
      if (chosen.pin !== undefined) {
        await applet.verify('pin', temporary.pin!);
        await applet.change('pin', chosen.pin);
      }
      if (chosen.password !== undefined) {
        await applet.verify('password', temporary.password!);
        await applet.change('password', chosen.password);
      }
    } catch (err) {
      throw appletRefusal(err);
    }
  });
  // A PIN sealed for fingerprint unlock is the old one now.
  if (chosen.pin !== undefined && app.data.biometric) await app.disableBiometricUnlock();
}
