import type { CaNaming, PolicyMode } from '../../pki/x509/index.js';
import type { Database } from '../../store/index.js';
import type { Authority, CaGeneration } from './authority.js';
import type { Hierarchy } from './repository.js';

/** What every part of the certification service shares: the store, the CA keys, time, randomness, settings. */
export interface JpkiContext {
  readonly db: Database;
  readonly authority: Authority;
  readonly clock: () => Date;
  readonly random: (length: number) => Uint8Array;
  readonly mode: PolicyMode;
  readonly naming: CaNaming;
  /** Base URL of the running service, written into certificates (CRL and OCSP locations, CPS). */
  readonly baseUrl: string;
  /** Called after a commit that changed certificate status, with the serials concerned. */
  readonly changed: (serials: readonly string[]) => void;
}

/** Where a generation publishes: the CPS, its CRL and its OCSP responder. */
export function publicationUrls(baseUrl: string, hierarchy: Hierarchy, generation: number): { cps: string; crl: string; ocsp: string } {
  const base = baseUrl.replace(/\/+$/, '');
  return { cps: `${base}/cps`, crl: `${base}/crl/${hierarchy}/${generation}.crl`, ocsp: `${base}/ocsp/${hierarchy}` };
}

export function urlsOf(ctx: JpkiContext, g: CaGeneration): { cps: string; crl: string; ocsp: string } {
  return publicationUrls(ctx.baseUrl, g.hierarchy, g.generation);
}
