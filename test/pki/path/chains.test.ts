import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PathError, trustAnchor, validatePath, type PathErrorCode } from '../../../src/pki/path/index.js';
import { openssl } from '../../services/jpki/support/openssl.js';

/**
 * Path validation over chains openssl makes (JPKI has no intermediates, but the validator takes them):
 * pathLenConstraint, an issuer that is not a CA, an unknown critical extension, an intermediate's
 * policy, a SHA-1 signature.
 */

let dir: string;
const f = (name: string) => join(dir, name);
const der = (name: string) => new Uint8Array(readFileSync(f(`${name}.der`)));
const TIME = new Date(Date.now() + 3_600_000);

const CONFIG = `[req]
distinguished_name=dn
[dn]
[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[int]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
certificatePolicies=1.2.3.4
[int_any]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
certificatePolicies=2.5.29.32.0
[int_nopolicy]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[notca]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[ee]
keyUsage=critical,digitalSignature
certificatePolicies=1.2.3.4
authorityKeyIdentifier=keyid
[ee_critical]
keyUsage=critical,digitalSignature
certificatePolicies=1.2.3.4
authorityKeyIdentifier=keyid
1.2.3.99=critical,ASN1:NULL
`;

async function run(...args: string[]) {
  const r = await openssl(...args);
  assert.equal(r.code, 0, `openssl ${args.join(' ')}\n${r.out}`);
}

/** A key and a certificate `name` for `subject`, signed by `issuer` (self-signed when undefined). */
async function cert(name: string, subject: string, section: string, issuer?: string, digest = 'sha256') {
  await run('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject, '-config', f('x.cnf'));
  const signer = issuer === undefined ? ['-signkey', f(`${name}.key`)] : ['-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`), '-CAcreateserial'];
  await run('x509', '-req', `-${digest}`, '-in', f(`${name}.csr`), ...signer, '-days', '2', '-extfile', f('x.cnf'), '-extensions', section, '-out', f(`${name}.pem`));
  await run('x509', '-in', f(`${name}.pem`), '-outform', 'DER', '-out', f(`${name}.der`));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'path-chains-'));
  writeFileSync(f('x.cnf'), CONFIG);
  await cert('root', '/CN=root', 'root');
  await cert('int', '/CN=int', 'int', 'root');
  await cert('ee', '/CN=ee', 'ee', 'int');
  await cert('ee_critical', '/CN=ee critical', 'ee_critical', 'int');
  await cert('int2', '/CN=int2', 'int_any', 'int');
  await cert('ee2', '/CN=ee2', 'ee', 'int2');
  await cert('notca', '/CN=notca', 'notca', 'root');
  await cert('ee3', '/CN=ee3', 'ee', 'notca');
  await cert('anyint', '/CN=anyint', 'int_any', 'root');
  await cert('ee_any', '/CN=ee any', 'ee', 'anyint');
  await cert('nopolicy', '/CN=nopolicy', 'int_nopolicy', 'root');
  await cert('ee_nopolicy', '/CN=ee nopolicy', 'ee', 'nopolicy');
  await cert('ee_sha1', '/CN=ee sha1', 'ee', 'int', 'sha1');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function refused(code: PathErrorCode, depth?: number) {
  return (e: unknown) => e instanceof PathError && e.code === code && (depth === undefined || e.depth === depth);
}

describe('path validation: chains with intermediates (made by openssl)', () => {
  it('builds end entity -> intermediate -> anchor from an unordered pile of intermediates', () => {
    const anchors = [trustAnchor(der('root'))];
    const path = validatePath({ certificate: der('ee'), anchors, intermediates: [der('notca'), der('anyint'), der('int')], time: TIME, policy: '1.2.3.4' });
    assert.equal(path.intermediates.length, 1);
    assert.equal(path.intermediates[0]!.subjectString, 'CN=int');
    assert.equal(path.anchor.subjectString, 'CN=root');
    assert.throws(() => validatePath({ certificate: der('ee'), anchors, time: TIME }), refused('ERR_PATH_ISSUER_UNKNOWN', 0));
    assert.throws(() => validatePath({ certificate: der('ee'), anchors, intermediates: [der('int')], time: TIME, maxIntermediates: 0 }), refused('ERR_PATH_LENGTH', 0));
  });

  it('refuses a second intermediate below pathlen:0 (ERR_PATH_LENGTH)', () => {
    assert.throws(() => validatePath({ certificate: der('ee2'), anchors: [trustAnchor(der('root'))], intermediates: [der('int'), der('int2')], time: TIME }), refused('ERR_PATH_LENGTH', 2));
  });

  it('refuses an issuer that is not a CA (ERR_PATH_NOT_CA)', () => {
    assert.throws(() => validatePath({ certificate: der('ee3'), anchors: [trustAnchor(der('root'))], intermediates: [der('notca')], time: TIME }), refused('ERR_PATH_NOT_CA', 1));
  });

  it('refuses an unknown critical extension (ERR_PATH_CRITICAL_EXTENSION)', () => {
    assert.throws(() => validatePath({ certificate: der('ee_critical'), anchors: [trustAnchor(der('root'))], intermediates: [der('int')], time: TIME }), refused('ERR_PATH_CRITICAL_EXTENSION', 0));
  });

  it("requires an intermediate to assert the end entity's policy or anyPolicy (ERR_PATH_POLICY)", () => {
    const anchors = [trustAnchor(der('root'))];
    assert.ok(validatePath({ certificate: der('ee_any'), anchors, intermediates: [der('anyint')], time: TIME, policy: '1.2.3.4' }));
    assert.throws(() => validatePath({ certificate: der('ee_nopolicy'), anchors, intermediates: [der('nopolicy')], time: TIME, policy: '1.2.3.4' }), refused('ERR_PATH_POLICY', 1));
  });

  it('refuses a SHA-1 signature (ERR_PATH_ALGORITHM_UNSUPPORTED)', () => {
    assert.throws(() => validatePath({ certificate: der('ee_sha1'), anchors: [trustAnchor(der('root'))], intermediates: [der('int')], time: TIME }), refused('ERR_PATH_ALGORITHM_UNSUPPORTED', 0));
  });

  it('an intermediate is not an anchor: without the root, nothing chains', () => {
    assert.throws(() => trustAnchor(der('ee')), refused('ERR_PATH_ANCHOR_INVALID'));
    assert.ok(validatePath({ certificate: der('ee'), anchors: [trustAnchor(der('int'))], time: TIME }), 'unless it is configured as one');
  });
});
