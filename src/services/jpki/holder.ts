import { verify } from 'node:crypto';
import { parseCertificate } from '../../pki/x509/index.js';
import { Reason } from './actors.js';
import { assertFresh, parseHolderRevocationRequest } from './application.js';
import type { JpkiContext } from './context.js';
import { JpkiServiceError } from './errors.js';
import { activeCertificates, consumeNonce, getCertificate } from './repository.js';
import { revokeInTx } from './revocation.js';

/**
 * Revocation from the phone itself, without the card (flow 7): a request signed with the phone's
 * user-authentication key (the holder entered the PIN). The certificate named in the request must be
 * a phone user-authentication certificate of this service, good or held; its key must verify the
 * signature; then every active phone certificate of the holder on that secure element is revoked.
 */
export async function holderRevoke(ctx: JpkiContext, request: Uint8Array, signature: Uint8Array): Promise<string[]> {
  const now = ctx.clock();
  const parsedRequest = parseHolderRevocationRequest(request);
  const cert = await getCertificate(ctx.db, parsedRequest.serial);
  if (!cert || cert.device !== 'phone' || cert.hierarchy !== 'auth') {
    throw new JpkiServiceError('ERR_JPKI_HOLDER_SIGNATURE', 'the request does not name a phone user-authentication certificate of this service');
  }
  if (cert.status === 'revoked') throw new JpkiServiceError('ERR_JPKI_ALREADY_REVOKED', 'the certificate is already revoked');
  const spki = parseCertificate(cert.der).subjectPublicKeyInfo;
  let ok = false;
  try {
    ok = verify('sha256', request, { key: Buffer.from(spki), format: 'der', type: 'spki' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new JpkiServiceError('ERR_JPKI_HOLDER_SIGNATURE', "the request's signature does not verify with the phone certificate");
  assertFresh(parsedRequest.time, now);
  const reason = Reason[parsedRequest.reason];
  const changed = await ctx.db.transaction(async (tx) => {
    if (!(await consumeNonce(tx, parsedRequest.nonce, 'holder-revocation', now))) {
      throw new JpkiServiceError('ERR_JPKI_APPLICATION_REPLAYED', 'this request was used before');
    }
    const serials: string[] = [];
    for (const phone of await activeCertificates(tx, cert.person_id, 'phone')) {
      if (phone.se_id !== cert.se_id) continue;
      serials.push(...(await revokeInTx(tx, { kind: 'holder', personId: cert.person_id }, phone, reason, now)));
    }
    return serials;
  });
  ctx.changed(changed);
  return changed;
}
