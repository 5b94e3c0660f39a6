import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueCertificate, parseCertificate, type ProfileName } from '../../../src/pki/x509/index.js';
import { makePki, pem, type Pki } from './helpers.js';

/**
 * The seven profiles as the real openssl (Debian's) sees them: its text dump shows the extensions the
 * profile describes, `openssl verify` accepts every chain, and notAfter is 14:59:59 GMT.
 */

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `openssl could not run: ${String(r.error)}`);
  return { status: r.status, out: r.stdout + r.stderr };
}

const END_ENTITIES: ProfileName[] = ['card-sign', 'card-auth', 'phone-sign', 'phone-auth', 'ocsp-responder'];

describe('certificates checked with openssl', () => {
  let dir = '';
  let pki: Pki;
  const files = new Map<string, string>();
  const ders = new Map<string, Uint8Array>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-x509-'));
    // Issued "now", as a CA would, so that `-checkend` (which reads the real clock) has a meaning.
    pki = makePki(new Date());
    const write = (label: string, der: Uint8Array): void => {
      const path = join(dir, `${label}.pem`);
      writeFileSync(path, pem(der));
      files.set(label, path);
      ders.set(label, der);
    };
    write('ca-sign', pki.signCa.der);
    write('ca-auth', pki.authCa.der);
    for (const profile of END_ENTITIES) {
      const { tbsParams, lintContext, signer } = pki.request(profile);
      write(profile, issueCertificate({ profile, tbsParams, lintContext, signer }));
    }
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const text = (label: string): string => {
    const r = openssl(['x509', '-in', files.get(label)!, '-noout', '-text', '-nameopt', 'utf8']);
    assert.equal(r.status, 0, r.out);
    return r.out;
  };

  it('CA certificates: critical keyCertSign+cRLSign, CA:TRUE, a SKI and no AKI', () => {
    for (const label of ['ca-sign', 'ca-auth']) {
      const t = text(label);
      assert.match(t, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assert.match(t, /X509v3 Basic Constraints: critical\s+CA:TRUE\s/);
      assert.doesNotMatch(t, /pathlen/);
      assert.match(t, /X509v3 Subject Key Identifier/);
      assert.doesNotMatch(t, /Authority Key Identifier/);
      // OpenSSL 3.0 prints a directoryName through a 256-byte buffer, so only its start shows.
      assert.match(t, /X509v3 Subject Alternative Name: \n\s+DirName:\/C=JP\/O=.*\(jpki-mobile emulation\)/);
      assert.match(t, /Issuer: C ?= ?JP, O ?= ?JPKI-MOBILE.*not J-LIS/);
      assert.match(t, /Public-Key: \(2048 bit\)/);
      assert.match(t, /Signature Algorithm: sha256WithRSAEncryption/);
    }
  });

  it('card-sign: nonRepudiation, critical policy with CPS, the six otherNames', () => {
    const t = text('card-sign');
    assert.match(t, /X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
    assert.match(t, /X509v3 Certificate Policies: critical\s+Policy: 1\.2\.392\.200149\.8\.5\.1\.1\.20\s+CPS: http:\/\/ca\.jpki-mobile\.test\/cps/);
    for (const n of [1, 4, 3, 5, 2, 6]) assert.match(t, new RegExp(`othername: 1\\.2\\.392\\.200149\\.8\\.5\\.5\\.${n}::`));
    // the real card's order: name, birth, sex, address, the two maps
    const order = [...t.matchAll(/othername: 1\.2\.392\.200149\.8\.5\.5\.(\d)/g)].map((m) => m[1]);
    assert.deepEqual(order, ['1', '4', '3', '5', '2', '6']);
    assert.match(t, /Subject: C ?= ?JP, L ?= ?東京都, L ?= ?千代田区, CN ?= ?8439ABCDEF0123456789/);
    assert.match(t, /X509v3 Issuer Alternative Name:\s+DirName:/);
    assert.match(t, /X509v3 CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/ca\.jpki-mobile\.test\/crl\/sign\.crl/);
    assert.match(t, /Authority Information Access:\s+OCSP - URI:http:\/\/ca\.jpki-mobile\.test\/ocsp/);
    assert.match(t, /X509v3 Authority Key Identifier/);
  });

  it('card-auth and phone-auth: digitalSignature only, no subjectAltName, their policy', () => {
    const card = text('card-auth');
    assert.match(card, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(card, /Policy: 1\.2\.392\.200149\.8\.5\.1\.3\.30/);
    assert.doesNotMatch(card, /Subject Alternative Name/);
    assert.match(card, /Subject: C ?= ?JP, CN ?= ?8439ABCDEF0123456789\n/);
    const phone = text('phone-auth');
    assert.match(phone, /Policy: 2\.25\.70623146399503318900969062166041881797\.1\.2\.30/);
    assert.doesNotMatch(phone, /Subject Alternative Name/);
  });

  it('phone-sign: the phone policy and the basic four', () => {
    const t = text('phone-sign');
    assert.match(t, /X509v3 Certificate Policies: critical\s+Policy: 2\.25\.70623146399503318900969062166041881797\.1\.2\.20/);
    assert.match(t, /Digital Signature, Non Repudiation/);
    assert.match(t, /othername: 1\.2\.392\.200149\.8\.5\.5\.1::山田\u3000太郎/);
  });

  it('ocsp-responder: OCSP Signing, OCSP No Check, AKI and SKI', () => {
    const t = text('ocsp-responder');
    assert.match(t, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(t, /X509v3 Extended Key Usage:\s+OCSP Signing/);
    assert.match(t, /OCSP No Check/);
    assert.match(t, /X509v3 Authority Key Identifier/);
    assert.match(t, /X509v3 Subject Key Identifier/);
    assert.doesNotMatch(t, /Certificate Policies/);
  });

  it('openssl verify accepts each chain, and refuses the wrong CA', () => {
    const chains: [string, string][] = [
      ['ca-sign', 'card-sign'],
      ['ca-auth', 'card-auth'],
      ['ca-sign', 'phone-sign'],
      ['ca-auth', 'phone-auth'],
      ['ca-sign', 'ocsp-responder'],
    ];
    for (const [ca, ee] of chains) {
      const r = openssl(['verify', '-CAfile', files.get(ca)!, files.get(ee)!]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /: OK\n/);
    }
    const wrong = openssl(['verify', '-CAfile', files.get('ca-auth')!, files.get('card-sign')!]);
    assert.notEqual(wrong.status, 0);
  });

  it('notAfter is 14:59:59 GMT everywhere, and -checkend agrees with it', () => {
    for (const [label, path] of files) {
      const r = openssl(['x509', '-in', path, '-noout', '-enddate']);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /^notAfter=\w{3} [ \d]\d 14:59:59 \d{4} GMT\n$/, label);
      const notAfter = parseCertificate(ders.get(label)!).notAfter;
      const secondsLeft = Math.floor((notAfter.getTime() - Date.now()) / 1000);
      assert.equal(openssl(['x509', '-in', path, '-noout', '-checkend', String(secondsLeft - 60)]).status, 0, label);
      assert.equal(openssl(['x509', '-in', path, '-noout', '-checkend', String(secondsLeft + 60)]).status, 1, label);
    }
  });
});
