import { bytesEqual } from '../../bytes/index.js';
import { CRL_DER, DerReader } from './der-reader.js';
import { OID, TAG } from './der-writer.js';
import { RevocationError } from './errors.js';

/*
 * RFC 8017 8.2.1: an RSASSA-PKCS1-v1_5 signature is an octet string of length k, the length in octets
 * of the modulus n. A streamed CRL announces the length of its signatureValue before the signature
 * exists, so k is read from the signer's key:
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 *   RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }      (RFC 8017 A.1.1)
 */
export function rsaSignatureLength(spki: Uint8Array): number {
  try {
    const top = new DerReader(spki, CRL_DER);
    const info = top.expect(TAG.SEQUENCE, 'SubjectPublicKeyInfo');
    top.finish('SubjectPublicKeyInfo');
    const r = top.inside(info);
    const alg = r.inside(r.expect(TAG.SEQUENCE, 'algorithm'));
    if (!bytesEqual(alg.oid(alg.expect(TAG.OID, 'algorithm'), 'algorithm'), OID.rsaEncryption)) throw new Error('not rsaEncryption');
    const bits = r.expect(TAG.BIT_STRING, 'subjectPublicKey');
    const keyBytes = r.bitString(bits, 'subjectPublicKey');
    const k = new DerReader(keyBytes, CRL_DER);
    const key = k.inside(k.expect(TAG.SEQUENCE, 'RSAPublicKey'));
    const modulus = key.integer(key.expect(TAG.INTEGER, 'modulus'), 'modulus');
    const length = modulus[0] === 0 ? modulus.length - 1 : modulus.length;
    if (length < 64) throw new Error('modulus too short');
    return length;
  } catch (cause) {
    throw new RevocationError('ERR_CRL_SIGNER_KEY', "the signer's publicKeySpki is not an RSA key", { cause });
  }
}
