import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concat, toHex } from '../../../src/bytes/index.js';
import {
  CertificateError,
  EXTENSION_OIDS,
  PROFILES,
  decodeBasicFour,
  extensionOf,
  issueCertificate,
  nameToString,
  parseCertificate,
  randomSerial,
} from '../../../src/pki/x509/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { fromPem, JLIS_AUTH_CA_2023, JLIS_SIGN_CA_2023, makePki, signers } from './helpers.js';

const pki = makePki(new Date('2026-03-14T15:30:00Z'));
const request = pki.request('card-sign');
const cardSign = issueCertificate({ profile: 'card-sign', ...request });

/** Only CertificateError ERR_CERT_DER may come out of parseCertificate for bad input. */
function onlyDerError(input: Uint8Array): void {
  try {
    parseCertificate(input);
  } catch (err) {
    assert.ok(err instanceof CertificateError, `not a CertificateError: ${String(err)}`);
    assert.equal(err.code, 'ERR_CERT_DER');
    return;
  }
  assert.fail('parsed malformed input');
}

describe('parseCertificate', () => {
  it('gives back the fields that were issued', () => {
    const c = parseCertificate(cardSign);
    assert.equal(c.version, 3);
    assert.equal(c.serialNumberHex, toHex(request.tbsParams.serialNumber));
    assert.equal(toHex(c.issuer), toHex(pki.signCa.ref.subject));
    assert.equal(c.subjectString, 'CN=8439ABCDEF0123456789,L=千代田区,L=東京都,C=JP');
    assert.equal(c.issuerString, nameToString(pki.signCa.ref.subject));
    assert.deepEqual(c.subjectDn, request.tbsParams.subject);
    assert.equal(c.notBefore.toISOString(), '2026-03-14T15:30:00.000Z');
    assert.equal(c.notAfter.toISOString(), '2031-01-02T14:59:59.000Z');
    assert.equal(toHex(c.subjectPublicKeyInfo), toHex(signers().subject.publicKeySpki));
    assert.deepEqual(
      c.extensions.map((e) => [e.oid, e.critical]),
      PROFILES['card-sign'].extensions.map((e) => [EXTENSION_OIDS[e.name], e.critical]),
    );
    assert.equal(c.signatureAlgorithm, '1.2.840.113549.1.1.11');
    const key = { key: Buffer.from(pki.signCa.signer.publicKeySpki), format: 'der' as const, type: 'spki' as const };
    assert.ok(verify('sha256', c.tbsDer, key, c.signatureValue), 'tbsDer is the signed part');
    assert.equal(toHex(cardSign.subarray(4, 4 + c.tbsDer.length)), toHex(c.tbsDer));
  });

  it('parses the real J-LIS CA certificates (which are DER) and their fields', () => {
    const sign = parseCertificate(fromPem(JLIS_SIGN_CA_2023));
    assert.equal(sign.serialNumberHex, '067C6A21');
    assert.equal(sign.notBefore.toISOString(), '2023-07-16T00:50:27.000Z');
    assert.equal(sign.notAfter.toISOString(), '2033-07-15T14:59:59.000Z');
    assert.equal(toHex(sign.subject), toHex(sign.issuer));
    assert.equal(decodeBasicFour(fromPem(JLIS_SIGN_CA_2023)), undefined);
    const auth = parseCertificate(fromPem(JLIS_AUTH_CA_2023));
    assert.equal(auth.serialNumberHex, '06D18006');
    assert.equal(extensionOf(auth, '2.5.29.15')!.critical, true);
    assert.equal(toHex(extensionOf(auth, '2.5.29.15')!.value), '03020106');
  });

  it('refuses truncations, trailing bytes and BER forms with ERR_CERT_DER', () => {
    for (let length = 0; length < cardSign.length; length += 7) onlyDerError(cardSign.subarray(0, length));
    onlyDerError(cardSign.subarray(0, cardSign.length - 1));
    onlyDerError(concat(cardSign, Uint8Array.of(0)));
    // a non-minimal outer length: 30 82 xx xx → 30 83 00 xx xx
    onlyDerError(concat(Uint8Array.of(0x30, 0x83, 0x00), cardSign.subarray(2)));
    // keyUsage critical written as BOOLEAN 01 (BER) instead of FF (DER)
    const hex = toHex(cardSign);
    const ku = hex.indexOf('0603551D0F0101FF');
    assert.ok(ku > 0);
    onlyDerError(Uint8Array.from(Buffer.from(hex.slice(0, ku) + '0603551D0F010101' + hex.slice(ku + 16), 'hex')));
    assert.throws(() => parseCertificate('MII' as unknown as Uint8Array), (e) => e instanceof CertificateError && e.code === 'ERR_CERT_DER');
  });

  it('property: random bytes only ever give ERR_CERT_DER', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyDerError), { numRuns: 300 });
  });

  it('property: random byte arrays that start like a certificate only ever give ERR_CERT_DER', () => {
    const framed = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((body) => concat(Uint8Array.of(0x30, 0x82, body.length >> 8, body.length & 0xff, 0x30), body));
    fc.assert(fc.property(framed, onlyDerError), { numRuns: 300 });
  });

  it('property: a damaged certificate parses or gives ERR_CERT_DER, never anything else', () => {
    fc.assert(
      fc.property(fc.nat(cardSign.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const damaged = cardSign.slice();
        damaged[at] = byte;
        try {
          parseCertificate(damaged);
        } catch (err) {
          assert.ok(err instanceof CertificateError && err.code === 'ERR_CERT_DER', String(err));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('randomSerial', () => {
  it('makes 10 octets, positive and minimal, from the random source', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const s = randomSerial(random);
      assert.equal(s.length, 10);
      assert.ok(s[0]! >= 0x01 && s[0]! <= 0x7f);
    }
    assert.equal(toHex(randomSerial((n) => new Uint8Array(n))), '01000000000000000000');
    assert.equal(toHex(randomSerial((n) => new Uint8Array(n).fill(0xff))), '7FFFFFFFFFFFFFFFFFFF');
    assert.equal(toHex(randomSerial((n) => new Uint8Array(n).fill(0x80))), '01808080808080808080');
    assert.throws(() => randomSerial(() => new Uint8Array(9)), (e) => e instanceof CertificateError && e.code === 'ERR_CERT_PARAMS');
  });

  it('is what the certificate carries', () => {
    const serial = randomSerial(seededRandom(9));
    const r = pki.request('card-auth');
    const der = issueCertificate({ profile: 'card-auth', ...r, tbsParams: { ...r.tbsParams, serialNumber: serial } });
    assert.equal(parseCertificate(der).serialNumberHex, toHex(serial));
  });
});
