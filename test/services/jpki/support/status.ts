import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JpkiHarness } from '../../../helpers/jpki.js';
import { writePem } from '../../../helpers/jpki.js';
import { fetchCrl, ocsp, type OcspAnswer } from './revocation.js';
import { stateOf } from './store.js';

/** A certificate whose state a rule test follows in the store, in OCSP and in the CRL. */
export interface Tracked {
  readonly serial: string;
  readonly der: Uint8Array;
  readonly hierarchy: 'sign' | 'auth';
  /** CA generation (default 1). */
  readonly generation?: number;
}

/** The three views of one certificate: `revoked/4`, `revoked/superseded`, `Superseded` (absent from the CRL: null). */
export interface Observed {
  readonly store: string;
  readonly ocsp: string;
  readonly crl: string | null;
}

/** RFC 5280 reason codes with the names openssl prints in OCSP answers and in CRLs. */
const REASONS: Readonly<Record<number, readonly [string, string]>> = {
  // RFC 5280 5.3.1: "the reason code CRL entry extension SHOULD be absent instead of using the
  // unspecified (0) reasonCode value" — listed in the CRL without a reason.
  0: ['unspecified', ''],
  1: ['keyCompromise', 'Key Compromise'],
  2: ['cACompromise', 'CA Compromise'],
  3: ['affiliationChanged', 'Affiliation Changed'],
  4: ['superseded', 'Superseded'],
  5: ['cessationOfOperation', 'Cessation Of Operation'],
  6: ['certificateHold', 'Certificate Hold'],
  // openssl 3.0 names OCSP reasons up to removeFromCRL (8) only (OCSP_crl_reason_str); 9 is "(UNKNOWN)".
  9: ['(UNKNOWN)', 'Privilege Withdrawn'],
};

/**
 * Reads the state of certificates from the store (SQL), from the running responder (`openssl ocsp`,
 * one request per CA generation) and from the current CRLs (`openssl crl`, verified).
 */
export async function observe(h: JpkiHarness, certs: readonly Tracked[]): Promise<Map<string, Observed>> {
  h.exportCa();
  const out = new Map<string, Observed>();
  const groups = new Map<string, Tracked[]>();
  for (const c of certs) {
    const key = `${c.hierarchy}-${c.generation ?? 1}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, group] of groups) {
    const [hierarchy, generation] = key.split('-') as ['sign' | 'auth', string];
    const caFile = join(h.dir, `${key}.pem`);
    const files = group.map((c) => writePem(h, `observe-${c.serial}.pem`, c.der));
    const statuses: OcspAnswer['statuses'][number][] = [];
    for (let i = 0; i < files.length; i += 16) {
      // At most 16 CertIDs per request (the responder's limit).
      const answer = await ocsp({ issuer: caFile, certs: files.slice(i, i + 16), url: `${h.url}/ocsp/${hierarchy}` });
      assert.ok(answer.verified && !answer.nonceMissing, answer.out);
      assert.equal(answer.statuses.length, Math.min(16, files.length - i), answer.out);
      statuses.push(...answer.statuses);
    }
    const crl = await fetchCrl(h.url, h.dir, hierarchy, Number(generation), caFile);
    assert.ok(crl.verified, crl.text);
    for (const [i, c] of group.entries()) {
      const s = statuses[i]!;
      out.set(c.serial, { store: await stateOf(h.db, c.serial), ocsp: `${s.status}${s.reason ? `/${s.reason}` : ''}`, crl: crl.entries.get(c.serial) ?? null });
    }
  }
  return out;
}

/** The three views a certificate in `state` must show: good, held (6), or revoked with a reason. */
export function expected(state: 'good' | number): Observed {
  if (state === 'good') return { store: 'good/', ocsp: 'good', crl: null };
  const [ocspName, crlName] = REASONS[state]!;
  return { store: `${state === 6 ? 'held' : 'revoked'}/${state}`, ocsp: `revoked/${ocspName}`, crl: crlName };
}

/** Asserts every certificate's state in all three places at once. */
export async function assertStates(h: JpkiHarness, states: readonly (readonly [Tracked, 'good' | number, string])[]): Promise<void> {
  const seen = await observe(h, states.map(([c]) => c));
  for (const [c, state, label] of states) assert.deepEqual(seen.get(c.serial), expected(state), label);
}

/** The four certificates of a card and a phone as tracked items. */
export function tracked(x: { signSerial: string; signCert: Uint8Array; authSerial: string; authCert: Uint8Array }, generation?: { sign?: number; auth?: number }): { sign: Tracked; auth: Tracked } {
  return {
    sign: { serial: x.signSerial, der: x.signCert, hierarchy: 'sign', ...(generation?.sign ? { generation: generation.sign } : {}) },
    auth: { serial: x.authSerial, der: x.authCert, hierarchy: 'auth', ...(generation?.auth ? { generation: generation.auth } : {}) },
  };
}
