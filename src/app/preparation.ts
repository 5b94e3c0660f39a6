import { registerAppInstance, RelayRefusal, type RelayClient, type RelayOutcome } from '../services/tsm/index.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { CREDENTIAL_KEY } from './jpki-app.js';
import { elementCplc } from './se-agent.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 2, app and applet preparation (flows.md 2), as the app walks it:
 *
 * ```
 * installed ─start→ registering-push ─push-registered→ registering-app ─app-registered→ preparing ─prepared→ ready
 *      any step ─fail→ failed ─start→ registering-push      (a step already done is skipped on retry)
 * ```
 */
export type PreparationState = 'installed' | 'registering-push' | 'registering-app' | 'preparing' | 'ready' | 'failed';
export type PreparationEvent = 'start' | 'push-registered' | 'app-registered' | 'prepared' | 'fail';

export const PREPARATION: TransitionTable<PreparationState, PreparationEvent> = {
  installed: { start: 'registering-push' },
  'registering-push': { 'push-registered': 'registering-app', fail: 'failed' },
  'registering-app': { 'app-registered': 'preparing', fail: 'failed' },
  preparing: { prepared: 'ready', fail: 'failed' },
  ready: {},
  failed: { start: 'registering-push' },
};

/**
 * Flow 10.3: an element reset while the phone could not finish the clean-up (the SEI-TSM refuses every
 * other session, `ERR_TSM_ELEMENT_RESET`) is cleaned up first, at this first contact; then the
 * preparation runs.
 */
async function cleanUpFirst(client: RelayClient, app: JpkiApp, err: unknown): Promise<RelayOutcome> {
  if (!(err instanceof RelayRefusal) || err.problem !== 'ERR_TSM_ELEMENT_RESET') throw err;
  const cleanup = await client.run({ seId: app.data.seId!, purpose: 'reset-cleanup' });
  if (cleanup.session.state !== 'completed') return cleanup;
  return client.run({ seId: app.data.seId!, purpose: 'prepare' });
}

export async function runPreparation(app: JpkiApp): Promise<RelayOutcome> {
  const saved = app.flowState('preparation') as PreparationState | undefined;
  if (saved === 'ready') throw new AppError('ERR_APP_ILLEGAL_TRANSITION', 'This phone is prepared already.');
  const m = app.machine<PreparationState, PreparationEvent>('preparation', PREPARATION, saved === 'failed' ? 'failed' : 'installed');
  await m.fire('start');
  try {
    // 2.1: the push token (optional: without a push component the app works, but is not woken).
    if (app.push && !app.data.pushToken) await app.update({ pushToken: await app.push.register(app.serverUrl, app.packageName) });
    await m.fire('push-registered');
    if (!app.data.appInstanceId) {
      const cplc = await elementCplc(app.phone);
      const instance = await registerAppInstance(app.serverUrl, { cplc, appCertificateHash: app.certificateHash, ...(app.data.pushToken ? { pushToken: app.data.pushToken } : {}) }, app.fetch);
      // The credential is shown once: sealed at once under a keystore key of the app (no user authentication).
      if (!app.phone.keystore.aliases(app.packageName).includes(CREDENTIAL_KEY)) await app.phone.keystore.generateKey(app.packageName, { alias: CREDENTIAL_KEY, userAuthenticationRequired: false });
      const sealed = await app.phone.keystore.encrypt(app.packageName, CREDENTIAL_KEY, new Uint8Array(Buffer.from(instance.credential, 'utf8')));
      await app.update({ appInstanceId: instance.appInstanceId, seId: instance.seId, sealedCredential: Buffer.from(sealed).toString('base64') });
    }
    await m.fire('app-registered');
    const outcome = await app.relay((client) => client.run({ seId: app.data.seId!, purpose: 'prepare' }).catch((err: unknown) => cleanUpFirst(client, app, err)));
    if (outcome.session.state !== 'completed') {
      throw new AppError('ERR_APP_SESSION_FAILED', `The preparation did not complete (${outcome.session.failure?.code ?? outcome.session.state}): try again.`);
    }
    await m.fire('prepared');
    return outcome;
  } catch (err) {
    await m.fire('fail');
    throw toUserError(err, { doing: 'the preparation' });
  }
}
