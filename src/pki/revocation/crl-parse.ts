import { bytesEqual } from '../../bytes/index.js';
import { isCrlReasonCode, type CrlReasonCode } from './reasons.js';
import { CRL_DER, DerReader } from './der-reader.js';
import { integerContentToBigint, OID, oidToString, TAG } from './der-writer.js';
import { RevocationError } from './errors.js';
import { readExtensions, rejectUnknownCritical } from './extensions.js';
import { verifyRsaSignature, type PublicKeyInput } from './signature.js';

/*
 * A reader for CRLs (RFC 5280 5.1, ASN.1 in crl.ts), for tests and relying parties. It checks the
 * structure and the extension rules of 5.2 and 5.3 that decide whether a CRL may be used at all
 * (unknown critical extensions); it does not check the signature (`verifyCrlSignature`), the issuer
 * or the dates, which need the caller's trust anchors and clock.
 */

export interface ParsedCrlEntry {
  /** CertificateSerialNumber content octets, as encoded. */
  readonly serial: Uint8Array;
  readonly revocationDate: Date;
  /** reasonCode when the entry has one (RFC 5280 5.3.1: absent means unspecified). */
  readonly reason?: CrlReasonCode;
}

export interface ParsedCrl {
  /** 1 when the version field is absent (v1), 2 for v2. */
  readonly version: 1 | 2;
  /** Dotted OID of the signature algorithm. */
  readonly signatureAlgorithm: string;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly crlNumber?: bigint;
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly entries: readonly ParsedCrlEntry[];
  /** DER of TBSCertList: what the signature covers. */
  readonly tbsCertList: Uint8Array;
  readonly signature: Uint8Array;
}

/** CRL extensions this reader understands (RFC 5280 5.2); any other critical one rejects the CRL. */
const KNOWN_CRL_EXTENSIONS = [OID.authorityKeyIdentifier, OID.crlNumber];
/** 2.5.29.24 invalidityDate (5.3.2), understood and ignored. */
const INVALIDITY_DATE = Uint8Array.of(0x55, 0x1d, 0x18);

/** Decodes the DER of a CRL; copies what it returns, so the input may be reused. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const bytes = new Uint8Array(der);
  const top = new DerReader(bytes, CRL_DER);
  const certList = top.expect(TAG.SEQUENCE, 'CertificateList');
  top.finish('CRL');
  const cl = top.inside(certList);
  const tbsNode = cl.expect(TAG.SEQUENCE, 'tbsCertList');
  const outerAlgorithm = cl.copyTlv(cl.expect(TAG.SEQUENCE, 'signatureAlgorithm'));
  const signature = cl.bitString(cl.expect(TAG.BIT_STRING, 'signatureValue'), 'signatureValue');
  cl.finish('CertificateList');

  const t = cl.inside(tbsNode);
  let version: 1 | 2 = 1;
  const versionNode = t.optional(TAG.INTEGER, 'version');
  if (versionNode !== undefined) {
    // RFC 5280 5.1.2.1: "if present, MUST be v2" (INTEGER 1).
    if (t.smallInt(versionNode, 'version') !== 1) throw new RevocationError('ERR_CRL_VERSION_UNSUPPORTED', 'version is present but not v2');
    version = 2;
  }
  const innerAlgorithmNode = t.expect(TAG.SEQUENCE, 'signature');
  // RFC 5280 5.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field".
  if (!bytesEqual(t.copyTlv(innerAlgorithmNode), outerAlgorithm)) {
    throw new RevocationError('ERR_CRL_ALGORITHM_MISMATCH', 'signatureAlgorithm differs from tbsCertList.signature');
  }
  const alg = t.inside(innerAlgorithmNode);
  const signatureAlgorithm = oidToString(alg.oid(alg.expect(TAG.OID, 'signature algorithm'), 'signature algorithm'));
  const issuer = t.copyTlv(t.expect(TAG.SEQUENCE, 'issuer'));
  const thisUpdate = t.time(t.next('thisUpdate'), 'thisUpdate');
  const tag = t.peekTag();
  const nextUpdate = tag === TAG.UTC_TIME || tag === TAG.GENERALIZED_TIME ? t.time(t.next('nextUpdate'), 'nextUpdate') : undefined;

  const entries: ParsedCrlEntry[] = [];
  const revoked = t.optional(TAG.SEQUENCE, 'revokedCertificates');
  if (revoked !== undefined) {
    const list = t.inside(revoked);
    while (!list.atEnd()) entries.push(readEntry(list, version));
  }

  let crlNumber: bigint | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  const extensionsNode = t.optional(TAG.CONTEXT_0, 'crlExtensions');
  if (extensionsNode !== undefined) {
    if (version !== 2) t.fail('tag', 'crlExtensions in a v1 CRL');
    const x = t.inside(extensionsNode);
    const list = readExtensions(x, x.next('crlExtensions'), 'crlExtensions', 'ERR_CRL_DUPLICATE_EXTENSION');
    x.finish('crlExtensions');
    rejectUnknownCritical(list, KNOWN_CRL_EXTENSIONS, 'ERR_CRL_CRITICAL_EXTENSION', 'crlExtensions');
    for (const e of list) {
      const v = new DerReader(e.value, CRL_DER);
      if (bytesEqual(e.oid, OID.crlNumber)) {
        crlNumber = integerContentToBigint(v.integer(v.expect(TAG.INTEGER, 'cRLNumber'), 'cRLNumber'));
        v.finish('cRLNumber');
      } else if (bytesEqual(e.oid, OID.authorityKeyIdentifier)) {
        const aki = v.inside(v.expect(TAG.SEQUENCE, 'authorityKeyIdentifier'));
        v.finish('authorityKeyIdentifier');
        const keyId = aki.optional(TAG.CONTEXT_PRIMITIVE_0, 'keyIdentifier');
        if (keyId !== undefined) authorityKeyIdentifier = aki.value(keyId).slice();
      }
    }
  }
  t.finish('tbsCertList');

  return {
    version,
    signatureAlgorithm,
    issuer,
    thisUpdate,
    ...(nextUpdate === undefined ? {} : { nextUpdate }),
    ...(crlNumber === undefined ? {} : { crlNumber }),
    ...(authorityKeyIdentifier === undefined ? {} : { authorityKeyIdentifier }),
    entries,
    tbsCertList: bytes.slice(tbsNode.start, tbsNode.end),
    signature: signature.slice(),
  };
}

function readEntry(list: DerReader, version: 1 | 2): ParsedCrlEntry {
  const e = list.inside(list.expect(TAG.SEQUENCE, 'revoked certificate'));
  const serial = e.integer(e.expect(TAG.INTEGER, 'userCertificate'), 'userCertificate').slice();
  const revocationDate = e.time(e.next('revocationDate'), 'revocationDate');
  let reason: CrlReasonCode | undefined;
  const extensionsNode = e.optional(TAG.SEQUENCE, 'crlEntryExtensions');
  if (extensionsNode !== undefined) {
    if (version !== 2) e.fail('tag', 'crlEntryExtensions in a v1 CRL');
    const list = readExtensions(e, extensionsNode, 'crlEntryExtensions', 'ERR_CRL_DUPLICATE_EXTENSION');
    rejectUnknownCritical(list, [OID.reasonCode, INVALIDITY_DATE], 'ERR_CRL_CRITICAL_EXTENSION', 'crlEntryExtensions');
    const reasonExtension = list.find((x) => bytesEqual(x.oid, OID.reasonCode));
    if (reasonExtension !== undefined) {
      const v = new DerReader(reasonExtension.value, CRL_DER);
      const code = v.smallInt(v.expect(TAG.ENUMERATED, 'reasonCode'), 'reasonCode');
      v.finish('reasonCode');
      if (!isCrlReasonCode(code)) throw new RevocationError('ERR_CRL_REASON_UNKNOWN', `reasonCode ${code} is not a CRLReason`);
      reason = code;
    }
  }
  e.finish('revoked certificate');
  return reason === undefined ? { serial, revocationDate } : { serial, revocationDate, reason };
}


/** True when the CRL's signature verifies with the issuer's public key. */
export function verifyCrlSignature(crl: ParsedCrl, publicKey: PublicKeyInput): boolean {
  return verifyRsaSignature(crl.signatureAlgorithm, crl.tbsCertList, crl.signature, publicKey, 'ERR_CRL_SIGNATURE_ALGORITHM_UNSUPPORTED');
}
