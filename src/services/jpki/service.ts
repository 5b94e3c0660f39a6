import { randomBytes } from 'node:crypto';
import { caNaming, type CaNaming, type PolicyMode } from '../../pki/x509/index.js';
import type { Database } from '../../store/index.js';
import type { Actor } from './actors.js';
import { Authority } from './authority.js';
import { ChangeFeed } from './change-feed.js';
import type { JpkiContext } from './context.js';
import { CrlPublisher } from './crl-publisher.js';
import { JpkiServiceError } from './errors.js';
import { revokeElement } from './element-revocation.js';
import { holderRevoke } from './holder.js';
import { issueCardCertificates, issuePhoneCertificates, type CardIssuanceRequest, type PhoneIssuanceRequest } from './issuance.js';
import { OcspResponder } from './ocsp-responder.js';
import { certificatesOfPerson, getCertificate, getPerson, type CertificateRow, type Hierarchy } from './repository.js';
import { release, revoke } from './revocation.js';
import { authoriseSecretReset, type SecretResetAuthorisation, type SecretResetRequest } from './secret-reset.js';

export interface JpkiServiceOptions {
  readonly db: Database;
  readonly passphrase: string;
  /** Base URL written into certificates; a function is read at each issuance (a port known only once listening). */
  readonly baseUrl: string | (() => string);
  readonly mode?: PolicyMode;
  readonly naming?: CaNaming;
  readonly clock?: () => Date;
  readonly random?: (n: number) => Uint8Array;
  readonly crlValidityMs?: number;
  readonly ocspValidityMs?: number;
  /** Change-feed polling interval (default 250 ms). */
  readonly pollMs?: number;
  readonly onError?: (err: unknown) => void;
}

export interface CertificateStatusView {
  readonly serial: string;
  readonly hierarchy: Hierarchy;
  readonly generation: number;
  readonly device: 'card' | 'phone';
  readonly personId: string;
  readonly status: 'good' | 'held' | 'revoked';
  readonly reason: number | null;
  readonly revokedAt: string | null;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly subject: string;
  readonly linkedSerial: string | null;
  readonly seId: string | null;
}

/** A person as the service knows them (the basic four registered at card issuance) and every certificate issued to them. */
export interface PersonView {
  readonly personId: string;
  readonly name: string;
  readonly address: string;
  readonly birthDate: string;
  readonly sex: number;
  readonly nameSubstituteMap: string | null;
  readonly addressSubstituteMap: string | null;
  readonly updatedAt: string;
  /** Oldest first; revoked ones included (their reason and time say why). */
  readonly certificates: readonly CertificateStatusView[];
}

export function statusView(r: CertificateRow): CertificateStatusView {
  return {
    serial: r.serial,
    hierarchy: r.hierarchy,
    generation: Number(r.generation),
    device: r.device,
    personId: r.person_id,
    status: r.status,
    reason: r.reason === null ? null : Number(r.reason),
    revokedAt: r.revoked_at,
    notBefore: r.not_before,
    notAfter: r.not_after,
    subject: r.subject,
    linkedSerial: r.linked_serial,
    seId: r.se_id,
  };
}

/**
 * The JPKI certification service of one process: issuance, revocation, CRL and OCSP over the shared
 * database. It keeps no state of its own that matters: caches (pre-signed OCSP answers, the current
 * CRLs) are rebuilt from the database and follow other processes' commits through the change feed.
 */
export class JpkiService {
  readonly ctx: JpkiContext;
  readonly feed: ChangeFeed;
  readonly ocsp: OcspResponder;
  readonly crl: CrlPublisher;
  #timers: NodeJS.Timeout[] = [];

  private constructor(ctx: JpkiContext, feed: ChangeFeed, ocsp: OcspResponder, crl: CrlPublisher) {
    this.ctx = ctx;
    this.feed = feed;
    this.ocsp = ocsp;
    this.crl = crl;
  }

  static async open(options: JpkiServiceOptions): Promise<JpkiService> {
    const clock = options.clock ?? (() => new Date());
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    const authority = await Authority.load(options.db, { passphrase: options.passphrase });
    const onError = options.onError ?? (() => undefined);
    const feed = new ChangeFeed(options.db, { intervalMs: options.pollMs ?? 250, onError });
    const ocsp = new OcspResponder({ db: options.db, authority, clock, validityMs: options.ocspValidityMs ?? 3_600_000, onError });
    const crl = new CrlPublisher({ db: options.db, authority, clock, validityMs: options.crlValidityMs ?? 24 * 3_600_000, catchUp: () => feed.poll() });
    const ctx: JpkiContext = {
      db: options.db,
      authority,
      clock,
      random,
      mode: options.mode ?? 'production',
      naming: options.naming ?? caNaming(),
      get baseUrl() {
        return typeof options.baseUrl === 'function' ? options.baseUrl() : options.baseUrl;
      },
      changed: (serials) => feed.notify(serials),
    };
    const service = new JpkiService(ctx, feed, ocsp, crl);
    feed.onAuthorityChange(async () => {
      await authority.reload(options.db, { passphrase: options.passphrase });
      ocsp.reindex();
    });
    feed.subscribe((changes) => {
      crl.changed(changes);
      void ocsp.invalidate(changes.map((c) => c.serial));
    });
    await feed.start();
    const refresh = setInterval(() => void ocsp.refreshStale().catch(onError), 60_000);
    // CRLs on schedule: checked every tenth of their validity, re-issued past half of it (and on change).
    const crlSchedule = setInterval(() => void crl.refreshAll().catch(onError), Math.max(60_000, (options.crlValidityMs ?? 24 * 3_600_000) / 10));
    for (const t of [refresh, crlSchedule]) {
      t.unref();
      service.#timers.push(t);
    }
    return service;
  }

  close(): void {
    this.feed.stop();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  issueCard(actor: Actor, req: CardIssuanceRequest) {
    return issueCardCertificates(this.ctx, actor, req);
  }

  issuePhone(actor: Actor, req: PhoneIssuanceRequest) {
    return issuePhoneCertificates(this.ctx, actor, req);
  }

  revoke(actor: Actor, serial: string, reason: number): Promise<string[]> {
    return revoke(this.ctx, actor, serial, reason);
  }

  release(actor: Actor, serial: string): Promise<void> {
    return release(this.ctx, actor, serial);
  }

  holderRevoke(request: Uint8Array, signature: Uint8Array): Promise<string[]> {
    return holderRevoke(this.ctx, request, signature);
  }

  /** Flow 5: the card's holder authorises re-initialising the PIN and/or password of their phone's applet. */
  authoriseSecretReset(actor: Actor, req: SecretResetRequest): Promise<SecretResetAuthorisation> {
    return authoriseSecretReset(this.ctx, actor, req);
  }

  /** Factory reset (flow 10): every active phone certificate on the element, cessationOfOperation. */
  revokeElement(seId: string): Promise<string[]> {
    return revokeElement(this.ctx, seId);
  }

  async status(serial: string): Promise<CertificateStatusView> {
    const row = await getCertificate(this.ctx.db, serial);
    if (!row) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_SERIAL', `no certificate with serial ${serial}`);
    return statusView(row);
  }

  /** The person record and their certificates (`ERR_JPKI_UNKNOWN_PERSON` for an unknown id). */
  async person(personId: string): Promise<PersonView> {
    const p = await getPerson(this.ctx.db, personId);
    if (!p) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_PERSON', `no person ${personId}`);
    const certificates = (await certificatesOfPerson(this.ctx.db, personId)).map(statusView);
    return {
      personId: p.id,
      name: p.name,
      address: p.address,
      birthDate: p.birth_date,
      sex: Number(p.sex),
      nameSubstituteMap: p.name_substitute_map,
      addressSubstituteMap: p.address_substitute_map,
      updatedAt: p.updated_at,
      certificates,
    };
  }

  async certificate(serial: string): Promise<Uint8Array> {
    const row = await getCertificate(this.ctx.db, serial);
    if (!row) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_SERIAL', `no certificate with serial ${serial}`);
    return row.der;
  }
}
