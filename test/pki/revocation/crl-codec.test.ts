import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import { encodeCrlToBytes, parseCrl, RevocationError, verifyCrlSignature, type CrlEntry, type CrlParams } from '../../../src/pki/revocation/index.js';
import { extension, SHA256_WITH_RSA, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = keyObjectSigner(privateKey);
/** Name: C=JP, CN=CA */
const ISSUER = fromHex('301a310b3009060355040613024a50310b300906035504030c024341');
const base: Omit<CrlParams, 'entries'> = {
  issuer: ISSUER,
  thisUpdate: new Date(Date.UTC(2026, 10, 1)),
  nextUpdate: new Date(Date.UTC(2026, 10, 2)),
  crlNumber: 1n,
  authorityKeyIdentifier: fromHex('0102030405060708090a0b0c0d0e0f1011121314'),
  signer,
};
const entry = (over: Partial<CrlEntry> = {}): CrlEntry => ({ serial: Uint8Array.of(1), revocationDate: new Date(Date.UTC(2026, 0, 1)), ...over });
const crl = (entries: CrlEntry[], over: Partial<CrlParams> = {}): Promise<Uint8Array> => encodeCrlToBytes({ ...base, entries: () => entries, ...over });

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e) => hasCode(e, code));
}

describe('CRL writer: encoding details', () => {
  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 5.1.2.4), truncating milliseconds', async () => {
    const cases: [Date, string][] = [
      [new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999)), '170D3439313233313233353935395A'],
      [new Date(Date.UTC(2050, 0, 1)), '180F32303530303130313030303030305A'],
      [new Date(Date.UTC(1950, 0, 1)), '170D3530303130313030303030305A'],
      [new Date(Date.UTC(1949, 11, 31, 23, 59, 59)), '180F31393439313233313233353935395A'],
    ];
    for (const [date, expected] of cases) {
      const der = toHex(await crl([entry({ revocationDate: date })]));
      assert.ok(der.includes('020101' + expected), `${date.toISOString()} → ${expected}`);
      assert.equal(parseCrl(fromHex(der)).entries[0]!.revocationDate.getTime(), Math.floor(date.getTime() / 1000) * 1000);
    }
  });

  it('writes reasonCode as a non-critical entry extension and omits it for unspecified (RFC 5280 5.3.1)', async () => {
    const withReason = toHex(await crl([entry({ reason: 6 })]));
    assert.ok(withReason.includes('300C300A0603551D1504030A0106'));
    for (const reason of [0, undefined]) {
      const der = toHex(await crl([entry(reason === undefined ? {} : { reason })]));
      assert.ok(!der.includes('0603551D15'));
    }
  });

  it('writes the CRL number as a minimal INTEGER, up to 20 octets', async () => {
    for (const [n, hex] of [
      [0n, '020100'],
      [127n, '02017F'],
      [128n, '02020080'],
      [2n ** 159n - 1n, '0214' + '7F' + 'FF'.repeat(19)],
    ] as const) {
      const der = await crl([], { crlNumber: n });
      assert.ok(toHex(der).includes('0603551D1404' + (hex.length / 2).toString(16).toUpperCase().padStart(2, '0') + hex), String(n));
      assert.equal(parseCrl(der).crlNumber, n);
    }
  });

  it('gives the same bytes for the same input, and a signature that verifies', async () => {
    const a = await crl([entry(), entry({ serial: Uint8Array.of(0, 0x80), reason: 1 })]);
    assert.deepEqual(a, await crl([entry(), entry({ serial: Uint8Array.of(0, 0x80), reason: 1 })]));
    assert.ok(verifyCrlSignature(parseCrl(a), publicKey));
  });
});

describe('CRL writer: rejections', () => {
  const bad: [string, () => Promise<unknown>, string][] = [
    ['empty serial', () => crl([entry({ serial: new Uint8Array(0) })]), 'ERR_CRL_SERIAL_INVALID'],
    ['negative serial', () => crl([entry({ serial: Uint8Array.of(0x80) })]), 'ERR_CRL_SERIAL_INVALID'],
    ['zero serial', () => crl([entry({ serial: Uint8Array.of(0) })]), 'ERR_CRL_SERIAL_INVALID'],
    ['non-minimal serial', () => crl([entry({ serial: Uint8Array.of(0, 1) })]), 'ERR_CRL_SERIAL_INVALID'],
    ['21-octet serial', () => crl([entry({ serial: concat(Uint8Array.of(0), new Uint8Array(20).fill(0x80)) })]), 'ERR_CRL_SERIAL_INVALID'],
    ['reason 7', () => crl([entry({ reason: 7 })]), 'ERR_CRL_REASON_UNKNOWN'],
    ['reason 11', () => crl([entry({ reason: 11 })]), 'ERR_CRL_REASON_UNKNOWN'],
    ['reason -1', () => crl([entry({ reason: -1 })]), 'ERR_CRL_REASON_UNKNOWN'],
    ['removeFromCRL in a complete CRL', () => crl([entry({ reason: 8 })]), 'ERR_CRL_REASON_DELTA_ONLY'],
    ['invalid revocationDate', () => crl([entry({ revocationDate: new Date(NaN) })]), 'ERR_CRL_TIME_RANGE'],
    ['revocationDate in year 10000', () => crl([entry({ revocationDate: new Date(Date.UTC(10000, 0, 1)) })]), 'ERR_CRL_TIME_RANGE'],
    ['issuer not DER', () => crl([], { issuer: fromHex('3005') }), 'ERR_CRL_ISSUER_INVALID'],
    ['empty issuer Name', () => crl([], { issuer: fromHex('3000') }), 'ERR_CRL_ISSUER_INVALID'],
    ['issuer with trailing bytes', () => crl([], { issuer: concat(ISSUER, Uint8Array.of(0)) }), 'ERR_CRL_ISSUER_INVALID'],
    ['negative crlNumber', () => crl([], { crlNumber: -1n }), 'ERR_CRL_NUMBER_RANGE'],
    ['21-octet crlNumber', () => crl([], { crlNumber: 2n ** 159n }), 'ERR_CRL_NUMBER_RANGE'],
    ['nextUpdate before thisUpdate', () => crl([], { nextUpdate: new Date(Date.UTC(2026, 9, 1)) }), 'ERR_CRL_UPDATE_ORDER'],
    ['invalid thisUpdate', () => crl([], { thisUpdate: new Date('x') }), 'ERR_CRL_TIME_RANGE'],
    ['empty authorityKeyIdentifier', () => crl([], { authorityKeyIdentifier: new Uint8Array(0) }), 'ERR_CRL_KEY_ID_INVALID'],
  ];
  for (const [name, run, code] of bad) it(`${name} → ${code}`, () => rejectsWith(run(), code));

  it('entries that change between the two calls → ERR_CRL_ENTRIES_CHANGED', async () => {
    let calls = 0;
    const growing = (): CrlEntry[] => (++calls === 1 ? [entry()] : [entry(), entry()]);
    await rejectsWith(encodeCrlToBytes({ ...base, entries: growing }), 'ERR_CRL_ENTRIES_CHANGED');
    calls = 0;
    const shrinking = (): CrlEntry[] => (++calls === 1 ? [entry(), entry()] : [entry()]);
    await rejectsWith(encodeCrlToBytes({ ...base, entries: shrinking }), 'ERR_CRL_ENTRIES_CHANGED');
    calls = 0;
    const longer = (): CrlEntry[] => [entry({ serial: ++calls === 1 ? Uint8Array.of(1) : Uint8Array.of(1, 2) })];
    await rejectsWith(encodeCrlToBytes({ ...base, entries: longer }), 'ERR_CRL_ENTRIES_CHANGED');
  });

  it('a signer without an RSA key → ERR_CRL_SIGNER_KEY; one returning a short signature → ERR_CRL_SIGNATURE_LENGTH', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecSigner: Signer = { ...signer, publicKeySpki: new Uint8Array(ec.publicKey.export({ type: 'spki', format: 'der' })) };
    await rejectsWith(crl([], { signer: ecSigner }), 'ERR_CRL_SIGNER_KEY');
    const short: Signer = { ...signer, begin: () => ({ update: () => undefined, finish: () => new Uint8Array(255) }) };
    await rejectsWith(crl([], { signer: short }), 'ERR_CRL_SIGNATURE_LENGTH');
  });
});

/** A hand-made CRL around a tbsCertList body, for shapes the writer never produces. */
function handCrl(...tbsParts: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...tbsParts), SHA256_WITH_RSA, tlv(TAG.BIT_STRING, Uint8Array.of(0), new Uint8Array(4)));
}
const V2 = fromHex('020101');
const TIME = fromHex('170D3236313130313030303030305A');
const exts = (...list: Uint8Array[]): Uint8Array => tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, ...list));
const critical = (oidHex: string, value: Uint8Array): Uint8Array => tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex(oidHex)), fromHex('0101FF'), tlv(TAG.OCTET_STRING, value));

describe('CRL reader: rejections', async () => {
  const good = await crl([entry({ reason: 1 })]);
  const table: [string, Uint8Array, string][] = [
    ['empty input', new Uint8Array(0), 'ERR_CRL_DER_TRUNCATED'],
    ['truncated', good.subarray(0, good.length - 1), 'ERR_CRL_DER_TRUNCATED'],
    ['trailing byte', concat(good, Uint8Array.of(0)), 'ERR_CRL_DER_TRAILING'],
    ['wrong outer tag', concat(Uint8Array.of(0x31), good.subarray(1)), 'ERR_CRL_DER_TAG'],
    ['indefinite length', fromHex('3080'), 'ERR_CRL_DER_LENGTH'],
    ['non-minimal length', concat(fromHex('3083'), Uint8Array.of(0), good.subarray(2)), 'ERR_CRL_DER_LENGTH'],
    ['version 3', handCrl(fromHex('020102'), SHA256_WITH_RSA, ISSUER, TIME), 'ERR_CRL_VERSION_UNSUPPORTED'],
    ['algorithm mismatch', handCrl(V2, fromHex('300D06092A864886F70D0101050500'), ISSUER, TIME), 'ERR_CRL_ALGORITHM_MISMATCH'],
    ['bad time', handCrl(V2, SHA256_WITH_RSA, ISSUER, fromHex('170D3236313333313030303030305A')), 'ERR_CRL_DER_VALUE'],
    ['unknown critical CRL extension', handCrl(V2, SHA256_WITH_RSA, ISSUER, TIME, exts(critical('551D63', fromHex('0500')))), 'ERR_CRL_CRITICAL_EXTENSION'],
    ['delta CRL indicator (critical, not processed)', handCrl(V2, SHA256_WITH_RSA, ISSUER, TIME, exts(critical('551D1B', fromHex('020101')))), 'ERR_CRL_CRITICAL_EXTENSION'],
    ['duplicate extension', handCrl(V2, SHA256_WITH_RSA, ISSUER, TIME, exts(extension(fromHex('551D14'), fromHex('020101')), extension(fromHex('551D14'), fromHex('020102')))), 'ERR_CRL_DUPLICATE_EXTENSION'],
    [
      'entry reason 7',
      handCrl(V2, SHA256_WITH_RSA, ISSUER, TIME, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, fromHex('020101'), TIME, fromHex('300C300A0603551D1504030A0107')))),
      'ERR_CRL_REASON_UNKNOWN',
    ],
    [
      'entry extensions in a v1 CRL',
      handCrl(SHA256_WITH_RSA, ISSUER, TIME, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, fromHex('020101'), TIME, fromHex('300C300A0603551D1504030A0101')))),
      'ERR_CRL_DER_TAG',
    ],
  ];
  for (const [name, der, code] of table) {
    it(`${name} → ${code}`, () => assert.throws(() => parseCrl(der), (e) => hasCode(e, code)));
  }

  it('reads a v1 CRL without extensions', () => {
    const v1 = parseCrl(handCrl(SHA256_WITH_RSA, ISSUER, TIME, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, fromHex('020105'), TIME))));
    assert.equal(v1.version, 1);
    assert.equal(v1.nextUpdate, undefined);
    assert.equal(toHex(v1.entries[0]!.serial), '05');
  });

  it('a signature over altered bytes does not verify; an unknown algorithm is an error', async () => {
    const der = await crl([entry()]);
    const altered = parseCrl(der);
    assert.ok(verifyCrlSignature(altered, publicKey));
    const tampered = { ...altered, tbsCertList: concat(altered.tbsCertList.subarray(0, -1), Uint8Array.of(altered.tbsCertList.at(-1)! ^ 1)) };
    assert.equal(verifyCrlSignature(tampered, publicKey), false);
    assert.throws(() => verifyCrlSignature({ ...altered, signatureAlgorithm: '1.2.840.10045.4.3.2' }, publicKey), (e) => hasCode(e, 'ERR_CRL_SIGNATURE_ALGORITHM_UNSUPPORTED'));
  });

  it('throws only RevocationError on random bytes and on mutations of a real CRL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseCrl(bytes);
        } catch (e) {
          assert.ok(e instanceof RevocationError, String(e));
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = good.slice();
        mutated[at] = value;
        try {
          parseCrl(mutated);
        } catch (e) {
          assert.ok(e instanceof RevocationError, String(e));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
