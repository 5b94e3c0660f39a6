import { appendAudit, type Queryable } from '../../store/index.js';
import { actorLabel, assertMayRelease, assertMayRevoke, Reason, type Actor } from './actors.js';
import type { JpkiContext } from './context.js';
import { JpkiServiceError } from './errors.js';
import { getCertificate, insertOutbox, linkedActive, setStatus, type CertificateRow } from './repository.js';

/** The outbox event the SP-TSM acts on: delete the phone's keys and certificates from its secure element. */
export const PHONE_KEYS_DELETE = 'phone-keys-delete';

/**
 * The reason a phone certificate gets when the card certificate that authorised it is revoked
 * (flow 9): its content changed with the card's (affiliationChanged), or the authorisation ceased.
 */
function cascadeReason(cardReason: number): number {
  return cardReason === Reason.affiliationChanged ? Reason.affiliationChanged : Reason.cessationOfOperation;
}

/**
 * Revokes (or holds, reason 6) one certificate inside a write transaction, with everything that must
 * happen with it atomically (unless `orderDeletion` is false: the element is being re-personalised): the cascade to linked phone certificates when a card certificate is
 * revoked, the outbox events that order the deletion of phone keys, and one audit entry per change.
 * Returns the serials whose status changed.
 */
export async function revokeInTx(tx: Queryable, actor: Actor, cert: CertificateRow, reason: number, now: Date, options: { orderDeletion?: boolean } = {}): Promise<string[]> {
  if (cert.status === 'revoked') throw new JpkiServiceError('ERR_JPKI_ALREADY_REVOKED', `certificate ${cert.serial} is already revoked`);
  if (reason === Reason.certificateHold && cert.status === 'held') throw new JpkiServiceError('ERR_JPKI_ALREADY_HELD', `certificate ${cert.serial} is already held`);
  const hold = reason === Reason.certificateHold;
  await setStatus(tx, cert.serial, hold ? 'held' : 'revoked', reason, now);
  await appendAudit(tx, {
    at: now,
    actor: actorLabel(actor),
    action: hold ? 'certificate-held' : 'certificate-revoked',
    subject: cert.serial,
    payload: { serial: cert.serial, hierarchy: cert.hierarchy, generation: Number(cert.generation), device: cert.device, personId: cert.person_id, reason },
  });
  const changed = [cert.serial];
  if (hold) return changed;
  if (cert.device === 'phone') {
    if (options.orderDeletion === false) return changed;
    await insertOutbox(tx, { kind: PHONE_KEYS_DELETE, personId: cert.person_id, seId: cert.se_id, serials: [cert.serial], reason, at: now });
    return changed;
  }
  // A card certificate: every phone certificate it authorised goes with it (flow 9).
  const linked = await linkedActive(tx, cert.serial);
  const bySe = new Map<string | null, string[]>();
  const phoneReason = cascadeReason(reason);
  for (const phone of linked) {
    await setStatus(tx, phone.serial, 'revoked', phoneReason, now);
    await appendAudit(tx, {
      at: now,
      actor: `system:cascade:${cert.serial}`,
      action: 'certificate-revoked',
      subject: phone.serial,
      payload: { serial: phone.serial, hierarchy: phone.hierarchy, generation: Number(phone.generation), device: 'phone', personId: phone.person_id, reason: phoneReason, cardSerial: cert.serial },
    });
    bySe.set(phone.se_id, [...(bySe.get(phone.se_id) ?? []), phone.serial]);
    changed.push(phone.serial);
  }
  for (const [seId, serials] of bySe) {
    await insertOutbox(tx, { kind: PHONE_KEYS_DELETE, personId: cert.person_id, seId, serials, reason: phoneReason, at: now });
  }
  return changed;
}

async function load(tx: Queryable, serial: string): Promise<CertificateRow> {
  const cert = await getCertificate(tx, serial);
  if (!cert) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_SERIAL', `no certificate with serial ${serial}`);
  return cert;
}

/** Revocation or hold by an actor, checked against the actor policy (actors.ts). */
export async function revoke(ctx: JpkiContext, actor: Actor, serial: string, reason: number): Promise<string[]> {
  const now = ctx.clock();
  const changed = await ctx.db.transaction(async (tx) => {
    const cert = await load(tx, serial);
    assertMayRevoke(actor, cert.device, reason);
    if (actor.kind === 'holder' && actor.personId !== cert.person_id) {
      throw new JpkiServiceError('ERR_JPKI_FORBIDDEN', 'a holder may act only on their own certificates');
    }
    return revokeInTx(tx, actor, cert, reason, now);
  });
  ctx.changed(changed);
  return changed;
}

/**
 * Releases a hold. A held user-authentication certificate becomes good again; a held signature
 * certificate is never released — it is revoked and re-issued, as JPKI does (jpki-ap.md 5).
 */
export async function release(ctx: JpkiContext, actor: Actor, serial: string): Promise<void> {
  assertMayRelease(actor);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const cert = await load(tx, serial);
    if (cert.status !== 'held') throw new JpkiServiceError('ERR_JPKI_NOT_HELD', `certificate ${serial} is not held`);
    if (cert.hierarchy === 'sign') {
      throw new JpkiServiceError('ERR_JPKI_RELEASE_SIGNATURE', 'a held signature certificate is not released: revoke it and issue a new one');
    }
    await setStatus(tx, serial, 'good', null, null);
    await appendAudit(tx, {
      at: now,
      actor: actorLabel(actor),
      action: 'certificate-released',
      subject: serial,
      payload: { serial, hierarchy: cert.hierarchy, generation: Number(cert.generation), device: cert.device, personId: cert.person_id },
    });
  });
  ctx.changed([serial]);
}
