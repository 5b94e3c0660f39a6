import { toHex } from '../bytes/index.js';
import { subjectKeyIdentifierOf } from '../pki/path/index.js';
import { certIdKey, encodeOcspRequest } from '../pki/revocation/index.js';
import { crlUrlsOf, evaluateCrl, evaluateOcspResponse, ocspCertId, ocspUrlsOf, type StatusAnswer, type VerifiedCrl } from '../pki/status/index.js';
import type { ParsedCertificate } from '../pki/x509/index.js';
import { ExpiringCache, SingleFlight } from './cache.js';
import { RelyingPartyError, type StatusAttempt } from './errors.js';
import { fetchBytes, type FetchFunction } from './http.js';

/**
 * Certificate status for the relying party (flow 12: "every relying party rejects a revoked or
 * suspended certificate through OCSP or the CRL"): OCSP first (RFC 6960, POST to the responder of the
 * certificate's authorityInfoAccess or a configured one), the CRL of the certificate's distribution
 * point when OCSP is unreachable or its answer unusable, both cached. When neither answers, the caller
 * decides (fail closed by default).
 */

/** Where the CRL of a CA is, when the certificates do not say (or say it somewhere else). */
export interface CrlLocationContext {
  /** The issuing CA's subjectKeyIdentifier, uppercase hex (one per CA generation). */
  readonly issuerKeyIdentifier: string;
  /** RFC 4514 subject of the issuing CA. */
  readonly issuerSubject: string;
  /** The http(s) CRL distribution points the certificate names. */
  readonly distributionPoints: readonly string[];
}

export interface StatusOptions {
  /** How the SDK reaches OCSP responders and CRLs (default: the global fetch). */
  readonly fetch?: FetchFunction;
  /** Per request, connection to last byte (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Tolerance between the responder's clock and ours (default 5 minutes). */
  readonly clockSkewMs?: number;
  readonly ocsp?: {
    /** Default true. */
    readonly enabled?: boolean;
    /** One responder for every certificate (a platform operator's, for instance) instead of the certificate's AIA. */
    readonly url?: string;
    /** Send a 32-byte nonce and require it echoed (RFC 9654); default false (responders then serve pre-signed answers). */
    readonly nonce?: boolean;
    /** CertID hash: SHA-1 (default, what every responder answers) or SHA-256. */
    readonly hashAlgorithm?: 'sha1' | 'sha256';
    /** An answer is cached until its nextUpdate but never longer than this; without nextUpdate, thisUpdate may be this old. Default 5 minutes. */
    readonly maxAgeMs?: number;
    /** Largest response accepted (default 64 KiB). */
    readonly maxBytes?: number;
  };
  readonly crl?: {
    /** Default true. */
    readonly enabled?: boolean;
    /** Where to fetch a CA's CRL: a URL, or a function of the CA (undefined: the certificate's distribution point). */
    readonly url?: string | ((context: CrlLocationContext) => string | undefined);
    /** A CRL is cached until its nextUpdate, and at most this long when given. */
    readonly maxAgeMs?: number;
    /** Largest CRL accepted (default 64 MiB). */
    readonly maxBytes?: number;
  };
  /** Most cached OCSP answers and CRLs (defaults 10,000 and 32; 0 turns caching off). */
  readonly cache?: { readonly ocspEntries?: number; readonly crlEntries?: number };
  /**
   * What happens when neither OCSP nor the CRL gives a usable answer: `reject` (default, fail closed:
   * ERR_RP_STATUS_UNAVAILABLE) or `accept` (the result says `state: 'unavailable'`; for a service that
   * prefers availability and takes the risk of accepting a revoked certificate).
   */
  readonly onUnavailable?: 'reject' | 'accept';
}

export interface StatusOutcome {
  /** What a usable source said; undefined when none answered. */
  readonly answer?: StatusAnswer;
  readonly source?: 'ocsp' | 'crl';
  readonly url?: string;
  /** True when the answer came from the cache, without a request. */
  readonly cached: boolean;
  /** The sources that failed, in the order they were tried. */
  readonly attempts: readonly StatusAttempt[];
}

const DEFAULTS = { timeoutMs: 5000, ocspMaxAgeMs: 5 * 60_000, ocspMaxBytes: 64 * 1024, crlMaxBytes: 64 * 1024 * 1024, ocspEntries: 10_000, crlEntries: 32 };

function positive(value: number | undefined, fallback: number, what: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RelyingPartyError('ERR_RP_CONFIG', `status.${what} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

function attemptOf(source: 'ocsp' | 'crl', url: string | undefined, err: unknown): StatusAttempt {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'ERR_RP_FETCH_FAILED';
  return { source, ...(url === undefined ? {} : { url }), code, message: err instanceof Error ? err.message : String(err) };
}

/** The URLs a certificate names; a malformed extension names none (path validation does not read these two). */
function urlsOf(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return [];
  }
}

export class StatusChecker {
  readonly #fetch: FetchFunction;
  readonly #clock: () => Date;
  readonly #random: (n: number) => Uint8Array;
  readonly #o: Required<Pick<StatusOptions, 'timeoutMs' | 'clockSkewMs'>> & { ocsp: NonNullable<StatusOptions['ocsp']>; crl: NonNullable<StatusOptions['crl']> };
  readonly #ocspMaxAge: number;
  readonly #ocspCache: ExpiringCache<StatusAnswer>;
  readonly #crlCache: ExpiringCache<VerifiedCrl>;
  readonly #ocspFlight = new SingleFlight<StatusAnswer>();
  readonly #crlFlight = new SingleFlight<VerifiedCrl>();
  readonly onUnavailable: 'reject' | 'accept';

  constructor(options: StatusOptions, clock: () => Date, random: (n: number) => Uint8Array) {
    const fetchFn = options.fetch ?? (globalThis.fetch as FetchFunction | undefined);
    if (typeof fetchFn !== 'function') throw new RelyingPartyError('ERR_RP_CONFIG', 'status.fetch must be a function (no global fetch here)');
    this.#fetch = fetchFn;
    this.#clock = clock;
    this.#random = random;
    const ocsp = options.ocsp ?? {};
    const crl = options.crl ?? {};
    if (ocsp.url !== undefined && !/^https?:\/\//.test(ocsp.url)) throw new RelyingPartyError('ERR_RP_CONFIG', 'status.ocsp.url must be an http(s) URL');
    if (typeof crl.url === 'string' && !/^https?:\/\//.test(crl.url)) throw new RelyingPartyError('ERR_RP_CONFIG', 'status.crl.url must be an http(s) URL');
    if (ocsp.hashAlgorithm !== undefined && ocsp.hashAlgorithm !== 'sha1' && ocsp.hashAlgorithm !== 'sha256') throw new RelyingPartyError('ERR_RP_CONFIG', 'status.ocsp.hashAlgorithm is sha1 or sha256');
    if (options.onUnavailable !== undefined && options.onUnavailable !== 'reject' && options.onUnavailable !== 'accept') {
      throw new RelyingPartyError('ERR_RP_CONFIG', "status.onUnavailable is 'reject' or 'accept'");
    }
    this.onUnavailable = options.onUnavailable ?? 'reject';
    this.#o = {
      timeoutMs: positive(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs'),
      clockSkewMs: positive(options.clockSkewMs, 5 * 60_000, 'clockSkewMs', true),
      ocsp: { ...ocsp, maxBytes: positive(ocsp.maxBytes, DEFAULTS.ocspMaxBytes, 'ocsp.maxBytes') },
      crl: { ...crl, maxBytes: positive(crl.maxBytes, DEFAULTS.crlMaxBytes, 'crl.maxBytes') },
    };
    this.#ocspMaxAge = positive(ocsp.maxAgeMs, DEFAULTS.ocspMaxAgeMs, 'ocsp.maxAgeMs');
    if (crl.maxAgeMs !== undefined) positive(crl.maxAgeMs, 0, 'crl.maxAgeMs');
    this.#ocspCache = new ExpiringCache(positive(options.cache?.ocspEntries, DEFAULTS.ocspEntries, 'cache.ocspEntries', true));
    this.#crlCache = new ExpiringCache(positive(options.cache?.crlEntries, DEFAULTS.crlEntries, 'cache.crlEntries', true));
  }

  /** Drops every cached answer and CRL. */
  clearCache(): void {
    this.#ocspCache.clear();
    this.#crlCache.clear();
  }

  /** The status of `certificate`, issued by `issuer`: OCSP, then the CRL. Never throws for a source that fails. */
  async check(certificate: ParsedCertificate, issuer: ParsedCertificate): Promise<StatusOutcome> {
    const attempts: StatusAttempt[] = [];
    if (this.#o.ocsp.enabled !== false) {
      const url = this.#o.ocsp.url ?? urlsOf(() => ocspUrlsOf(certificate))[0];
      if (url === undefined) {
        attempts.push({ source: 'ocsp', code: 'ERR_RP_STATUS_NO_SOURCE', message: 'the certificate names no http(s) OCSP responder and none is configured' });
      } else {
        try {
          const { answer, cached } = await this.#ocsp(certificate, issuer, url);
          return { answer, source: 'ocsp', url, cached, attempts };
        } catch (err) {
          attempts.push(attemptOf('ocsp', url, err));
        }
      }
    }
    if (this.#o.crl.enabled !== false) {
      const url = this.#crlUrl(certificate, issuer);
      if (url === undefined) {
        attempts.push({ source: 'crl', code: 'ERR_RP_STATUS_NO_SOURCE', message: 'the certificate names no http(s) CRL distribution point and none is configured' });
      } else {
        try {
          const { crl, cached } = await this.#crl(issuer, url);
          return { answer: crl.statusOf(certificate.serialNumberHex), source: 'crl', url, cached, attempts };
        } catch (err) {
          attempts.push(attemptOf('crl', url, err));
        }
      }
    }
    return { cached: false, attempts };
  }

  async #ocsp(certificate: ParsedCertificate, issuer: ParsedCertificate, url: string): Promise<{ answer: StatusAnswer; cached: boolean }> {
    const certId = ocspCertId(certificate, issuer, this.#o.ocsp.hashAlgorithm ?? 'sha1');
    const key = `${certIdKey(certId)}@${url}`;
    const hit = this.#ocspCache.get(key, this.#clock().getTime());
    if (hit !== undefined) return { answer: hit, cached: true };
    const answer = await this.#ocspFlight.run(key, async () => {
      const nonce = this.#o.ocsp.nonce === true ? this.#random(32) : undefined;
      const request = encodeOcspRequest([certId], nonce === undefined ? {} : { nonce });
      const response = await fetchBytes(
        this.#fetch,
        url,
        { method: 'POST', headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, body: request.der },
        { timeoutMs: this.#o.timeoutMs, maxBytes: this.#o.ocsp.maxBytes! },
      );
      const now = this.#clock();
      const evaluated = evaluateOcspResponse({
        response,
        certId,
        issuer,
        time: now,
        ...(request.nonceExtnValue === undefined ? {} : { nonce: request.nonceExtnValue }),
        maxAgeMs: this.#ocspMaxAge,
        clockSkewMs: this.#o.clockSkewMs,
      });
      const until = evaluated.nextUpdate?.getTime() ?? evaluated.thisUpdate.getTime() + this.#ocspMaxAge;
      this.#ocspCache.set(key, evaluated, Math.min(until, now.getTime() + this.#ocspMaxAge), now.getTime());
      return evaluated;
    });
    return { answer, cached: false };
  }

  #crlUrl(certificate: ParsedCertificate, issuer: ParsedCertificate): string | undefined {
    const points = urlsOf(() => crlUrlsOf(certificate));
    const configured = this.#o.crl.url;
    if (typeof configured === 'string') return configured;
    if (typeof configured === 'function') {
      const ski = subjectKeyIdentifierOf(issuer);
      const url = configured({ issuerKeyIdentifier: ski === undefined ? '' : toHex(ski), issuerSubject: issuer.subjectString, distributionPoints: points });
      if (url !== undefined) return url;
    }
    return points[0];
  }

  async #crl(issuer: ParsedCertificate, url: string): Promise<{ crl: VerifiedCrl; cached: boolean }> {
    const ski = subjectKeyIdentifierOf(issuer);
    const key = `${url}#${ski === undefined ? toHex(issuer.subjectPublicKeyInfo) : toHex(ski)}`;
    const hit = this.#crlCache.get(key, this.#clock().getTime());
    if (hit !== undefined) return { crl: hit, cached: true };
    const crl = await this.#crlFlight.run(key, async () => {
      const bytes = await fetchBytes(this.#fetch, url, { method: 'GET', headers: { accept: 'application/pkix-crl' } }, { timeoutMs: this.#o.timeoutMs, maxBytes: this.#o.crl.maxBytes! });
      const now = this.#clock();
      const verified = evaluateCrl({ crl: bytes, issuer, time: now, clockSkewMs: this.#o.clockSkewMs });
      const bound = this.#o.crl.maxAgeMs === undefined ? Infinity : now.getTime() + this.#o.crl.maxAgeMs;
      this.#crlCache.set(key, verified, Math.min(verified.nextUpdate.getTime(), bound), now.getTime());
      return verified;
    });
    return { crl, cached: false };
  }
}
