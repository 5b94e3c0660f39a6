import { bytesEqual } from '../../bytes/index.js';
import { CmsError } from '../../pki/cms/index.js';
import { prepareSignedData, RelyingPartyError } from '../../sdk/index.js';

/*
 * A document the relying party holds and the holder signs with the signature certificate (the portal's
 * application, the bank's terms), in two round trips:
 *
 *   1. the party answers the document and DigestInfo(SHA-256(DER(signedAttrs))): the 51 bytes the card
 *      or the phone signs with `80 2A 00 80` after the password;
 *   2. the holder's app sends back the RSA signature and its signature certificate (read from the card
 *      after the same password, in the same card session); the party completes the detached CMS
 *      SignedData (RFC 5652) and verifies it with the SDK.
 *
 * The signed attributes the SDK's builder writes are contentType, signingTime and messageDigest (no
 * ESSCertIDv2), so they do not depend on the signer's certificate. The party can therefore answer
 * step 1 before it knows who will sign: it prepares them with a stand-in certificate (one of its
 * signature CA anchors) and, in step 2, prepares them again with the signer's certificate and checks
 * that the DigestInfo is the same before it completes. The holder never has to send the certificate
 * twice, and the card is held to the phone once.
 */

export interface SigningRequest {
  readonly signingTime: Date;
  readonly digestInfo: Uint8Array;
}

/** Step 1: what the holder signs for `content` at `signingTime` (the party's clock). */
export function signingRequest(content: Uint8Array, signingTime: Date, standIn: Uint8Array): SigningRequest {
  const prepared = prepareSignedData({ content, certificate: standIn, signingTime });
  return { signingTime, digestInfo: prepared.digestInfo };
}

/**
 * Step 2: the CMS SignedData DER from the holder's signature and certificate. The certificate must be
 * a DER certificate (`ERR_RP_CERT_MALFORMED`) and the signature must verify with its key over the
 * signed attributes (`ERR_RP_SIGNATURE_INVALID`: the wrong key, e.g. the user-authentication key, or a
 * signature over another document). Whether the certificate may sign at all (kind, path, status) is
 * the SDK's `verifySignedDocument`, which the caller runs on the result.
 */
export function completeSignature(p: { content: Uint8Array; request: SigningRequest; certificate: Uint8Array; signature: Uint8Array }): Uint8Array {
  let prepared;
  try {
    prepared = prepareSignedData({ content: p.content, certificate: p.certificate, signingTime: p.request.signingTime });
  } catch (err) {
    throw new RelyingPartyError('ERR_RP_CERT_MALFORMED', 'the certificate is not a DER X.509 certificate', { cause: err });
  }
  // Cannot differ (see above); checked so that a change of the builder fails loudly here.
  if (!bytesEqual(prepared.digestInfo, p.request.digestInfo)) throw new Error('the signed attributes depend on the signer certificate: the stand-in no longer works');
  try {
    return prepared.complete(p.signature);
  } catch (err) {
    if (err instanceof CmsError && err.code === 'ERR_CMS_SIGNER_FAILED') {
      throw new RelyingPartyError('ERR_RP_SIGNATURE_INVALID', "the signature does not verify with the certificate's key over this document", { cause: err });
    }
    throw err;
  }
}
