import { appendAudit } from '../../store/index.js';
import type { Actor } from '../jpki/actors.js';
import { Reason, actorLabel } from '../jpki/actors.js';
import { authenticate, requireRole } from '../jpki/operators.js';
import { certificatesOfPerson, getPerson, type CertificateRow, type PersonRow } from '../jpki/repository.js';
import { statusView, type CertificateStatusView, type JpkiService } from '../jpki/service.js';
import { CallCentreError } from './errors.js';

/** How an operator names the caller: the person id, or name + birth date (+ address when names collide). */
export type PersonQuery = { readonly personId: string } | { readonly name: string; readonly birthDate: string; readonly address?: string };

export interface PersonView {
  readonly personId: string;
  readonly name: string;
  readonly birthDate: string;
  readonly address: string;
}

/**
 * The call centre (flow 8): operators of the certification service with role `call-centre` (or admin)
 * find the caller, see their phone certificates, suspend them (certificateHold) when the phone is
 * lost, release the user-authentication certificate when it is found (the signature certificate is
 * never released: jpki/revocation.ts), or revoke them (keyCompromise) when it is not — the CA's
 * outbox then orders the deletion of the keys (docs/services/tsm-orders.md). Every action is in the
 * JPKI audit log: the status changes by the CA's revocation code, the look-ups here.
 */
export class CallCentre {
  readonly #jpki: JpkiService;

  constructor(jpki: JpkiService) {
    this.#jpki = jpki;
  }

  async operator(authorization: string | undefined): Promise<Actor> {
    const actor = await authenticate(this.#jpki.ctx.db, authorization);
    requireRole(actor, 'call-centre', 'admin');
    return actor;
  }

  async #audit(actor: Actor, action: string, subject: string, payload: Record<string, unknown>): Promise<void> {
    await this.#jpki.ctx.db.transaction((tx) => appendAudit(tx, { at: this.#jpki.ctx.clock(), actor: actorLabel(actor), action, subject, payload }));
  }

  /** Finds the caller: exactly one person, or `ERR_CALLCENTER_UNKNOWN_PERSON` / `ERR_CALLCENTER_AMBIGUOUS` (ask for the address). */
  async find(actor: Actor, query: PersonQuery): Promise<PersonView> {
    const db = this.#jpki.ctx.db;
    let rows: PersonRow[];
    if ('personId' in query) {
      const p = await getPerson(db, query.personId);
      rows = p ? [p] : [];
    } else {
      rows = await db.query<PersonRow>('SELECT * FROM persons WHERE name = $1 AND birth_date = $2 ORDER BY id', [query.name, query.birthDate]);
      if (query.address !== undefined) rows = rows.filter((r) => r.address === query.address);
    }
    await this.#audit(actor, 'callcenter-lookup', rows.length === 1 ? rows[0]!.id : '-', { by: 'personId' in query ? 'person-id' : 'identity', matches: rows.length });
    if (rows.length === 0) throw new CallCentreError('ERR_CALLCENTER_UNKNOWN_PERSON', 'no person matches');
    if (rows.length > 1) throw new CallCentreError('ERR_CALLCENTER_AMBIGUOUS', `${rows.length} persons match: give the address or the person id`);
    const p = rows[0]!;
    return { personId: p.id, name: p.name, birthDate: p.birth_date, address: p.address };
  }

  async #phone(personId: string): Promise<CertificateRow[]> {
    return (await certificatesOfPerson(this.#jpki.ctx.db, personId)).filter((c) => c.device === 'phone');
  }

  /** The person's phone certificates, newest last. */
  async phoneCertificates(actor: Actor, personId: string): Promise<CertificateStatusView[]> {
    await this.#audit(actor, 'callcenter-certificates-viewed', personId, {});
    return (await this.#phone(personId)).map(statusView);
  }

  /** Lost phone: every good phone certificate is held at once (OCSP answers revoked, certificateHold). */
  async suspend(actor: Actor, personId: string): Promise<string[]> {
    const good = (await this.#phone(personId)).filter((c) => c.status === 'good');
    if (good.length === 0) throw new CallCentreError('ERR_CALLCENTER_NOTHING_TO_DO', 'the person has no good phone certificate');
    const held: string[] = [];
    for (const c of good) held.push(...(await this.#jpki.revoke(actor, c.serial, Reason.certificateHold)));
    return held;
  }

  /** Found again: the held user-authentication certificate is good again (the signature one is re-issued). */
  async release(actor: Actor, personId: string): Promise<string[]> {
    const held = (await this.#phone(personId)).filter((c) => c.status === 'held' && c.hierarchy === 'auth');
    if (held.length === 0) throw new CallCentreError('ERR_CALLCENTER_NOTHING_TO_DO', 'the person has no held user-authentication phone certificate');
    for (const c of held) await this.#jpki.release(actor, c.serial);
    return held.map((c) => c.serial);
  }

  /** Not found: every phone certificate not yet revoked is revoked (keyCompromise); deletion is ordered. */
  async revoke(actor: Actor, personId: string): Promise<string[]> {
    const active = (await this.#phone(personId)).filter((c) => c.status !== 'revoked');
    if (active.length === 0) throw new CallCentreError('ERR_CALLCENTER_NOTHING_TO_DO', 'the person has no phone certificate left to revoke');
    const revoked: string[] = [];
    for (const c of active) revoked.push(...(await this.#jpki.revoke(actor, c.serial, Reason.keyCompromise)));
    return revoked;
  }
}
