import { randomUUID, verify } from 'node:crypto';
import {
  buildTbsCertificate,
  cardCertificateValidity,
  checkRsa2048,
  endEntitySubject,
  issueCertificate,
  issuerAltNameDn,
  lintCertificate,
  LintError,
  parseCertificate,
  phoneCertificateValidity,
  randomSerial,
  validateBasicFour,
  type BasicFour,
  type Dn,
  type IsoDate,
  type IssueRequest,
  type ParsedCertificate,
  type ProfileName,
} from '../../pki/x509/index.js';
import { toHex } from '../../bytes/index.js';
import { appendAudit, type Queryable } from '../../store/index.js';
import { actorLabel, Reason, type Actor } from './actors.js';
import { assertFresh, parsePhoneIssuanceApplication } from './application.js';
import type { CaGeneration } from './authority.js';
import { urlsOf, type JpkiContext } from './context.js';
import { JpkiServiceError } from './errors.js';
import {
  activeCertificates,
  consumeNonce,
  getCertificate,
  getPerson,
  insertCard,
  insertCertificate,
  insertPerson,
  nonceUsed,
  type CertificateRow,
  type Hierarchy,
  type PersonRow,
} from './repository.js';
import { revokeInTx } from './revocation.js';

export interface IssuedCertificate {
  readonly serial: string;
  readonly hierarchy: Hierarchy;
  readonly der: Uint8Array;
  readonly notAfter: Date;
}

/** A 20-character issuance identifier for the subject CN (digits and capitals, as the real ones look). */
function issuanceId(random: (n: number) => Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  return Array.from(random(20), (b) => alphabet[b % alphabet.length]!).join('');
}

function toBasicFour(p: PersonRow): BasicFour {
  return {
    name: p.name,
    address: p.address,
    birthDate: p.birth_date as IsoDate,
    sex: p.sex as 1 | 2 | 3,
    ...(p.name_substitute_map ? { nameSubstituteMap: p.name_substitute_map } : {}),
    ...(p.address_substitute_map ? { addressSubstituteMap: p.address_substitute_map } : {}),
  };
}

/** A to-be-signed end-entity certificate that passed the lint, and how to sign it. */
interface PreparedEndEntity {
  readonly request: IssueRequest;
}

/**
 * Builds and lints one end-entity certificate without signing it. Every certificate of an issuance is
 * prepared first and only then signed (`signEndEntity`), so a refusal of the second one leaves no
 * signed first one behind: nothing is signed unless everything passes.
 */
function prepareEndEntity(
  ctx: JpkiContext,
  g: CaGeneration,
  profile: ProfileName,
  params: { spki: Uint8Array; person: BasicFour; notBefore: Date; notAfter: Date; cardExpiry?: IsoDate; cardCertificateNotAfter?: Date },
): PreparedEndEntity {
  const urls = urlsOf(ctx, g);
  const subject = endEntitySubject(g.hierarchy, issuanceId(ctx.random), params.person.address);
  const lintContext = {
    mode: ctx.mode,
    issuer: g.issuer,
    naming: ctx.naming,
    urls,
    ...(params.cardExpiry ? { holder: { birthDate: params.person.birthDate, cardExpiry: params.cardExpiry } } : {}),
    ...(params.cardCertificateNotAfter ? { cardCertificateNotAfter: params.cardCertificateNotAfter } : {}),
  };
  const tbs = buildTbsCertificate(profile, {
    serialNumber: randomSerial(ctx.random),
    issuer: g.issuer.subject,
    subject,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    subjectPublicKeyInfo: params.spki,
    authorityKeyIdentifier: g.issuer.keyIdentifier,
    mode: ctx.mode,
    ...(g.hierarchy === 'sign' ? { basicFour: params.person } : {}),
    issuerAltName: issuerAltName(ctx),
    cpsUri: urls.cps,
    crlUri: urls.crl,
    ocspUri: urls.ocsp,
  });
  const issues = lintCertificate(tbs, profile, lintContext);
  if (issues.length > 0) throw new LintError(issues);
  return { request: { profile, signer: g.signer, lintContext, tbs } };
}

function signEndEntity(prepared: PreparedEndEntity): { der: Uint8Array; parsed: ParsedCertificate } {
  const der = issueCertificate(prepared.request);
  return { der, parsed: parseCertificate(der) };
}

function issuerAltName(ctx: JpkiContext): Dn {
  return issuerAltNameDn(ctx.naming);
}

function row(parsed: ParsedCertificate, der: Uint8Array, g: CaGeneration, fields: { device: 'card' | 'phone'; personId: string; cardId: string | null; seId: string | null; linked: string | null; now: Date }): CertificateRow {
  return {
    serial: parsed.serialNumberHex,
    hierarchy: g.hierarchy,
    generation: g.generation,
    device: fields.device,
    person_id: fields.personId,
    card_id: fields.cardId,
    se_id: fields.seId,
    linked_serial: fields.linked,
    status: 'good',
    reason: null,
    revoked_at: null,
    not_before: parsed.notBefore.toISOString(),
    not_after: parsed.notAfter.toISOString(),
    subject: parsed.subjectString,
    der,
    issued_at: fields.now.toISOString(),
  };
}

export interface CardIssuanceRequest {
  readonly person: BasicFour;
  /** An existing person (renewal or a new card); absent for a first card. */
  readonly personId?: string;
  readonly cardExpiry: IsoDate;
  /** DER SubjectPublicKeyInfo of the keys generated in the card. */
  readonly signPublicKey: Uint8Array;
  readonly authPublicKey: Uint8Array;
}

export interface CardIssuanceResult {
  readonly personId: string;
  readonly cardId: string;
  readonly sign: IssuedCertificate;
  readonly auth: IssuedCertificate;
}

/**
 * Card issuance at the municipal office (flow 1): the holder's basic four information, entered by an
 * authenticated operator, and the public keys generated in the card. Both certificates are built and
 * linted before anything is written; then, in one transaction, the person and card are recorded, any
 * previous card certificates of the person are superseded (cascading to their phone certificates), and
 * the new ones are stored with their audit entries.
 */
export async function issueCardCertificates(ctx: JpkiContext, actor: Actor, req: CardIssuanceRequest): Promise<CardIssuanceResult> {
  if (actor.kind !== 'office' && actor.kind !== 'admin') throw new JpkiServiceError('ERR_JPKI_FORBIDDEN', 'card certificates are issued by a municipal office');
  const now = ctx.clock();
  const person = validateBasicFour(req.person, now);
  checkRsa2048(req.signPublicKey);
  checkRsa2048(req.authPublicKey);
  if (`${req.cardExpiry}T14:59:59Z` <= now.toISOString()) throw new JpkiServiceError('ERR_JPKI_CARD_EXPIRED', 'the card has already expired');
  if (req.personId !== undefined && !(await getPerson(ctx.db, req.personId))) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_PERSON', `no person ${req.personId}`);

  const signCa = ctx.authority.active('sign');
  const authCa = ctx.authority.active('auth');
  const authValidity = cardCertificateValidity({ issuedAt: now, birthDate: person.birthDate, cardExpiry: req.cardExpiry });
  const signValidity = cardCertificateValidity({ issuedAt: now, birthDate: person.birthDate, cardExpiry: req.cardExpiry, notAfterCap: authValidity.notAfter });
  const authTbs = prepareEndEntity(ctx, authCa, 'card-auth', { spki: req.authPublicKey, person, ...authValidity, cardExpiry: req.cardExpiry });
  const signTbs = prepareEndEntity(ctx, signCa, 'card-sign', { spki: req.signPublicKey, person, ...signValidity, cardExpiry: req.cardExpiry });
  const auth = signEndEntity(authTbs);
  const sign = signEndEntity(signTbs);

  const personId = req.personId ?? randomUUID();
  const cardId = randomUUID();
  const changed = await ctx.db.transaction(async (tx) => {
    const changedSerials: string[] = [];
    if (req.personId === undefined) {
      await insertPerson(tx, personRow(personId, person, now));
    } else {
      await tx.execute(
        'UPDATE persons SET name = $2, address = $3, birth_date = $4, sex = $5, name_substitute_map = $6, address_substitute_map = $7, updated_at = $8 WHERE id = $1',
        [personId, person.name, person.address, person.birthDate, person.sex, person.nameSubstituteMap, person.addressSubstituteMap, now.toISOString()],
      );
    }
    await insertCard(tx, { id: cardId, person_id: personId, expires_at: req.cardExpiry, created_at: now.toISOString() });
    for (const old of await activeCertificates(tx, personId, 'card')) {
      changedSerials.push(...(await revokeInTx(tx, { kind: 'system', cause: 'card-renewal' }, old, Reason.superseded, now)));
    }
    for (const [issued, g] of [[sign, signCa], [auth, authCa]] as const) {
      await insertCertificate(tx, row(issued.parsed, issued.der, g, { device: 'card', personId, cardId, seId: null, linked: null, now }));
      await appendAudit(tx, {
        at: now,
        actor: actorLabel(actor),
        action: 'certificate-issued',
        subject: issued.parsed.serialNumberHex,
        payload: { serial: issued.parsed.serialNumberHex, hierarchy: g.hierarchy, generation: g.generation, device: 'card', personId, cardId, notAfter: issued.parsed.notAfter.toISOString() },
      });
      changedSerials.push(issued.parsed.serialNumberHex);
    }
    return changedSerials;
  });
  ctx.changed(changed);
  return {
    personId,
    cardId,
    sign: { serial: sign.parsed.serialNumberHex, hierarchy: 'sign', der: sign.der, notAfter: sign.parsed.notAfter },
    auth: { serial: auth.parsed.serialNumberHex, hierarchy: 'auth', der: auth.der, notAfter: auth.parsed.notAfter },
  };
}

function personRow(id: string, p: Required<BasicFour>, now: Date): PersonRow {
  return {
    id,
    name: p.name,
    address: p.address,
    birth_date: p.birthDate,
    sex: p.sex,
    name_substitute_map: p.nameSubstituteMap,
    address_substitute_map: p.addressSubstituteMap,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
}

export interface PhoneIssuanceRequest {
  /** The application bytes exactly as the card signed them. */
  readonly application: Uint8Array;
  /** The card's signature over the application (RSASSA-PKCS1-v1_5, SHA-256). */
  readonly signature: Uint8Array;
  /** The card's signature certificate, DER, as read from the card (EF 0001). */
  readonly cardCertificate: Uint8Array;
}

export interface PhoneIssuanceResult {
  readonly personId: string;
  readonly cardSerial: string;
  readonly seId: string;
  readonly sign: IssuedCertificate;
  readonly auth: IssuedCertificate;
  /** Phone certificates this issuance superseded (the old handset's). */
  readonly superseded: readonly string[];
}

/**
 * Verifies that `cardDer` is a card signature certificate this service issued, still good and within
 * its validity at `now`, signed by one of the CA generations (the chain), and returns its record.
 */
export async function checkCardCertificate(ctx: JpkiContext, q: Queryable, cardDer: Uint8Array, now: Date): Promise<{ parsed: ParsedCertificate; record: CertificateRow }> {
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificate(cardDer);
  } catch (err) {
    throw new JpkiServiceError('ERR_JPKI_CARD_CERTIFICATE', 'the card certificate is not a DER certificate', { cause: err });
  }
  const issuer = ctx.authority.issuerOf(parsed);
  if (!issuer || issuer.hierarchy !== 'sign') throw new JpkiServiceError('ERR_JPKI_CARD_CERTIFICATE', 'the card certificate does not chain to a signature CA of this service');
  const record = await getCertificate(q, parsed.serialNumberHex);
  if (!record || toHex(record.der) !== toHex(cardDer) || record.device !== 'card' || record.hierarchy !== 'sign') {
    throw new JpkiServiceError('ERR_JPKI_CARD_CERTIFICATE', 'the card certificate is not a card signature certificate of this service');
  }
  if (record.status !== 'good') throw new JpkiServiceError('ERR_JPKI_CARD_CERTIFICATE', `the card certificate is ${record.status === 'held' ? 'suspended' : 'revoked'}`);
  if (parsed.notBefore > now || parsed.notAfter < now) throw new JpkiServiceError('ERR_JPKI_CARD_CERTIFICATE', 'the card certificate is not within its validity period');
  return { parsed, record };
}

/**
 * Phone issuance (flow 3, step 5): an application signed with the card's signature key carrying the
 * public keys the secure element generated and its identity. Checks the card certificate (chain,
 * record, status, validity), the signature, the application's freshness and single use; issues both
 * phone certificates, linked to the card signature certificate and never outliving it; and, in one
 * transaction, supersedes the person's previous phone certificates (ordering the deletion of the old
 * handset's keys) and stores the new ones. The database's unique index makes "one active phone
 * certificate per person per type" hold even against a concurrent issuance.
 */
export async function issuePhoneCertificates(ctx: JpkiContext, actor: Actor, req: PhoneIssuanceRequest): Promise<PhoneIssuanceResult> {
  if (actor.kind !== 'sp-tsm' && actor.kind !== 'admin') throw new JpkiServiceError('ERR_JPKI_FORBIDDEN', 'phone certificates are requested by the SP-TSM');
  const now = ctx.clock();
  const { parsed: card, record: cardRecord } = await checkCardCertificate(ctx, ctx.db, req.cardCertificate, now);
  const ok = (() => {
    try {
      return verify('sha256', req.application, { key: Buffer.from(card.subjectPublicKeyInfo), format: 'der', type: 'spki' }, req.signature);
    } catch {
      return false;
    }
  })();
  if (!ok) throw new JpkiServiceError('ERR_JPKI_CARD_SIGNATURE', "the application's signature does not verify with the card certificate");
  const application = parsePhoneIssuanceApplication(req.application);
  assertFresh(application.time, now);
  // Refused before anything is signed; the transaction below checks again and records the nonce.
  if (await nonceUsed(ctx.db, application.nonce)) throw new JpkiServiceError('ERR_JPKI_APPLICATION_REPLAYED', 'this application was used before');
  checkRsa2048(application.signPublicKey);
  checkRsa2048(application.authPublicKey);
  const personRecord = await getPerson(ctx.db, cardRecord.person_id);
  if (!personRecord) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_PERSON', 'the card certificate has no holder record');
  const person = toBasicFour(personRecord);

  const signCa = ctx.authority.active('sign');
  const authCa = ctx.authority.active('auth');
  const validity = phoneCertificateValidity({ issuedAt: now, cardCertificateNotAfter: card.notAfter });
  const common = { person, ...validity, cardCertificateNotAfter: card.notAfter };
  const signTbs = prepareEndEntity(ctx, signCa, 'phone-sign', { spki: application.signPublicKey, ...common });
  const authTbs = prepareEndEntity(ctx, authCa, 'phone-auth', { spki: application.authPublicKey, ...common });
  const sign = signEndEntity(signTbs);
  const auth = signEndEntity(authTbs);

  const superseded: string[] = [];
  const changed = await ctx.db.transaction(async (tx) => {
    if (!(await consumeNonce(tx, application.nonce, 'phone-issuance', now))) {
      throw new JpkiServiceError('ERR_JPKI_APPLICATION_REPLAYED', 'this application was used before');
    }
    // Re-checked inside the lock: the card certificate may have been revoked since.
    await checkCardCertificate(ctx, tx, req.cardCertificate, now);
    const changedSerials: string[] = [];
    for (const old of await activeCertificates(tx, cardRecord.person_id, 'phone')) {
      // Re-issuance onto the same element overwrites its keys: no deletion order for it.
      const orderDeletion = old.se_id !== application.seId;
      changedSerials.push(...(await revokeInTx(tx, { kind: 'system', cause: 'phone-issuance' }, old, Reason.superseded, now, { orderDeletion })));
      superseded.push(old.serial);
    }
    for (const [issued, g] of [[sign, signCa], [auth, authCa]] as const) {
      await insertCertificate(tx, row(issued.parsed, issued.der, g, { device: 'phone', personId: cardRecord.person_id, cardId: cardRecord.card_id, seId: application.seId, linked: cardRecord.serial, now }));
      await appendAudit(tx, {
        at: now,
        actor: actorLabel(actor),
        action: 'certificate-issued',
        subject: issued.parsed.serialNumberHex,
        payload: { serial: issued.parsed.serialNumberHex, hierarchy: g.hierarchy, generation: g.generation, device: 'phone', personId: cardRecord.person_id, seId: application.seId, cardSerial: cardRecord.serial, notAfter: issued.parsed.notAfter.toISOString() },
      });
      changedSerials.push(issued.parsed.serialNumberHex);
    }
    return changedSerials;
  });
  ctx.changed(changed);
  return {
    personId: cardRecord.person_id,
    cardSerial: cardRecord.serial,
    seId: application.seId,
    sign: { serial: sign.parsed.serialNumberHex, hierarchy: 'sign', der: sign.der, notAfter: sign.parsed.notAfter },
    auth: { serial: auth.parsed.serialNumberHex, hierarchy: 'auth', der: auth.der, notAfter: auth.parsed.notAfter },
    superseded,
  };
}

