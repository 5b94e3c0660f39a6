import { bytesEqual, fromHex, toHex } from '../../bytes/index.js';
import {
  certIdKey,
  issuerHashes,
  ocspErrorResponse,
  parseOcspRequest,
  simpleOcspRequestKey,
  presignOcspResponse,
  buildOcspResponse,
  type CertId,
  type OcspCertStatus,
  type OcspSingleResponse,
} from '../../pki/revocation/index.js';
import type { Queryable } from '../../store/index.js';
import type { Authority, CaGeneration } from './authority.js';
import type { Hierarchy } from './repository.js';

interface Cached {
  /** The key it is stored under (re-used when the entry gets its second chance). */
  readonly key: string;
  readonly der: Uint8Array;
  readonly serial: string;
  /** The hierarchy of the CA generation that issued the certificate (answers are served only through its URL). */
  readonly hierarchy: Hierarchy;
  /** After this time the answer is re-signed (half its validity), before the client sees it expire. */
  readonly staleAt: number;
  readonly expiresAt: number;
  /** Served since it was stored or last passed over by the eviction (its second chance). */
  used: boolean;
}

export interface OcspResponderOptions {
  readonly db: Queryable;
  readonly authority: Authority;
  readonly clock: () => Date;
  /** How long an answer is valid (nextUpdate - thisUpdate); default one hour. */
  readonly validityMs?: number;
  /** Bound on the number of pre-signed answers kept in memory (least recently used out beyond it, by second chance). Default 200,000. */
  readonly maxEntries?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The OCSP responder (RFC 6960) of every CA generation, with delegated responder certificates.
 * Answers for one certificate without a nonce are signed once and served from memory as stored bytes
 * (RFC 6960 2.5, pre-produced responses); they are re-signed when the certificate's status changes
 * (`invalidate`, fed by the change feed) and when half their validity has passed. A request with a
 * nonce is signed on the spot, so that the nonce is echoed. Unknown issuers are `unauthorized`, bad
 * requests `malformedRequest`, and failures inside `internalError` (logged, never detailed).
 */
export class OcspResponder {
  readonly #db: Queryable;
  readonly #authority: Authority;
  readonly #clock: () => Date;
  readonly #validityMs: number;
  readonly #maxEntries: number;
  readonly #onError: (err: unknown) => void;
  readonly #cache = new Map<string, Cached>();
  readonly #keysBySerial = new Map<string, Set<string>>();
  /** Each generation's issuer hashes, per hash algorithm: compared as bytes (a few entries, on every request). */
  readonly #issuers: { readonly alg: string; readonly nameHash: Uint8Array; readonly keyHash: Uint8Array; readonly g: CaGeneration }[] = [];
  /**
   * Status reads in flight, by serial. A read that began before a change committed may deliver its
   * row after that change's `invalidate` ran; `invalidate` marks such reads stale, and a stale answer
   * is served (it was true when read) but not kept, so the cache never holds a status older than the
   * last invalidation.
   */
  readonly #reads = new Map<string, Set<{ stale: boolean }>>();

  constructor(options: OcspResponderOptions) {
    this.#db = options.db;
    this.#authority = options.authority;
    this.#clock = options.clock;
    this.#validityMs = options.validityMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 200_000;
    this.#onError = options.onError ?? (() => undefined);
    this.reindex();
  }

  /** Indexes the CA generations by CertID issuer hashes; again after the authority reloaded them. */
  reindex(): void {
    this.#issuers.length = 0;
    for (const g of this.#authority.all()) {
      for (const alg of ['sha1', 'sha256'] as const) {
        const h = issuerHashes(g.certificate, alg);
        this.#issuers.push({ alg, nameHash: h.issuerNameHash, keyHash: h.issuerKeyHash, g });
      }
    }
  }

  get size(): number {
    return this.#cache.size;
  }

  /**
   * The answer to one DER OCSPRequest when it needs no waiting, else undefined (then `respond`): a
   * pre-signed answer from memory for one CertID without a nonce (after the same checks `respond`
   * makes: the CertID is looked up in the cache, and a cached answer is only served through a URL of
   * its own hierarchy), or malformedRequest for bytes that are not an OCSPRequest. This is the hot path
   * of the responder (bench/ocsp.ts): no promise, no allocation beyond the parse and the key.
   */
  answerFromMemory(requestDer: Uint8Array, hierarchy?: Hierarchy): Uint8Array | undefined {
    // The form caching clients send is read in place (RFC 5019 2.1.1); anything else by the full parser.
    let key = simpleOcspRequestKey(requestDer);
    if (key === undefined) {
      let request: ReturnType<typeof parseOcspRequest>;
      try {
        request = parseOcspRequest(requestDer);
      } catch {
        return ocspErrorResponse('malformedRequest');
      }
      if (request.requests.length !== 1 || request.nonce !== undefined) return undefined;
      key = certIdKey(request.requests[0]!);
    }
    try {
      return this.#fromMemory(key, hierarchy, this.#clock().getTime());
    } catch {
      return undefined; // respond() meets the same failure and answers internalError
    }
  }

  /** The pre-signed answer under `key`, if fresh and asked through a URL of its hierarchy (else: respond). */
  #fromMemory(key: string, hierarchy: Hierarchy | undefined, now: number): Uint8Array | undefined {
    const hit = this.#cache.get(key);
    if (hit === undefined || hit.staleAt <= now || (hierarchy !== undefined && hit.hierarchy !== hierarchy)) return undefined;
    // Recency is a flag the eviction reads (second chance, below): a hit changes no table, which would
    // cost two more hash lookups, a rehash now and then, and long-lived garbage on every answer.
    hit.used = true;
    return hit.der;
  }

  /** Answers one DER OCSPRequest; `hierarchy` is the one named in the URL, if any. Never throws. */
  async respond(requestDer: Uint8Array, hierarchy?: Hierarchy): Promise<Uint8Array> {
    let request: ReturnType<typeof parseOcspRequest>;
    try {
      request = parseOcspRequest(requestDer);
    } catch {
      return ocspErrorResponse('malformedRequest');
    }
    try {
      const now = this.#clock();
      if (request.requests.length === 1 && request.nonce === undefined) {
        const hit = this.#fromMemory(certIdKey(request.requests[0]!), hierarchy, now.getTime());
        if (hit !== undefined) return hit;
      }
      const generations = request.requests.map((id) => this.#issuerOf(id));
      const g = generations[0];
      if (!g || generations.some((x) => x !== g) || (hierarchy !== undefined && g.hierarchy !== hierarchy)) {
        return ocspErrorResponse('unauthorized');
      }
      const singles: OcspSingleResponse[] = [];
      const cacheable = request.requests.length === 1 && request.nonce === undefined;
      const serial = toHex(request.requests[0]!.serialNumber);
      const read = cacheable ? this.#beginRead(serial) : undefined;
      try {
        for (const id of request.requests) singles.push({ certId: id, status: await this.#status(g, id), thisUpdate: now, nextUpdate: new Date(now.getTime() + this.#validityMs) });
      } finally {
        if (read) this.#endRead(serial, read);
      }
      const common = { responderCertificate: g.responderCertificate, responderKeyHash: g.responderKeyHash, producedAt: now, signer: g.responderSigner };
      if (cacheable) {
        const presigned = presignOcspResponse({ ...common, response: singles[0]! });
        // Only answers about certificates this CA issued are kept: anyone can ask about any number of
        // made-up serials, and keeping those answers would let them fill the cache (and evict the
        // answers that matter). An unknown serial is signed on every request.
        if (singles[0]!.status.kind !== 'unknown' && !read!.stale) this.#store(presigned.key, serial, g.hierarchy, presigned.der, now.getTime());
        return presigned.der;
      }
      return buildOcspResponse({ ...common, responses: singles, ...(request.nonce ? { nonce: request.nonce } : {}) });
    } catch (err) {
      this.#onError(err);
      return ocspErrorResponse('internalError');
    }
  }

  #beginRead(serial: string): { stale: boolean } {
    const read = { stale: false };
    let reads = this.#reads.get(serial);
    if (!reads) this.#reads.set(serial, (reads = new Set()));
    reads.add(read);
    return read;
  }

  #endRead(serial: string, read: { stale: boolean }): void {
    const reads = this.#reads.get(serial);
    reads?.delete(read);
    if (reads?.size === 0) this.#reads.delete(serial);
  }

  #issuerOf(id: CertId): CaGeneration | undefined {
    for (const e of this.#issuers) if (e.alg === id.hashAlgorithm && bytesEqual(e.keyHash, id.issuerKeyHash) && bytesEqual(e.nameHash, id.issuerNameHash)) return e.g;
    return undefined;
  }

  async #status(g: CaGeneration, id: CertId): Promise<OcspCertStatus> {
    const serial = toHex(id.serialNumber);
    const rows = await this.#db.query<{ status: string; reason: number | null; revoked_at: string | null; hierarchy: string; generation: number }>(
      'SELECT status, reason, revoked_at, hierarchy, generation FROM certificates WHERE serial = $1',
      [serial],
    );
    const row = rows[0];
    if (!row || row.hierarchy !== g.hierarchy || Number(row.generation) !== g.generation) return { kind: 'unknown' };
    if (row.status === 'good') return { kind: 'good' };
    return { kind: 'revoked', revocationTime: new Date(row.revoked_at!), ...(row.reason !== null ? { reason: Number(row.reason) } : {}) };
  }

  #store(key: string, serial: string, hierarchy: Hierarchy, der: Uint8Array, now: number): void {
    this.#cache.delete(key);
    this.#cache.set(key, { key, der, serial, hierarchy, staleAt: now + this.#validityMs / 2, expiresAt: now + this.#validityMs, used: false });
    let keys = this.#keysBySerial.get(serial);
    if (!keys) this.#keysBySerial.set(serial, (keys = new Set()));
    keys.add(key);
    while (this.#cache.size > this.#maxEntries) this.#evictOne();
  }

  /**
   * Evicts the least recently used answer, approximated by second chance (the CLOCK algorithm): the
   * table is in insertion order; an entry served since it was stored or last passed over goes to the end
   * with its flag cleared, and the first one not served is evicted. Each pass clears a flag, so this ends
   * within one round of the table, and costs O(1) amortised.
   */
  #evictOne(): void {
    for (;;) {
      const [oldest, entry] = this.#cache.entries().next().value as [string, Cached];
      this.#cache.delete(oldest);
      if (entry.used) {
        entry.used = false;
        this.#cache.set(oldest, entry);
        continue;
      }
      const keys = this.#keysBySerial.get(entry.serial);
      keys?.delete(oldest);
      if (keys?.size === 0) this.#keysBySerial.delete(entry.serial);
      return;
    }
  }

  /**
   * Drops the answers of certificates whose status changed and signs them again at once, so the next
   * request is served the new status from memory.
   */
  async invalidate(serials: readonly string[]): Promise<void> {
    const resign: string[] = [];
    for (const serial of serials) {
      for (const read of this.#reads.get(serial) ?? []) read.stale = true;
      const keys = this.#keysBySerial.get(serial);
      if (!keys) continue;
      for (const key of keys) {
        this.#cache.delete(key);
        resign.push(key);
      }
      this.#keysBySerial.delete(serial);
    }
    for (const key of resign) await this.#presignKey(key);
  }

  /** Signs ahead the answers for certificates (e.g. every certificate at start-up, bounded). */
  async presign(serials: readonly string[], algorithms: readonly ('sha1' | 'sha256')[] = ['sha1', 'sha256']): Promise<void> {
    for (const serial of serials) {
      const g = await this.#generationOfSerial(serial);
      if (!g) continue;
      for (const alg of algorithms) {
        const h = issuerHashes(g.certificate, alg);
        await this.#presignKey(certIdKey({ ...h, serialNumber: fromHex(serial) }));
      }
    }
  }

  async #generationOfSerial(serial: string): Promise<CaGeneration | undefined> {
    const rows = await this.#db.query<{ hierarchy: Hierarchy; generation: number }>('SELECT hierarchy, generation FROM certificates WHERE serial = $1', [serial]);
    const r = rows[0];
    return r ? this.#authority.all().find((g) => g.hierarchy === r.hierarchy && g.generation === Number(r.generation)) : undefined;
  }

  async #presignKey(key: string): Promise<void> {
    try {
      const [algPart, nameHash, keyHash, serialHex] = key.split(':') as [string, string, string, string];
      const [alg, params] = algPart.split('/') as ['sha1' | 'sha256', string | undefined];
      const id: CertId = { hashAlgorithm: alg, issuerNameHash: fromHex(nameHash), issuerKeyHash: fromHex(keyHash), serialNumber: fromHex(serialHex), ...(params === 'absent' ? { hashParameters: 'absent' as const } : {}) };
      const g = this.#issuerOf(id);
      if (!g) return;
      const now = this.#clock();
      const read = this.#beginRead(serialHex);
      let status: OcspCertStatus;
      try {
        status = await this.#status(g, id);
      } finally {
        this.#endRead(serialHex, read);
      }
      // Superseded by a later invalidation while reading: that one signs the newer status.
      if (read.stale) return;
      const presigned = presignOcspResponse({
        responderCertificate: g.responderCertificate,
        responderKeyHash: g.responderKeyHash,
        producedAt: now,
        signer: g.responderSigner,
        response: { certId: id, status, thisUpdate: now, nextUpdate: new Date(now.getTime() + this.#validityMs) },
      });
      this.#store(presigned.key, serialHex, g.hierarchy, presigned.der, now.getTime());
    } catch (err) {
      this.#onError(err);
    }
  }

  /** Re-signs the answers past half their validity (run periodically). */
  async refreshStale(): Promise<number> {
    const now = this.#clock().getTime();
    const stale = [...this.#cache.entries()].filter(([, v]) => v.staleAt <= now).map(([k]) => k);
    for (const key of stale) await this.#presignKey(key);
    return stale.length;
  }
}
