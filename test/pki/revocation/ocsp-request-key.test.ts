import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { certIdKey, encodeCertId, parseOcspRequest, simpleOcspRequestKey, type CertId } from '../../../src/pki/revocation/index.js';
import { OID, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';

/**
 * simpleOcspRequestKey reads the RFC 5019 form of a request in place; it must agree with the full
 * parser on every request it accepts, and leave everything else to it.
 */

const seq = (...parts: Uint8Array[]) => tlv(TAG.SEQUENCE, ...parts);
const nonceExt = tlv(TAG.CONTEXT_2, seq(seq(tlv(TAG.OID, OID.ocspNonce), tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, new Uint8Array(16).fill(7))))));

function certId(alg: 'sha1' | 'sha256', serial: Uint8Array, absent = false): CertId {
  const n = alg === 'sha1' ? 20 : 32;
  return { hashAlgorithm: alg, issuerNameHash: new Uint8Array(n).fill(0xa1), issuerKeyHash: new Uint8Array(n).fill(0xb2), serialNumber: serial, ...(absent ? { hashParameters: 'absent' as const } : {}) };
}

const simple = (id: CertId) => seq(seq(seq(seq(encodeCertId(id)))));

/** What the full parser makes of the bytes: the key if it is a one-CertID request without nonce. */
function reference(der: Uint8Array): string | undefined {
  try {
    const r = parseOcspRequest(der);
    return r.requests.length === 1 && r.nonce === undefined ? certIdKey(r.requests[0]!) : undefined;
  } catch {
    return undefined;
  }
}

describe('OCSP request key read in place (RFC 5019 2.1.1 form)', () => {
  it('gives certIdKey for SHA-1 and SHA-256 CertIDs, NULL or absent parameters, short and long serials', () => {
    const serials = [Uint8Array.of(1), Uint8Array.of(0x00, 0x80), new Uint8Array(20).fill(0x5a), new Uint8Array(120).fill(0x11), new Uint8Array(300).fill(0x22)];
    for (const alg of ['sha1', 'sha256'] as const) {
      for (const absent of [false, true]) {
        for (const serial of serials) {
          const id = certId(alg, serial, absent);
          const key = simpleOcspRequestKey(simple(id));
          assert.equal(key, certIdKey(id));
          assert.equal(key, reference(simple(id)));
        }
      }
    }
    // Long-form lengths at every level: 81 xx with a 120-byte serial, 82 xx xx with a 300-byte one.
    assert.equal(simple(certId('sha256', new Uint8Array(120).fill(0x11)))[1], 0x81);
    assert.equal(simple(certId('sha256', new Uint8Array(300).fill(0x22)))[1], 0x82);
  });

  it('leaves every other form to the full parser', () => {
    const id = encodeCertId(certId('sha1', Uint8Array.of(0x42)));
    const others: [string, Uint8Array][] = [
      ['a nonce', seq(seq(seq(seq(id)), nonceExt))],
      ['two CertIDs', seq(seq(seq(seq(id), seq(id))))],
      ['a version', seq(seq(tlv(TAG.CONTEXT_0, tlv(TAG.INTEGER, Uint8Array.of(0))), seq(seq(id))))],
      ['a requestorName', seq(seq(tlv(TAG.CONTEXT_1, tlv(0x82, Buffer.from('x'))), seq(seq(id))))],
      ['a signature', seq(seq(seq(seq(id))), tlv(TAG.CONTEXT_0, seq(seq(tlv(TAG.OID, OID.sha1)))))],
      ['singleRequestExtensions', seq(seq(seq(seq(id, tlv(TAG.CONTEXT_0, seq())))))],
    ];
    for (const [name, der] of others) assert.equal(simpleOcspRequestKey(der), undefined, name);
    // The full parser still reads those it can.
    assert.equal(parseOcspRequest(others[0]![1]).requests.length, 1);
  });

  it('refuses what the full parser refuses: a non-minimal serial, an empty one, bad hash lengths, other algorithms, trailing bytes', () => {
    const bad: [string, Uint8Array][] = [
      ['serial 00 01', simpleWithSerialContent(Uint8Array.of(0x00, 0x01))],
      ['serial FF 80', simpleWithSerialContent(Uint8Array.of(0xff, 0x80))],
      ['empty serial', simpleWithSerialContent(new Uint8Array(0))],
      ['a trailing byte', Uint8Array.from([...simple(certId('sha1', Uint8Array.of(1))), 0])],
      ['MD5', seq(seq(seq(seq(seq(seq(tlv(TAG.OID, Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05)), tlv(TAG.NULL)), tlv(TAG.OCTET_STRING, new Uint8Array(16)), tlv(TAG.OCTET_STRING, new Uint8Array(16)), tlv(TAG.INTEGER, Uint8Array.of(1)))))))],
      ['SHA-1 with 32-byte hashes', seq(seq(seq(seq(seq(seq(tlv(TAG.OID, OID.sha1), tlv(TAG.NULL)), tlv(TAG.OCTET_STRING, new Uint8Array(32)), tlv(TAG.OCTET_STRING, new Uint8Array(32)), tlv(TAG.INTEGER, Uint8Array.of(1)))))))],
      ['parameters other than NULL', seq(seq(seq(seq(seq(seq(tlv(TAG.OID, OID.sha1), tlv(TAG.OCTET_STRING)), tlv(TAG.OCTET_STRING, new Uint8Array(20)), tlv(TAG.OCTET_STRING, new Uint8Array(20)), tlv(TAG.INTEGER, Uint8Array.of(1)))))))],
    ];
    for (const [name, der] of bad) {
      assert.equal(simpleOcspRequestKey(der), undefined, name);
      assert.equal(reference(der), undefined, `${name} (full parser)`);
    }
  });

  it('agrees with the full parser on damaged and truncated requests: a key only where the full parser gives the same', () => {
    const arb = fc.tuple(fc.constantFrom('sha1' as const, 'sha256' as const), fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(3));
    fc.assert(
      fc.property(arb, ([alg, absent, serial, edits, cut]) => {
        const content = Uint8Array.from([0x01, ...serial]); // a minimal positive INTEGER
        const der = Uint8Array.from(simple(certId(alg, content, absent)));
        for (const [at, b] of edits) der[at % der.length] = b;
        const bytes = der.subarray(0, der.length - (cut === 3 ? 1 : 0));
        const key = simpleOcspRequestKey(bytes);
        if (key !== undefined) assert.equal(key, reference(bytes));
        if (edits.length === 0 && cut !== 3) assert.equal(key, reference(bytes), 'an intact request is read in place');
      }),
      { numRuns: 5000 },
    );
  });
});

function simpleWithSerialContent(content: Uint8Array): Uint8Array {
  return seq(seq(seq(seq(seq(seq(tlv(TAG.OID, OID.sha1), tlv(TAG.NULL)), tlv(TAG.OCTET_STRING, new Uint8Array(20)), tlv(TAG.OCTET_STRING, new Uint8Array(20)), tlv(TAG.INTEGER, content))))));
}
