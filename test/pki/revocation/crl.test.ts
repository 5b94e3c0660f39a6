import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import {
  CHUNK_SIZE,
  encodeCrlToBytes,
  issuerHashes,
  issuerParts,
  parseCrl,
  reasonName,
  verifyCrlSignature,
  writeCrl,
  type CrlEntry,
  type CrlParams,
} from '../../../src/pki/revocation/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { makeTestPki, openssl, toPem, type TestPki } from './openssl-pki.js';

/** openssl's names for the reasons (crypto/x509/v3_enum.c). */
const OPENSSL_REASON: Record<number, string> = {
  1: 'Key Compromise',
  2: 'CA Compromise',
  3: 'Affiliation Changed',
  4: 'Superseded',
  5: 'Cessation Of Operation',
  6: 'Certificate Hold',
  9: 'Privilege Withdrawn',
  10: 'AA Compromise',
};
const REASONS = [undefined, 0, 1, 2, 3, 4, 5, 6, 9, 10];

/** A positive, minimal serial of `length` octets from a seeded source. */
function serialOf(random: (n: number) => Uint8Array, length: number): Uint8Array {
  const s = random(length);
  s[0] = (s[0]! & 0x7f) | 0x01; // positive, and a non-zero first octet keeps it minimal
  return s;
}

/** 1000 entries: serials of 1 to 20 octets, every reason, one after 2050, ee1's serial among them. */
function thousandEntries(pki: TestPki): CrlEntry[] {
  const random = seededRandom(5280);
  const entries: CrlEntry[] = [];
  for (let i = 0; i < 1000; i++) {
    const reason = REASONS[i % REASONS.length];
    const revocationDate = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000 + 123);
    const serial = serialOf(random, 1 + (i % 20));
    entries.push(reason === undefined ? { serial, revocationDate } : { serial, revocationDate, reason });
  }
  entries[500] = { serial: pki.ee1Serial, revocationDate: new Date(Date.UTC(2051, 1, 2, 3, 4, 5)), reason: 1 };
  return entries;
}

/** What openssl prints for a serial: hex without the sign octet. */
function opensslSerial(serial: Uint8Array): string {
  return toHex(serial[0] === 0 && serial.length > 1 ? serial.subarray(1) : serial);
}

describe('CRL writer (RFC 5280 5.1) against openssl', () => {
  let pki: TestPki;
  let base: Omit<CrlParams, 'entries'>;
  const now = Date.now();

  before(() => {
    pki = makeTestPki();
    base = {
      issuer: issuerParts(pki.caDer).subject,
      thisUpdate: new Date(now - 3_600_000),
      nextUpdate: new Date(now + 86_400_000),
      crlNumber: 42n,
      authorityKeyIdentifier: issuerHashes(pki.caDer, 'sha1').issuerKeyHash,
      signer: keyObjectSigner(pki.caKey),
    };
  });
  after(() => pki?.remove());

  function save(name: string, der: Uint8Array): void {
    writeFileSync(pki.path(`${name}.crl`), der);
    writeFileSync(pki.path(`${name}.pem`), toPem('X509 CRL', der));
  }

  function crlText(name: string): { stdout: string; stderr: string; status: number | null } {
    return openssl(pki.dir, ['crl', '-in', `${name}.crl`, '-inform', 'DER', '-noout', '-text', '-CAfile', 'ca.pem']);
  }

  it('uses the SHA-1 key hash, which is the CA subjectKeyIdentifier openssl wrote', () => {
    assert.equal(toHex(base.authorityKeyIdentifier), toHex(pki.caSki));
  });

  it('writes an empty CRL without revokedCertificates that openssl verifies', async () => {
    const der = await encodeCrlToBytes({ ...base, entries: () => [] });
    save('empty', der);
    const out = crlText('empty');
    assert.match(out.stderr, /verify OK/);
    assert.match(out.stdout, /No Revoked Certificates/);
    assert.match(out.stdout, /X509v3 CRL Number: \n\s+42/);
    assert.ok(out.stdout.includes(toHex(pki.caSki).replace(/(..)(?!$)/g, '$1:')), 'the AKI keyid is printed');
    const parsed = parseCrl(der);
    assert.equal(parsed.entries.length, 0);
    assert.equal(parsed.crlNumber, 42n);
  });

  it('writes one entry: openssl verify says revoked for ee1 and OK for ee2', async () => {
    const der = await encodeCrlToBytes({ ...base, entries: () => [{ serial: pki.ee1Serial, revocationDate: new Date(now - 60_000), reason: 1 }] });
    save('one', der);
    const text = crlText('one');
    assert.match(text.stderr, /verify OK/);
    assert.match(text.stdout, /Serial Number: 0111\n\s+Revocation Date: .*\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Key Compromise/);
    const revoked = openssl(pki.dir, ['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'one.pem', 'ee1.pem']);
    assert.notEqual(revoked.status, 0);
    assert.match(revoked.stdout + revoked.stderr, /certificate revoked/);
    const good = openssl(pki.dir, ['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'one.pem', 'ee2.pem']);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /ee2\.pem: OK/);
  });

  it('writes 1000 entries (serials of 1-20 octets, every reason, a date after 2050) that openssl lists and verifies', async () => {
    const entries = thousandEntries(pki);
    let calls = 0;
    const chunks: Uint8Array[] = [];
    const result = await writeCrl(
      {
        ...base,
        entries: () => {
          calls++;
          return entries;
        },
      },
      (chunk) => void chunks.push(chunk),
    );
    assert.equal(calls, 2, 'the entries function is called once to measure, once to write');
    const der = Buffer.concat(chunks);
    assert.equal(result.entries, 1000);
    assert.equal(result.bytes, der.length);
    assert.deepEqual(new Uint8Array(der), await encodeCrlToBytes({ ...base, entries: () => entries }));
    save('thousand', der);

    const text = crlText('thousand');
    assert.match(text.stderr, /verify OK/);
    const serials = [...text.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
    assert.deepEqual(serials, entries.map((e) => opensslSerial(e.serial)));
    for (const [code, name] of Object.entries(OPENSSL_REASON)) {
      const expected = entries.filter((e) => e.reason === Number(code)).length;
      assert.equal(text.stdout.split(`\n                ${name}\n`).length - 1, expected, name);
    }
    assert.equal(text.stdout.split('X509v3 CRL Reason Code').length - 1, entries.filter((e) => e.reason ?? 0).length);
    assert.match(text.stdout, /Serial Number: 0111\n\s+Revocation Date: Feb {2}2 03:04:05 2051 GMT/);

    assert.equal(openssl(pki.dir, ['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'thousand.pem', 'ee1.pem']).status, 2);
    assert.equal(openssl(pki.dir, ['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'thousand.pem', 'ee2.pem']).status, 0);

    const parsed = parseCrl(der);
    assert.equal(parsed.version, 2);
    assert.equal(parsed.signatureAlgorithm, '1.2.840.113549.1.1.11');
    assert.equal(toHex(parsed.issuer), toHex(base.issuer));
    assert.equal(parsed.thisUpdate.getTime(), Math.floor(base.thisUpdate.getTime() / 1000) * 1000);
    assert.equal(parsed.nextUpdate?.getTime(), Math.floor(base.nextUpdate.getTime() / 1000) * 1000);
    assert.equal(parsed.crlNumber, 42n);
    assert.equal(toHex(parsed.authorityKeyIdentifier!), toHex(pki.caSki));
    assert.deepEqual(
      parsed.entries.map((e) => [toHex(e.serial), e.revocationDate.getTime(), e.reason]),
      entries.map((e) => [toHex(e.serial), Math.floor(e.revocationDate.getTime() / 1000) * 1000, e.reason || undefined]),
    );
    assert.ok(verifyCrlSignature(parsed, pki.caKey));
    assert.ok(verifyCrlSignature(parsed, base.signer.publicKeySpki));
    assert.ok(!verifyCrlSignature(parsed, pki.responderKey));
    assert.equal(reasonName(parsed.entries[500]!.reason!), 'keyCompromise');
  });

  it('streams 20000 entries from an async generator into an async sink in chunks of about 64 KiB', async () => {
    const random = seededRandom(6960);
    const entries = Array.from({ length: 20000 }, (_, i) => ({ serial: serialOf(random, 16), revocationDate: new Date(Date.UTC(2030, 0, 1) + i * 1000), reason: 6 }));
    let calls = 0;
    async function* source(): AsyncGenerator<CrlEntry> {
      calls++;
      for (const e of entries) yield e;
    }
    const chunks: Uint8Array[] = [];
    let signed = 0;
    const inner = keyObjectSigner(pki.caKey);
    const counting: Signer = {
      ...inner,
      begin: () => {
        const s = inner.begin();
        return { update: (c) => ((signed += c.length), s.update(c)), finish: () => s.finish() };
      },
    };
    await writeCrl({ ...base, signer: counting, entries: source }, async (chunk) => {
      await new Promise((resolve) => setImmediate(resolve));
      chunks.push(chunk);
    });
    assert.equal(calls, 2);
    assert.ok(chunks.length > 10);
    for (const c of chunks.slice(0, -1)) assert.ok(c.length <= CHUNK_SIZE && c.length > CHUNK_SIZE - 64, String(c.length));
    const der = Buffer.concat(chunks);
    const parsed = parseCrl(der);
    assert.equal(signed, parsed.tbsCertList.length, 'exactly the TBSCertList went to the signature stream');
    assert.equal(parsed.entries.length, 20000);
    assert.ok(verifyCrlSignature(parsed, pki.caKey));
    save('big', der);
    assert.match(crlText('big').stderr, /verify OK/);
  });
});
