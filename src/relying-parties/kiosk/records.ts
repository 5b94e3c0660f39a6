import { appendAudit, fromDbTimestamp, toDbTimestamp, type Database } from '../../store/index.js';
import type { LoginVerification } from '../../sdk/index.js';
import type { PcscSystem } from '../../transports/index.js';
import type { JpkiDirectory } from '../shared/directory.js';
import { newId, type Random } from '../shared/ids.js';
import type { Holder } from './card-steps.js';
import { KioskError } from './errors.js';
import type { Ed25519Jwk } from './jws.js';
import { getIssuance, insertIssuance, listKeys } from './repository.js';
import { residenceDocument, signResidence, verifyResidence, type ResidenceSigner } from './residence.js';

/** A certificate of residence the kiosk issued. */
export interface Residence {
  readonly issuanceId: string;
  readonly document: Record<string, unknown>;
  /** The compact JWS (EdDSA) over the canonical document: what the resident takes away. */
  readonly jws: string;
  readonly kid: string;
  readonly issuedAt: Date;
}

export interface IssueContext {
  readonly db: Database;
  readonly directory: JpkiDirectory;
  readonly signer: ResidenceSigner;
  readonly kioskId: string;
  readonly municipality: string;
  readonly clock: () => Date;
  readonly random: Random;
}

/**
 * The last step of a transaction, once the SDK accepted the login: the resident as the certification
 * service registered them (the certificate's person), the certificate of residence signed and kept,
 * with an audit entry (ids and serial only, no personal data).
 */
export async function issueResidence(ctx: IssueContext, holder: Holder, login: LoginVerification): Promise<Residence> {
  const serial = login.certificate.serialNumber;
  const record = await ctx.directory.certificate(serial);
  const person = await ctx.directory.person(record.personId);
  const now = ctx.clock();
  const issuanceId = newId(ctx.random);
  const document = residenceDocument({
    id: issuanceId,
    municipality: ctx.municipality,
    kioskId: ctx.kioskId,
    issuedAt: now,
    person,
    holder,
    certificateSerial: serial,
    issuerKeyId: login.issuer.keyIdentifier,
    ...(login.status.thisUpdate ? { statusAt: login.status.thisUpdate } : {}),
  });
  const jws = signResidence(document, ctx.signer);
  await ctx.db.transaction(async (tx) => {
    await insertIssuance(tx, { id: issuanceId, kiosk_id: ctx.kioskId, kid: ctx.signer.kid, holder, certificate_serial: serial, person_id: person.personId, document: jws, issued_at: toDbTimestamp(now) });
    await appendAudit(tx, { at: now, actor: `kiosk:${ctx.kioskId}`, action: 'kiosk-certificate-of-residence', subject: issuanceId, payload: { holder, certificateSerial: serial } });
  });
  return { issuanceId, document, jws, kid: ctx.signer.kid, issuedAt: now };
}

/** A certificate of residence issued earlier, its signature checked again (`ERR_KIOSK_ISSUANCE_UNKNOWN`). */
export async function readIssuance(db: Database, id: string): Promise<Residence & { readonly holder: Holder }> {
  const row = await getIssuance(db, id);
  const keys = new Map((await listKeys(db)).map((k) => [k.kid, JSON.parse(k.public_jwk) as Ed25519Jwk]));
  const document = row ? verifyResidence(row.document, keys) : undefined;
  if (!row || document === undefined) throw new KioskError('ERR_KIOSK_ISSUANCE_UNKNOWN', 'no such certificate of residence');
  return { issuanceId: row.id, document: document as Record<string, unknown>, jws: row.document, kid: row.kid, issuedAt: fromDbTimestamp(row.issued_at), holder: row.holder };
}

/** Every kiosk's published key as a JWK set (RFC 7517 5). */
export async function publishedKeys(db: Database): Promise<{ keys: (Ed25519Jwk & { kid: string; use: 'sig'; alg: 'EdDSA' })[] }> {
  return { keys: (await listKeys(db)).map((k) => ({ ...(JSON.parse(k.public_jwk) as Ed25519Jwk), kid: k.kid, use: 'sig' as const, alg: 'EdDSA' as const })) };
}

/** The PC/SC readers and whether a card or phone is on each. */
export async function listReaderNames(openSystem: () => Promise<PcscSystem>): Promise<{ name: string; cardPresent: boolean }[]> {
  let system: PcscSystem;
  try {
    system = await openSystem();
  } catch (err) {
    throw new KioskError('ERR_KIOSK_PCSC_UNAVAILABLE', 'the PC/SC service (pcscd) is not available', { cause: err });
  }
  try {
    return (await system.listReaders()).map((r) => ({ name: r.name, cardPresent: r.cardPresent }));
  } catch (err) {
    throw new KioskError('ERR_KIOSK_PCSC_UNAVAILABLE', 'the PC/SC service failed', { cause: err });
  } finally {
    system.close();
  }
}
