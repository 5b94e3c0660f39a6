import type { ResponseApdu } from '../../../apdu/index.js';
import { concat, fromHex, toHex } from '../../../bytes/index.js';
import {
  EF,
  generateKeyPairCommand,
  parseManagementResponses,
  putCertificateCommand,
  setReferenceDataCommand,
  storeDataBlocks,
  storeDataCommand,
  type JpkiAppletError,
  type PublicKeyResult,
} from '../../../devices/applets/jpki/index.js';
import type { Queryable } from '../../../store/index.js';
import { encodePhoneIssuanceApplication } from '../../jpki/application.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { installForPersonalization } from '../gp-commands.js';
import { initializeUpdate, openSession, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import { checkCertifies, type CertifiedPhone } from './ca-client.js';
import { apsdKeys, type SpContext } from './context.js';
import { activateApsdKeys, getSpElement, insertOrder, orderOfSession, setSpElementState, updateOrder } from './repository.js';
import { temporarySecrets, type TemporarySecrets } from './temporary-secrets.js';

/*
 * Issuance (flow 3), the SP-TSM's script through SCP03 with its APSD at level 33 (C-DEC, C-MAC, R-MAC,
 * R-ENC), on a logical channel named `apsd` that stays open (and the secure channel session with it)
 * while the user holds the card to the phone:
 *
 *   round 1  SELECT APSD; INITIALIZE UPDATE
 *   round 2  EXTERNAL AUTHENTICATE; INSTALL [for personalization] JPKI applet; STORE DATA: GENERATE KEY
 *            PAIR 001A (signature) and 0017 (user authentication), one block; the public keys come back
 *            in its response under R-MAC (and R-ENC): the SP knows they come from this element's applet
 *   (the app has the card sign the issuance application; the SP submits it to the CA)
 *   round 3  INSTALL [for personalization]; STORE DATA: the signature certificate (0001), its CA (0002),
 *            the user-authentication certificate (000A), its CA (000B), in blocks; INSTALL [for
 *            personalization]; STORE DATA: the temporary PIN (0018) and password (001B), one block of
 *            its own so the trace redacts only it; close the channel
 */

interface IssuanceState {
  readonly stage: 'generate' | 'application' | 'personalize' | 'finish';
  readonly hostChallenge: string;
  readonly orderId: string;
  readonly session?: PipelineState;
  readonly meta: readonly StepMeta[];
  readonly signSpki?: string;
  readonly authSpki?: string;
  readonly secrets?: TemporarySecrets;
}

const LEVEL = 0x33;

function aad(sessionId: string): string {
  return `sp-session:${sessionId}:issuance`;
}

function save(ctx: SpContext, sessionId: string, s: IssuanceState): Uint8Array {
  return ctx.sealer.sealJson(s, aad(sessionId));
}

function load(ctx: SpContext, sessionId: string, sealed: Uint8Array, stage: IssuanceState['stage']): IssuanceState {
  const s = ctx.sealer.openJson<IssuanceState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SP session is at ${s.stage}, not ${stage}`);
  return s;
}

function now(ctx: SpContext): string {
  return ctx.clock().toISOString();
}

export async function issuanceBegin(ctx: SpContext, q: Queryable, sessionId: string, seId: string, appInstanceId: string) {
  const e = await getSpElement(q, seId);
  if (!e || e.state === 'keys-received') throw new TsmError('ERR_TSM_NOT_PREPARED', `secure element ${seId} has no APSD of the SP-TSM yet: prepare it first`);
  const orderId = `ord_${toHex(ctx.random(12)).toLowerCase()}`;
  await insertOrder(q, {
    id: orderId,
    kind: 'issuance',
    session_id: sessionId,
    se_id: seId,
    app_instance_id: appInstanceId,
    state: 'generating',
    nonce: null,
    application: null,
    person_id: null,
    card_serial: null,
    sign_serial: null,
    auth_serial: null,
    superseded: null,
    failure: null,
    created_at: now(ctx),
    updated_at: now(ctx),
  });
  const hostChallenge = ctx.random(8);
  const round = new Round('sp', 'apsd').open(AID.APSD, 'SELECT APSD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (APSD)');
  return { round, state: save(ctx, sessionId, { stage: 'generate', hostChallenge: toHex(hostChallenge), orderId, meta: round.meta }) };
}

export async function issuanceGenerate(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'generate');
  const held = await apsdKeys(ctx, q, seId);
  const opened = openSession(responses[1]!, fromHex(s.hostChallenge), (kvn) => held.get(kvn)?.keys, LEVEL);
  // A rotation whose answer was lost: the card holds the pending set, so it is the one now.
  if (held.get(opened.keys.kvn)?.state !== 'active') await activateApsdKeys(q, seId, opened.keys.kvn);
  const session = opened.state;
  const round = new Round('sp', 'apsd').authenticate(opened.externalAuthenticate).secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
  const blocks = storeDataBlocks([generateKeyPairCommand(EF.SIGN_KEY), generateKeyPairCommand(EF.AUTH_KEY)]);
  for (const block of blocks) {
    round.secured(session, storeDataCommand(block), `STORE DATA block ${block.p2 + 1}/${blocks.length}: GENERATE KEY PAIR 001A (signature), 0017 (user authentication)`);
  }
  return { round, plain: responses.slice(), state: save(ctx, sessionId, { ...s, stage: 'application', session, meta: round.meta }) };
}

/** The public keys came back under R-MAC: the issuance application is built for the card to sign. */
export async function issuanceApplication(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'application');
  const plain = unwrapAll(s.session, s.meta, responses);
  let keys: PublicKeyResult[];
  try {
    const results = parseManagementResponses(concat(...plain.slice(2).map((r) => r.data)));
    keys = results.filter((r): r is PublicKeyResult => r.kind === 'generated');
  } catch (err) {
    throw new TsmError('ERR_TSM_RESPONSE_INVALID', `the applet's key generation answer does not parse (${(err as JpkiAppletError).code})`, { cause: err });
  }
  const sign = keys.find((k) => k.key === EF.SIGN_KEY);
  const auth = keys.find((k) => k.key === EF.AUTH_KEY);
  if (!sign || !auth || keys.length !== 2) throw new TsmError('ERR_TSM_RESPONSE_INVALID', 'the applet did not answer both public keys');
  const nonce = Buffer.from(ctx.random(18)).toString('base64url');
  const application = encodePhoneIssuanceApplication({ seId, signPublicKey: sign.subjectPublicKeyInfo, authPublicKey: auth.subjectPublicKeyInfo, nonce, time: ctx.clock() });
  await updateOrder(q, s.orderId, { state: 'awaiting-signature', nonce, application, updated_at: now(ctx) });
  return {
    plain,
    application,
    state: save(ctx, sessionId, { ...s, stage: 'personalize', signSpki: toHex(sign.subjectPublicKeyInfo), authSpki: toHex(auth.subjectPublicKeyInfo) }),
  };
}

/** The CA issued: certificates, CA certificates and temporary secrets go to the applet in one batch. */
export async function issuancePersonalize(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, certified: CertifiedPhone) {
  const s = load(ctx, sessionId, sealed, 'personalize');
  checkCertifies(certified.sign.der, fromHex(s.signSpki!), 'signature');
  checkCertifies(certified.auth.der, fromHex(s.authSpki!), 'user-authentication');
  const session = { ...s.session! };
  const secrets = temporarySecrets(ctx.random);
  const round = new Round('sp', 'apsd').secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
  const certificates = storeDataBlocks([
    putCertificateCommand(EF.SIGN_CERT, certified.sign.der),
    putCertificateCommand(EF.SIGN_CA_CERT, certified.sign.caDer),
    putCertificateCommand(EF.AUTH_CERT, certified.auth.der),
    putCertificateCommand(EF.AUTH_CA_CERT, certified.auth.caDer),
  ]);
  for (const block of certificates) round.secured(session, storeDataCommand(block), `STORE DATA block ${block.p2 + 1}/${certificates.length}: certificates 0001, 0002, 000A, 000B`);
  round.secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
  for (const block of storeDataBlocks([setReferenceDataCommand(EF.AUTH_PIN, secrets.pin), setReferenceDataCommand(EF.SIGN_PASSWORD, secrets.password)])) {
    round.secured(session, storeDataCommand(block), 'STORE DATA: SET REFERENCE DATA 0018 (temporary PIN), 001B (temporary password)', { secret: true });
  }
  round.close('close channel (APSD)');
  await updateOrder(q, s.orderId, {
    state: 'certified',
    person_id: certified.personId,
    card_serial: certified.cardSerial,
    sign_serial: certified.sign.serial,
    auth_serial: certified.auth.serial,
    superseded: JSON.stringify(certified.superseded),
    updated_at: now(ctx),
  });
  return { round, secrets, state: save(ctx, sessionId, { ...s, stage: 'finish', session, meta: round.meta, secrets }) };
}

export async function issuanceFinish(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  await updateOrder(q, s.orderId, { state: 'completed', updated_at: now(ctx) });
  await setSpElementState(q, seId, 'personalized', now(ctx));
  const order = await orderOfSession(q, sessionId);
  return {
    plain,
    result: {
      orderId: s.orderId,
      personId: order?.person_id ?? null,
      sign: { serial: order?.sign_serial ?? null },
      auth: { serial: order?.auth_serial ?? null },
      superseded: order?.superseded ? (JSON.parse(order.superseded) as string[]) : [],
    },
  };
}

/** A failed or aborted issuance session leaves its order failed, with the reason. */
export async function issuanceFailed(ctx: SpContext, q: Queryable, sessionId: string, reason: string): Promise<void> {
  const order = await orderOfSession(q, sessionId);
  if (order && order.state !== 'completed') await updateOrder(q, order.id, { state: 'failed', failure: reason, updated_at: now(ctx) });
}
