import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSignedData, CmsError, parseSignedData, verifySignedData } from '../../../src/pki/cms/index.js';
import { openssl } from '../../services/jpki/support/openssl.js';
import { cardLikeSigner, CONTENT } from './helpers.js';

/**
 * Both directions with the real openssl (3.0 on Debian 12): `openssl cms -verify` accepts what the
 * builder makes, and the reader accepts what `openssl cms -sign` makes (detached, SHA-256).
 */

let dir: string;
const file = (name: string) => join(dir, name);

async function run(...args: string[]) {
  const r = await openssl(...args);
  assert.equal(r.code, 0, `openssl ${args.join(' ')}\n${r.out}`);
  return r;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cms-openssl-'));
  writeFileSync(file('doc.txt'), CONTENT);
  writeFileSync(file('other.txt'), 'another document\n');
  writeFileSync(file('ca.cnf'), '[req]\ndistinguished_name=dn\n[dn]\n[v3_ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n[v3_ee]\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  await run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', '/C=JP/O=cms test CA', '-days', '30', '-config', file('ca.cnf'), '-extensions', 'v3_ca');
  await run('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ee.key'), '-out', file('ee.csr'), '-subj', '/C=JP/CN=cms test signer', '-config', file('ca.cnf'));
  await run('x509', '-req', '-in', file('ee.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-set_serial', '0x1234ABCD', '-days', '30', '-out', file('ee.pem'), '-extfile', file('ca.cnf'), '-extensions', 'v3_ee');
  await run('x509', '-in', file('ee.pem'), '-outform', 'DER', '-out', file('ee.der'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('CMS SignedData with openssl', () => {
  it('openssl cms -verify accepts a detached SignedData from the builder, signed through a DigestInfo signer', async () => {
    const key = createPrivateKey(readFileSync(file('ee.key')));
    const cms = await buildSignedData({ content: CONTENT, certificate: new Uint8Array(readFileSync(file('ee.der'))), signingTime: new Date(), sign: cardLikeSigner(key) });
    writeFileSync(file('built.der'), cms);
    const ok = await run('cms', '-verify', '-binary', '-inform', 'DER', '-in', file('built.der'), '-content', file('doc.txt'), '-CAfile', file('ca.pem'), '-purpose', 'any', '-out', file('out.txt'));
    assert.match(ok.out, /Verification successful/);
    assert.deepEqual(new Uint8Array(readFileSync(file('out.txt'))), CONTENT);
    const printed = await run('cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('built.der'));
    assert.match(printed.out, /signingTime/);
    assert.match(printed.out, /eContent: <ABSENT>/);

    const other = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', file('built.der'), '-content', file('other.txt'), '-CAfile', file('ca.pem'), '-purpose', 'any', '-out', '/dev/null');
    assert.notEqual(other.code, 0);
    assert.match(other.out, /content verify error/);
  });

  it('the reader verifies `openssl cms -sign -binary -md sha256` (detached) and refuses it over other data', async () => {
    await run('cms', '-sign', '-binary', '-md', 'sha256', '-in', file('doc.txt'), '-signer', file('ee.pem'), '-inkey', file('ee.key'), '-outform', 'DER', '-out', file('openssl.der'));
    const cms = new Uint8Array(readFileSync(file('openssl.der')));
    const v = verifySignedData(cms, CONTENT);
    assert.deepEqual(v.signerCertificate, new Uint8Array(readFileSync(file('ee.der'))));
    assert.equal(v.signedData.signer.signatureAlgorithm, 'rsaEncryption');
    assert.ok(v.signingTime !== undefined && Math.abs(v.signingTime.getTime() - Date.now()) < 120_000);
    assert.ok(v.signedData.signer.attributes.some((a) => a.type === '1.2.840.113549.1.9.15'), 'smimeCapabilities, an attribute the reader does not need, is kept');
    assert.throws(() => verifySignedData(cms, new TextEncoder().encode('another document\n')), (e) => e instanceof CmsError && e.code === 'ERR_CMS_MESSAGE_DIGEST_MISMATCH');
  });

  it('refuses what openssl makes without signed attributes (-noattr), attached (-nodetach) or streamed as BER (-stream)', async () => {
    const make = async (name: string, ...flags: string[]) => {
      await run('cms', '-sign', '-binary', '-md', 'sha256', ...flags, '-in', file('doc.txt'), '-signer', file('ee.pem'), '-inkey', file('ee.key'), '-outform', 'DER', '-out', file(name));
      return new Uint8Array(readFileSync(file(name)));
    };
    const codeOf = (bytes: Uint8Array) => {
      try {
        parseSignedData(bytes);
        return 'parsed';
      } catch (e) {
        return (e as CmsError).code;
      }
    };
    assert.equal(codeOf(await make('noattr.der', '-noattr')), 'ERR_CMS_SIGNED_ATTRIBUTES_MISSING');
    assert.equal(codeOf(await make('attached.der', '-nodetach')), 'ERR_CMS_NOT_DETACHED');
    assert.equal(codeOf(await make('stream.der', '-stream')), 'ERR_CMS_DER_LENGTH');
  });
});
