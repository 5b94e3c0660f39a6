import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from './openssl.js';

/** What `openssl ocsp` said about each certificate of one request. */
export interface OcspAnswer {
  /** good / revoked / unknown per -cert or -serial, in order; empty when the responder answered an error. */
  readonly statuses: readonly { readonly status: string; readonly reason?: string }[];
  /** The first one's status, or `error:<status>` for an error response (e.g. `error:unauthorized`). */
  readonly status: string;
  readonly reason?: string;
  /** `Response verify OK`: signature and responder authorisation checked against -CAfile. */
  readonly verified: boolean;
  /** openssl's complaint when the response does not echo the request's nonce. */
  readonly nonceMissing: boolean;
  readonly out: string;
}

export interface OcspQuery {
  readonly issuer: string;
  /** Certificate files; or serials (`0x...`) via `serials`. */
  readonly certs?: readonly string[];
  readonly serials?: readonly string[];
  /** The responder URL (default `${base}/ocsp/<hierarchy of the issuer file name>`). */
  readonly url?: string;
  readonly caFile?: string;
  readonly noNonce?: boolean;
  readonly sha256?: boolean;
  readonly respout?: string;
  readonly reqout?: string;
}

export function parseOcspOutput(out: string, statusRequired = true): OcspAnswer {
  const statuses = [...out.matchAll(/^\S.*?: (good|revoked|unknown)\n(?:\t.*\n)*/gm)].map((m) => {
    const block = m[0];
    const reason = /\tReason: (\S+)/.exec(block)?.[1];
    return { status: m[1]!, ...(reason ? { reason } : {}) };
  });
  const error = /Responder Error: (\w+)/.exec(out)?.[1];
  const noStatus = /: ERROR: No Status found/.test(out);
  const first = statuses[0];
  if (statusRequired && error === undefined && !noStatus) assert.ok(first, `openssl ocsp printed a status:\n${out}`);
  return {
    statuses,
    status: error !== undefined ? `error:${error}` : (first?.status ?? (noStatus ? 'no-status' : 'none')),
    ...(first?.reason ? { reason: first.reason } : {}),
    verified: /^Response verify OK$/m.test(out),
    nonceMissing: /WARNING: no nonce/.test(out),
    out,
  };
}

/** `openssl ocsp -issuer … -cert … -url … -CAfile …` against the running service. */
export async function ocsp(q: OcspQuery & { readonly url: string }): Promise<OcspAnswer> {
  const args = ['ocsp', '-issuer', q.issuer];
  if (q.sha256) args.push('-sha256');
  for (const c of q.certs ?? []) args.push('-cert', c);
  for (const s of q.serials ?? []) args.push('-serial', s);
  args.push('-url', q.url, '-CAfile', q.caFile ?? q.issuer);
  if (q.noNonce) args.push('-no_nonce');
  if (q.respout) args.push('-respout', q.respout);
  if (q.reqout) args.push('-reqout', q.reqout);
  const r = await openssl(...args);
  return parseOcspOutput(r.out);
}

/**
 * `openssl ocsp -respin saved.der -issuer … -cert … -CAfile … -no_nonce`: checks a saved response
 * offline (-no_nonce: the request openssl builds here is not the one that was answered).
 */
export async function ocspRespin(respin: string, issuer: string, cert: string, caFile = issuer): Promise<OcspAnswer> {
  const r = await openssl('ocsp', '-respin', respin, '-issuer', issuer, '-cert', cert, '-CAfile', caFile, '-no_nonce');
  return parseOcspOutput(r.out);
}

/** A CRL as served and as openssl reads it. */
export interface CrlView {
  readonly der: Uint8Array;
  readonly derPath: string;
  /** The same CRL as PEM (`X509 CRL`), for `openssl verify -CRLfile`. */
  readonly pemPath: string;
  readonly number: number;
  /** serial (uppercase hex) → reason as openssl names it (e.g. `Key Compromise`, `Certificate Hold`). */
  readonly entries: ReadonlyMap<string, string>;
  /** `openssl crl -CAfile` printed `verify OK`. */
  readonly verified: boolean;
  readonly lastUpdate: Date;
  readonly nextUpdate: Date;
  readonly text: string;
}

/** GET /crl/<hierarchy>/<generation>.crl, then `openssl crl -inform DER -CAfile ca -noout -text`. */
export async function fetchCrl(base: string, dir: string, hierarchy: string, generation: number, caFile: string): Promise<CrlView> {
  const res = await fetch(`${base}/crl/${hierarchy}/${generation}.crl`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pkix-crl');
  const der = new Uint8Array(await res.arrayBuffer());
  const name = `${hierarchy}-${generation}-${randomBytes(4).toString('hex')}`;
  const derPath = join(dir, `${name}.crl`);
  const pemPath = join(dir, `${name}.crl.pem`);
  writeFileSync(derPath, der);
  writeFileSync(pemPath, `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END X509 CRL-----\n`);
  const r = await openssl('crl', '-inform', 'DER', '-in', derPath, '-CAfile', caFile, '-noout', '-text');
  const entries = new Map<string, string>();
  for (const m of r.out.matchAll(/Serial Number: ([0-9A-F]+)\n(?:\s+Revocation Date: .*\n)(?:\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: *\n\s+(.+)\n)?/g)) {
    entries.set(m[1]!, m[2]?.trim() ?? '');
  }
  const number = /X509v3 CRL Number: *\n\s+(\d+)/.exec(r.out);
  const last = /Last Update: (.+)/.exec(r.out);
  const next = /Next Update: (.+)/.exec(r.out);
  assert.ok(number && last && next, `openssl reads the CRL:\n${r.out}`);
  return {
    der,
    derPath,
    pemPath,
    number: Number(number[1]),
    entries,
    verified: /^verify OK$/m.test(r.out),
    lastUpdate: new Date(last[1]!),
    nextUpdate: new Date(next[1]!),
    text: r.out,
  };
}

/** `openssl verify [-crl_check -CRLfile crl] -CAfile ca cert`: `OK` or openssl's error text. */
export async function verifyChain(caFile: string, cert: string, crlPem?: string): Promise<{ ok: boolean; out: string }> {
  const args = ['verify', '-CAfile', caFile, ...(crlPem ? ['-crl_check', '-CRLfile', crlPem] : []), cert];
  const r = await openssl(...args);
  return { ok: r.code === 0 && /: OK$/m.test(r.out), out: r.out };
}
