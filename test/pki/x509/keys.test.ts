import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import {
  checkRsa2048,
  extensionOf,
  OID_SUBJECT_KEY_IDENTIFIER,
  parseCertificate,
  rsaPublicKeyOf,
  rsaPublicKeySpki,
  spkiModulusBits,
  subjectKeyIdentifier,
} from '../../../src/pki/x509/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { fromPem, JLIS_AUTH_CA_2023, JLIS_SIGN_CA_2023, signers } from './helpers.js';

/** The modulus and exponent of a key as unsigned big-endian bytes (node:crypto's JWK, base64url). */
function jwkParts(spki: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return { n: new Uint8Array(Buffer.from(jwk.n!, 'base64url')), e: new Uint8Array(Buffer.from(jwk.e!, 'base64url')) };
}

const random = seededRandom(7);

/** A made-up RSA key of `bits` bits (its top bit set) with exponent `e`; never used to verify anything. */
function fakeSpki(bits: number, e: number[]): Uint8Array {
  const n = random(bits / 8);
  n[0] = n[0]! | 0x80;
  n[n.length - 1] = n[n.length - 1]! | 1;
  return rsaPublicKeySpki(n, Uint8Array.from(e));
}

describe('RSA keys', () => {
  const key = signers().subject.publicKeySpki;

  it('builds the SPKI node:crypto exports from the modulus and exponent a card returns', () => {
    const { n, e } = jwkParts(key);
    assert.equal(n.length, 256);
    assert.equal(toHex(rsaPublicKeySpki(n, e)), toHex(key));
    // leading zeros (a fixed-width field) change nothing
    assert.equal(toHex(rsaPublicKeySpki(concat(Uint8Array.of(0, 0), n), concat(Uint8Array.of(0), e))), toHex(key));
    const parts = rsaPublicKeyOf(key);
    assert.equal(toHex(parts.modulus), toHex(n));
    assert.equal(toHex(parts.exponent), '010001');
  });

  it('reads the modulus size', () => {
    assert.equal(spkiModulusBits(key), 2048);
    assert.equal(spkiModulusBits(fakeSpki(1024, [1, 0, 1])), 1024);
    assert.equal(spkiModulusBits(fakeSpki(3072, [1, 0, 1])), 3072);
  });

  it('computes the subject key identifier by RFC 5280 4.2.1.2 method 1, as J-LIS does', () => {
    for (const pem of [JLIS_SIGN_CA_2023, JLIS_AUTH_CA_2023]) {
      const ca = parseCertificate(fromPem(pem));
      const ext = extensionOf(ca, OID_SUBJECT_KEY_IDENTIFIER)!;
      assert.equal(toHex(concat(fromHex('0414'), subjectKeyIdentifier(ca.subjectPublicKeyInfo))), toHex(ext.value));
    }
    assert.equal(toHex(subjectKeyIdentifier(parseCertificate(fromPem(JLIS_SIGN_CA_2023)).subjectPublicKeyInfo)), 'D21EA55895617E93ADBF966B941AB4EDF653F08F');
  });

  it('accepts RSA-2048 with e = 65537 and refuses anything else with its code', () => {
    checkRsa2048(key);
    const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
    const pss = new Uint8Array(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }));
    // rsaEncryption with its NULL parameters left out: 30 0B 06 09 <oid> instead of 30 0D 06 09 <oid> 05 00
    const hexKey = toHex(key);
    const noNull = fromHex('30820120' + '300B' + hexKey.slice(12, 34) + hexKey.slice(38));
    assert.equal(hexKey.slice(0, 38), '30820122300D06092A864886F70D0101010500');
    const cases: [string, Uint8Array, string][] = [
      ['1024-bit', fakeSpki(1024, [1, 0, 1]), 'ERR_CERT_KEY_SIZE'],
      ['2047-bit', rsaPublicKeySpki(concat(Uint8Array.of(0x7f), random(255)), Uint8Array.of(1, 0, 1)), 'ERR_CERT_KEY_SIZE'],
      ['4096-bit', fakeSpki(4096, [1, 0, 1]), 'ERR_CERT_KEY_SIZE'],
      ['e = 3', fakeSpki(2048, [3]), 'ERR_CERT_KEY_EXPONENT'],
      ['e = 65539', fakeSpki(2048, [1, 0, 3]), 'ERR_CERT_KEY_EXPONENT'],
      ['EC P-256', ec, 'ERR_CERT_KEY_NOT_RSA'],
      ['RSASSA-PSS', pss, 'ERR_CERT_KEY_NOT_RSA'],
      ['rsaEncryption without NULL', noNull, 'ERR_CERT_KEY_NOT_RSA'],
      ['truncated', key.subarray(0, 100), 'ERR_CERT_DER'],
      ['trailing byte', concat(key, Uint8Array.of(0)), 'ERR_CERT_DER'],
    ];
    for (const [label, spki, code] of cases) {
      assert.throws(() => checkRsa2048(spki), (e) => hasCode(e, code), label);
    }
  });

  it('refuses a zero modulus or exponent', () => {
    assert.throws(() => rsaPublicKeySpki(Uint8Array.of(0, 0), Uint8Array.of(1, 0, 1)), (e) => hasCode(e, 'ERR_CERT_KEY_NOT_RSA'));
    assert.throws(() => rsaPublicKeySpki(random(256), new Uint8Array(0)), (e) => hasCode(e, 'ERR_CERT_KEY_NOT_RSA'));
  });
});
