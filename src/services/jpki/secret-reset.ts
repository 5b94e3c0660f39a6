import { verify } from 'node:crypto';
import { appendAudit } from '../../store/index.js';
import { actorLabel, type Actor } from './actors.js';
import { assertFresh, parsePhoneSecretResetRequest, type SecretsToReset } from './application.js';
import type { JpkiContext } from './context.js';
import { JpkiServiceError } from './errors.js';
import { checkCardCertificate } from './issuance.js';
import { consumeNonce, getCertificate, nonceUsed } from './repository.js';

export interface SecretResetRequest {
  /** The request bytes exactly as the card signed them (`jpki-mobile/phone-secret-reset/v1`). */
  readonly request: Uint8Array;
  /** The card's signature over them (RSASSA-PKCS1-v1_5, SHA-256). */
  readonly signature: Uint8Array;
  /** The card's signature certificate, DER, as read from the card (EF 0001). */
  readonly cardCertificate: Uint8Array;
}

export interface SecretResetAuthorisation {
  readonly personId: string;
  readonly cardSerial: string;
  readonly seId: string;
  readonly secrets: SecretsToReset;
  /** The phone certificates whose applet's secrets are re-initialised (signature, user authentication). */
  readonly serials: readonly string[];
}

/**
 * PIN/password re-initialisation online (flow 5, step 2): the certification service, asked by the
 * SP-TSM, checks that the holder of the phone certificates authorised it with their card. The card
 * certificate must be a good card signature certificate of this service (chain, record, status,
 * validity, as for phone issuance); its key must verify the request's signature; the request must be
 * fresh and not used before; and both phone certificates it names must be active phone certificates of
 * that element whose holder is the card's holder. A card of another person is
 * `ERR_JPKI_CARD_HOLDER_MISMATCH`, refused before anything is written. Then, in one transaction, the
 * request's nonce is spent and the authorisation goes into the audit log. Nothing about a certificate
 * changes: the keys stay, only the secrets that unlock them are set again (by the SP-TSM, through SCP03).
 */
export async function authoriseSecretReset(ctx: JpkiContext, actor: Actor, req: SecretResetRequest): Promise<SecretResetAuthorisation> {
  if (actor.kind !== 'sp-tsm' && actor.kind !== 'admin') throw new JpkiServiceError('ERR_JPKI_FORBIDDEN', 'a secret re-initialisation is asked by the SP-TSM');
  const now = ctx.clock();
  const { parsed: card, record: cardRecord } = await checkCardCertificate(ctx, ctx.db, req.cardCertificate, now);
  let ok = false;
  try {
    ok = verify('sha256', req.request, { key: Buffer.from(card.subjectPublicKeyInfo), format: 'der', type: 'spki' }, req.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new JpkiServiceError('ERR_JPKI_CARD_SIGNATURE', "the request's signature does not verify with the card certificate");
  const request = parsePhoneSecretResetRequest(req.request);
  assertFresh(request.time, now);
  if (await nonceUsed(ctx.db, request.nonce)) throw new JpkiServiceError('ERR_JPKI_APPLICATION_REPLAYED', 'this request was used before');
  const serials = [request.signSerial, request.authSerial];
  for (const [serial, hierarchy] of [[request.signSerial, 'sign'], [request.authSerial, 'auth']] as const) {
    const cert = await getCertificate(ctx.db, serial);
    if (!cert || cert.device !== 'phone' || cert.hierarchy !== hierarchy || cert.se_id !== request.seId || cert.status === 'revoked') {
      throw new JpkiServiceError('ERR_JPKI_PHONE_CERTIFICATE', `${serial} is not an active phone ${hierarchy === 'sign' ? 'signature' : 'user-authentication'} certificate of secure element ${request.seId}`);
    }
    if (cert.person_id !== cardRecord.person_id) throw new JpkiServiceError('ERR_JPKI_CARD_HOLDER_MISMATCH', "the card is not the card of the phone certificates' holder");
  }
  await ctx.db.transaction(async (tx) => {
    if (!(await consumeNonce(tx, request.nonce, 'phone-secret-reset', now))) throw new JpkiServiceError('ERR_JPKI_APPLICATION_REPLAYED', 'this request was used before');
    // Re-checked inside the lock: the card certificate, or the phone certificates, may have been revoked since.
    await checkCardCertificate(ctx, tx, req.cardCertificate, now);
    for (const serial of serials) {
      if ((await getCertificate(tx, serial))?.status === 'revoked') throw new JpkiServiceError('ERR_JPKI_PHONE_CERTIFICATE', `${serial} was revoked meanwhile`);
    }
    await appendAudit(tx, {
      at: now,
      actor: actorLabel(actor),
      action: 'phone-secrets-reset-authorised',
      subject: request.authSerial,
      payload: { seId: request.seId, secrets: request.secrets, serials, personId: cardRecord.person_id, cardSerial: cardRecord.serial },
    });
  });
  return { personId: cardRecord.person_id, cardSerial: cardRecord.serial, seId: request.seId, secrets: request.secrets, serials };
}
