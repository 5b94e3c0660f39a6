import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { bytesEqual, toHex } from '../../bytes/index.js';
import { extensionOf, OID_SUBJECT_KEY_IDENTIFIER, parseCertificate, type ParsedCertificate } from '../x509/index.js';
import { CmsError } from './errors.js';
import { parseSignedData, type ParsedSignedData } from './signed-data.js';
import type { SignerIdentifier } from './signer-info.js';

export interface SignedDataVerification {
  readonly signedData: ParsedSignedData;
  /** DER of the certificate whose key made the signature. */
  readonly signerCertificate: Uint8Array;
  /** The other certificates of the SignedData (and of `extraCertificates`): candidates for a path. */
  readonly otherCertificates: readonly Uint8Array[];
  /** The signingTime attribute: what the signer claims, not a trusted timestamp. */
  readonly signingTime?: Date;
}

/**
 * RFC 5652 5.6, for one detached SignedData: finds the signer's certificate by its sid, checks the
 * RSASSA-PKCS1-v1_5 SHA-256 signature over DER(signedAttrs) with that certificate's key
 * (`ERR_CMS_SIGNATURE_INVALID`), then that the messageDigest attribute is the SHA-256 of `content`
 * (`ERR_CMS_MESSAGE_DIGEST_MISMATCH`: a genuine signature, but over other data). Says nothing about
 * whether the certificate is trusted: that is path validation and status, done by the caller.
 */
export function verifySignedData(cms: Uint8Array | ParsedSignedData, content: Uint8Array, options: { extraCertificates?: readonly Uint8Array[] } = {}): SignedDataVerification {
  if (!(content instanceof Uint8Array)) throw new CmsError('ERR_CMS_PARAMS', 'the content must be bytes');
  const signedData = cms instanceof Uint8Array ? parseSignedData(cms) : cms;
  const candidates = [...signedData.certificates, ...(options.extraCertificates ?? [])];
  const signerCertificate = findSignerCertificate(signedData.signer.sid, candidates);
  const { signer } = signedData;
  const key = rsaKeyOf(signerCertificate);
  if (!verify('sha256', signer.signedAttributes, key, signer.signature)) {
    throw new CmsError('ERR_CMS_SIGNATURE_INVALID', "the signature over signedAttrs does not verify with the signer certificate's key");
  }
  const digest = new Uint8Array(createHash('sha256').update(content).digest());
  if (!bytesEqual(digest, signer.messageDigest)) {
    throw new CmsError('ERR_CMS_MESSAGE_DIGEST_MISMATCH', 'messageDigest is not the SHA-256 of the content: the signature is over other data');
  }
  return {
    signedData,
    signerCertificate: signerCertificate.der,
    otherCertificates: candidates.filter((c) => !bytesEqual(c, signerCertificate.der)),
    ...(signer.signingTime === undefined ? {} : { signingTime: signer.signingTime }),
  };
}

/** 5.3: the certificate with that issuer and serial number (names compared as DER bytes), or with that subjectKeyIdentifier. */
export function findSignerCertificate(sid: SignerIdentifier, certificates: readonly Uint8Array[]): ParsedCertificate {
  for (const der of certificates) {
    let cert: ParsedCertificate;
    try {
      cert = parseCertificate(der);
    } catch (cause) {
      throw new CmsError('ERR_CMS_CERTIFICATE_INVALID', 'a candidate signer certificate does not parse', { cause });
    }
    if (sid.kind === 'issuerAndSerialNumber') {
      if (bytesEqual(cert.issuer, sid.issuer) && cert.serialNumberHex === toHex(sid.serialNumber)) return cert;
    } else {
      const ski = extensionOf(cert, OID_SUBJECT_KEY_IDENTIFIER);
      // extnValue is `04 len keyid`.
      if (ski !== undefined && ski.value.length > 2 && bytesEqual(ski.value.subarray(2), sid.keyIdentifier)) return cert;
    }
  }
  throw new CmsError('ERR_CMS_SIGNER_CERTIFICATE_MISSING', 'no certificate matches the SignerInfo sid');
}

function rsaKeyOf(cert: ParsedCertificate): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(cert.subjectPublicKeyInfo), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CmsError('ERR_CMS_CERTIFICATE_INVALID', "the signer certificate's key does not load", { cause });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CmsError('ERR_CMS_ALGORITHM_UNSUPPORTED', `the signer key is ${key.asymmetricKeyType}, not RSA`);
  return key;
}
