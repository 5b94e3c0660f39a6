import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo, TBSCertificate, Time, Validity, Version } from '@peculiar/asn1-x509';
import { assembleCertificate, name, randomSerial, sha256WithRsa } from '../pki/x509/index.js';

/**
 * The app's signing certificate: what an APK is signed with (Android's APK Signature Scheme v2/v3
 * "signing certificate"). The OS knows an installed app by it, and the access rules name it by its
 * SHA-256 (gp-scp03.md 4.4 step 2): the SEI-TSM writes that hash into the ARA-M rule of the JPKI
 * applet and the SP-TSM keeps it in its allow-list. A real self-signed X.509 v3 certificate (RFC 5280
 * 4.1) over an RSA-2048 key, as `apksigner` keystores usually hold; the key stays with the publisher.
 */
export interface AppSigningIdentity {
  /** DER certificate. */
  readonly certificate: Uint8Array;
  /** PKCS#8 DER private key (the publisher's; never on the phone). */
  readonly privateKey: Uint8Array;
}

/** Uppercase hex SHA-256 of a DER certificate: the form of the ARA-M rule and the SP-TSM allow-list. */
export function certificateHash(certificate: Uint8Array): string {
  return createHash('sha256').update(certificate).digest('hex').toUpperCase();
}

/** A new self-signed signing certificate, valid `years` (default 25, Google Play's minimum horizon). */
export function createAppSigningIdentity(options: { commonName?: string; now?: Date; years?: number } = {}): AppSigningIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = options.now ?? new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (options.years ?? 25));
  const subject = name([
    ['C', 'JP'],
    ['O', 'jpki-mobile'],
    ['CN', options.commonName ?? 'JPKI smartphone app signing'],
  ]);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toBuffer(randomSerial((n) => new Uint8Array(randomBytes(n)))),
    signature: sha256WithRsa(),
    issuer: subject,
    validity: new Validity(),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
  });
  tbs.validity.notBefore = new Time({ utcTime: now });
  tbs.validity.notAfter = notAfter.getUTCFullYear() < 2050 ? new Time({ utcTime: notAfter }) : new Time({ generalTime: notAfter });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const certificate = assembleCertificate(tbsDer, new Uint8Array(sign('sha256', tbsDer, privateKey)));
  return { certificate, privateKey: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })) };
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The publisher's key as a node:crypto key (to sign an update, for instance). */
export function signingKeyOf(identity: AppSigningIdentity): KeyObject {
  return createPrivateKey({ key: Buffer.from(identity.privateKey), format: 'der', type: 'pkcs8' });
}
