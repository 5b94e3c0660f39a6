import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PKI made by the real openssl in a temporary folder: a CA (UTF-8 name, SKI = SHA-1 of its
 * key), a delegated OCSP responder (EKU OCSPSigning, id-pkix-ocsp-nocheck) and two end-entity
 * certificates, serials 0111 and 0222. Not a test file: the CRL and OCSP tests import it.
 */
export interface TestPki {
  readonly dir: string;
  readonly path: (name: string) => string;
  readonly caDer: Uint8Array;
  readonly caKey: KeyObject;
  readonly responderDer: Uint8Array;
  readonly responderKey: KeyObject;
  /** Serial number content octets of ee1.pem and ee2.pem. */
  readonly ee1Serial: Uint8Array;
  readonly ee2Serial: Uint8Array;
  /** The CA's subjectKeyIdentifier as openssl wrote it. */
  readonly caSki: Uint8Array;
  readonly remove: () => void;
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function openssl(cwd: string, args: readonly string[]): OpensslResult {
  const r = spawnSync('/usr/bin/openssl', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustOpenssl(cwd: string, args: readonly string[]): OpensslResult {
  const r = openssl(cwd, args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_ocsp]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_ee]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'jpki-revocation-'));
  const path = (name: string): string => join(dir, name);
  try {
    writeFileSync(path('pki.cnf'), CONFIG);
    const cnf = ['-config', 'pki.cnf'];
    mustOpenssl(dir, ['req', '-x509', ...cnf, '-extensions', 'v3_ca', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-utf8', '-subj', '/C=JP/O=JPKI Mobile Test/CN=テスト署名用CA', '-days', '30']);
    const issue = (name: string, subject: string, serial: string, extensions: string): void => {
      mustOpenssl(dir, ['req', '-new', ...cnf, '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
      mustOpenssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '30',
        '-extfile', 'pki.cnf', '-extensions', extensions, '-out', `${name}.pem`]);
    };
    issue('ocsp', '/C=JP/CN=OCSP Responder', '0x1001', 'v3_ocsp');
    issue('ee1', '/C=JP/CN=EE 1', '0x0111', 'v3_ee');
    issue('ee2', '/C=JP/CN=EE 2', '0x0222', 'v3_ee');
    const ca = new X509Certificate(readFileSync(path('ca.pem')));
    const skiText = mustOpenssl(dir, ['x509', '-in', 'ca.pem', '-noout', '-ext', 'subjectKeyIdentifier']).stdout;
    const skiHex = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(skiText)![1]!.replace(/:/g, '');
    return {
      dir,
      path,
      caDer: new Uint8Array(ca.raw),
      caKey: createPrivateKey(readFileSync(path('ca.key'))),
      responderDer: new Uint8Array(new X509Certificate(readFileSync(path('ocsp.pem'))).raw),
      responderKey: createPrivateKey(readFileSync(path('ocsp.key'))),
      ee1Serial: Uint8Array.of(0x01, 0x11),
      ee2Serial: Uint8Array.of(0x02, 0x22),
      caSki: new Uint8Array(Buffer.from(skiHex, 'hex')),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** PEM armour (RFC 7468) around DER. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}
