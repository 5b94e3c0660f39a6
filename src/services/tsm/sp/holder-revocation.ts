import { verify } from 'node:crypto';
import { encodeCommand, parseCommand, type ResponseApdu } from '../../../apdu/index.js';
import { fromHex, toHex } from '../../../bytes/index.js';
import { storeDataBlocks, storeDataCommand, wipeCommand } from '../../../devices/applets/jpki/index.js';
import { parseCertificate } from '../../../pki/x509/index.js';
import type { Queryable } from '../../../store/index.js';
import { encodeHolderRevocationRequest, parseHolderRevocationRequest } from '../../jpki/application.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { installForPersonalization } from '../gp-commands.js';
import { initializeUpdate, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import type { SpContext } from './context.js';
import { openApsd } from './maintenance.js';
import { getSpElement } from './repository.js';

/*
 * Revocation from the phone (flow 7), purpose `revoke`, with no card: the holder's PIN and the phone's
 * own user-authentication key stand for the holder.
 *
 *   round 1     SELECT APSD; INITIALIZE UPDATE (the secure channel the wipe will use)
 *   signature   the SP builds a holder revocation request (`jpki-mobile/holder-revocation/v1`: the
 *               element's current user-authentication certificate serial, cessationOfOperation, a
 *               nonce, the time) and hands it to the app as the session's `application`; the app has
 *               the applet VERIFY the PIN and sign its SHA-256 DigestInfo with key 0017, and posts the
 *               signature; the SP checks that the certificate is this element's current phone
 *               user-authentication certificate and that its key verifies the signature, then submits
 *               the request to the CA (`POST /api/v1/holder/revocations`), which checks it again and
 *               revokes both phone certificates of the element
 *   round 2     EXTERNAL AUTHENTICATE; INSTALL [for personalization]; STORE DATA: WIPE; close
 */

interface RevokeState {
  readonly stage: 'request' | 'signed' | 'finish';
  readonly hostChallenge: string;
  readonly serial: string;
  readonly session?: PipelineState;
  readonly externalAuthenticate?: string;
  readonly meta: readonly StepMeta[];
  readonly revoked?: readonly string[];
}

const aad = (sessionId: string) => `sp-session:${sessionId}:holder-revocation`;

function load(ctx: SpContext, sessionId: string, sealed: Uint8Array, stage: RevokeState['stage']): RevokeState {
  const s = ctx.sealer.openJson<RevokeState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SP session is at ${s.stage}, not ${stage}`);
  return s;
}

export async function revokeBegin(ctx: SpContext, q: Queryable, sessionId: string, seId: string, authSerial: string | undefined) {
  const e = await getSpElement(q, seId);
  if (!e || e.state === 'keys-received') throw new TsmError('ERR_TSM_NOT_PREPARED', `secure element ${seId} has no APSD of the SP-TSM`);
  if (!authSerial) throw new TsmError('ERR_TSM_NO_CERTIFICATES', `secure element ${seId} holds no phone certificates the SP-TSM wrote`);
  const hostChallenge = ctx.random(8);
  const round = new Round('sp', 'apsd').open(AID.APSD, 'SELECT APSD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (APSD)');
  return { round, state: ctx.sealer.sealJson({ stage: 'request', hostChallenge: toHex(hostChallenge), serial: authSerial, meta: round.meta } satisfies RevokeState, aad(sessionId)) };
}

/** The channel is authenticated ahead; the request for the holder to sign. */
export async function revokeRequest(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'request');
  const opened = await openApsd(ctx, q, seId, responses[1]!, s.hostChallenge);
  const nonce = Buffer.from(ctx.random(18)).toString('base64url');
  const application = encodeHolderRevocationRequest({ serial: s.serial, reason: 'cessationOfOperation', nonce, time: ctx.clock() });
  const next: RevokeState = { ...s, stage: 'signed', session: opened.state, externalAuthenticate: toHex(encodeCommand(opened.externalAuthenticate)) };
  return { plain: responses.slice(), application, state: ctx.sealer.sealJson(next, aad(sessionId)) };
}

/**
 * The SP's own check of the holder's signature before it goes to the CA: the request is the one of
 * this session, names the element's current user-authentication certificate, and that certificate's
 * key verifies the signature (RSASSA-PKCS1-v1_5 with SHA-256, as the applet signs).
 */
export function checkHolderSignature(application: Uint8Array, signature: Uint8Array, cert: { der: Uint8Array; device: string; hierarchy: string; seId: string | null; status: string }, seId: string): void {
  const request = parseHolderRevocationRequest(application);
  if (cert.device !== 'phone' || cert.hierarchy !== 'auth' || cert.seId !== seId) throw new TsmError('ERR_TSM_HOLDER_SIGNATURE', `certificate ${request.serial} is not this element's phone user-authentication certificate`);
  if (cert.status === 'revoked') throw new TsmError('ERR_TSM_HOLDER_SIGNATURE', `certificate ${request.serial} is revoked already`);
  let ok = false;
  try {
    ok = verify('sha256', application, { key: Buffer.from(parseCertificate(cert.der).subjectPublicKeyInfo), format: 'der', type: 'spki' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new TsmError('ERR_TSM_HOLDER_SIGNATURE', "the signature does not verify with the element's user-authentication certificate");
}

/** The CA revoked: the wipe, in the secure channel opened in round 1. */
export function revokeWipe(ctx: SpContext, sessionId: string, sealed: Uint8Array, revoked: readonly string[]) {
  const s = load(ctx, sessionId, sealed, 'signed');
  const session = { ...s.session! };
  const round = new Round('sp', 'apsd').authenticate(parseCommand(fromHex(s.externalAuthenticate!)));
  round.secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
  for (const block of storeDataBlocks([wipeCommand()])) round.secured(session, storeDataCommand(block), 'STORE DATA: WIPE');
  round.close('close channel (APSD)');
  return { round, state: ctx.sealer.sealJson({ ...s, stage: 'finish', session, meta: round.meta, revoked } satisfies RevokeState, aad(sessionId)) };
}

export function revokeFinish(ctx: SpContext, sessionId: string, sealed: Uint8Array, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  return { plain, result: { revoked: s.revoked ?? [], wiped: true } };
}
