import { parseCommand, encodeCommand, type ResponseApdu } from '../../../apdu/index.js';
import { fromHex, toHex } from '../../../bytes/index.js';
import { EF, setReferenceDataCommand, storeDataBlocks, storeDataCommand } from '../../../devices/applets/jpki/index.js';
import type { Queryable } from '../../../store/index.js';
import { encodePhoneSecretResetRequest, parsePhoneSecretResetRequest, type SecretsToReset } from '../../jpki/application.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { installForPersonalization } from '../gp-commands.js';
import { initializeUpdate, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import type { SecretResetAuthorisation } from './ca-client.js';
import type { SpContext } from './context.js';
import { openApsd } from './maintenance.js';
import { getSpElement } from './repository.js';
import { temporarySecrets, type TemporarySecrets } from './temporary-secrets.js';

/*
 * PIN/password re-initialisation online (flow 5), purpose `reset-pin`: the holder forgot a secret, or
 * blocked it, and holds their card to the phone.
 *
 *   round 1     SELECT APSD; INITIALIZE UPDATE (the secure channel the new values will use)
 *   signature   the SP builds a re-initialisation request (`jpki-mobile/phone-secret-reset/v1`: the
 *               element, its current signature and user-authentication certificate serials, which
 *               secrets, a nonce, the time) and hands it to the app as the session's `application`; the
 *               app has the card VERIFY its signature password and sign the request's SHA-256
 *               DigestInfo, and posts the signature with the card's signature certificate; the SP
 *               submits them to the CA (`POST /api/v1/phone-secret-resets`), which checks the card, the
 *               signature, freshness, single use, and that the card's holder is the holder of those
 *               phone certificates
 *   round 2     EXTERNAL AUTHENTICATE; INSTALL [for personalization] JPKI applet; STORE DATA: SET
 *               REFERENCE DATA of a random temporary PIN (0018) and/or password (001B), a block of its
 *               own so the trace redacts only it (the applet sets the value and its retry counter back
 *               to the maximum, blocked or not); close
 *
 * The completed session's result carries the temporary values (sealed in the session for 5 minutes, as
 * at issuance); the app replaces them with the user's own at once, so the user never sees them.
 */

interface SecretResetState {
  readonly stage: 'request' | 'authorise' | 'finish';
  readonly hostChallenge: string;
  readonly secrets: SecretsToReset;
  readonly sign: string;
  readonly auth: string;
  readonly session?: PipelineState;
  readonly externalAuthenticate?: string;
  readonly meta: readonly StepMeta[];
  readonly authorised?: SecretResetAuthorisation;
}

const aad = (sessionId: string) => `sp-session:${sessionId}:secret-reset`;

function load(ctx: SpContext, sessionId: string, sealed: Uint8Array, stage: SecretResetState['stage']): SecretResetState {
  const s = ctx.sealer.openJson<SecretResetState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SP session is at ${s.stage}, not ${stage}`);
  return s;
}

/** Round 1, for an element the SP personalised and whose current certificates are `current`. */
export async function secretResetBegin(ctx: SpContext, q: Queryable, sessionId: string, seId: string, secrets: SecretsToReset, current: { sign: string; auth: string } | undefined) {
  const e = await getSpElement(q, seId);
  if (!e || e.state === 'keys-received') throw new TsmError('ERR_TSM_NOT_PREPARED', `secure element ${seId} has no APSD of the SP-TSM`);
  if (!current) throw new TsmError('ERR_TSM_NO_CERTIFICATES', `secure element ${seId} holds no phone certificates the SP-TSM wrote`);
  const hostChallenge = ctx.random(8);
  const round = new Round('sp', 'apsd').open(AID.APSD, 'SELECT APSD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (APSD)');
  const state: SecretResetState = { stage: 'request', hostChallenge: toHex(hostChallenge), secrets, sign: current.sign, auth: current.auth, meta: round.meta };
  return { round, state: ctx.sealer.sealJson(state, aad(sessionId)) };
}

/** The channel is authenticated ahead; the request for the card to sign. */
export async function secretResetRequest(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'request');
  const opened = await openApsd(ctx, q, seId, responses[1]!, s.hostChallenge);
  const nonce = Buffer.from(ctx.random(18)).toString('base64url');
  const application = encodePhoneSecretResetRequest({ seId, signSerial: s.sign, authSerial: s.auth, secrets: s.secrets, nonce, time: ctx.clock() });
  const next: SecretResetState = { ...s, stage: 'authorise', session: opened.state, externalAuthenticate: toHex(encodeCommand(opened.externalAuthenticate)) };
  return { plain: responses.slice(), application, state: ctx.sealer.sealJson(next, aad(sessionId)) };
}

/**
 * The SP's own check of the CA's answer before anything reaches the applet: the authorisation is for
 * this session's request (element, serials, secrets).
 */
export function checkAuthorisation(application: Uint8Array, authorised: SecretResetAuthorisation): void {
  const request = parsePhoneSecretResetRequest(application);
  const same = authorised.seId === request.seId && authorised.secrets === request.secrets && authorised.serials.includes(request.signSerial) && authorised.serials.includes(request.authSerial);
  if (!same) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', "the certification service's authorisation is not for this request");
}

/** The CA authorised: new temporary values in the secure channel opened in round 1. */
export function secretResetWrite(ctx: SpContext, sessionId: string, sealed: Uint8Array, authorised: SecretResetAuthorisation) {
  const s = load(ctx, sessionId, sealed, 'authorise');
  const session = { ...s.session! };
  const drawn = temporarySecrets(ctx.random);
  const secrets: Partial<TemporarySecrets> = {
    ...(s.secrets !== 'password' ? { pin: drawn.pin } : {}),
    ...(s.secrets !== 'pin' ? { password: drawn.password } : {}),
  };
  const commands = [
    ...(secrets.pin !== undefined ? [setReferenceDataCommand(EF.AUTH_PIN, secrets.pin)] : []),
    ...(secrets.password !== undefined ? [setReferenceDataCommand(EF.SIGN_PASSWORD, secrets.password)] : []),
  ];
  const what = [...(secrets.pin !== undefined ? ['0018 (temporary PIN)'] : []), ...(secrets.password !== undefined ? ['001B (temporary password)'] : [])].join(', ');
  const round = new Round('sp', 'apsd').authenticate(parseCommand(fromHex(s.externalAuthenticate!)));
  round.secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
  for (const block of storeDataBlocks(commands)) round.secured(session, storeDataCommand(block), `STORE DATA: SET REFERENCE DATA ${what}`, { secret: true });
  round.close('close channel (APSD)');
  const next: SecretResetState = { ...s, stage: 'finish', session, meta: round.meta, authorised };
  return { round, secrets, state: ctx.sealer.sealJson(next, aad(sessionId)) };
}

export function secretResetFinish(ctx: SpContext, sessionId: string, sealed: Uint8Array, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  return { plain, result: { secrets: s.secrets, serials: s.authorised?.serials ?? [s.sign, s.auth], personId: s.authorised?.personId ?? null, cardSerial: s.authorised?.cardSerial ?? null } };
}
