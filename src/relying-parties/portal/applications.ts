import type { RelyingParty } from '../../sdk/index.js';
import { appendAudit, fromDbTimestamp, toDbTimestamp, type Database } from '../../store/index.js';
import { completeSignature, signingRequest } from '../shared/detached-signing.js';
import type { JpkiDirectory } from '../shared/directory.js';
import { decodeDocument, encodeDocument } from '../shared/documents.js';
import { newId, type Random } from '../shared/ids.js';
import { PortalError } from './errors.js';
import { fillForm, formById, FORMS } from './forms.js';
import type { PortalSession } from './portal.js';
import { applicationsOf, getApplication, getDraft, insertApplication, insertDraft, useDraft, PORTAL_PARTY, type ApplicationRow } from './repository.js';

/** The `type` member of an application document. */
export const APPLICATION_TYPE = 'jpki-mobile/portal-application/v1';

/** The media type of an application document, and of its detached signature (RFC 5751 3.2.1). */
export const APPLICATION_MEDIA_TYPE = 'application/json';
export const SIGNATURE_MEDIA_TYPE = 'application/pkcs7-signature';

export interface PortalApplicationsOptions {
  readonly db: Database;
  readonly rp: RelyingParty;
  readonly rpId: string;
  /** A signature CA certificate: the stand-in of `shared/detached-signing.ts`. */
  readonly standIn: Uint8Array;
  readonly directory?: JpkiDirectory;
  readonly draftTtlMs: number;
  readonly clock: () => Date;
  readonly random: Random;
}

function applicationView(a: ApplicationRow) {
  const form = FORMS.find((f) => f.id === a.form_id);
  return {
    applicationId: a.id,
    formId: a.form_id,
    formTitle: form?.title ?? a.form_id,
    receivedAt: fromDbTimestamp(a.received_at),
    signingTime: a.signing_time === null ? null : fromDbTimestamp(a.signing_time),
    applicant: { name: a.applicant_name, address: a.applicant_address, birthDate: a.applicant_birth_date, sex: Number(a.applicant_sex) },
    signer: { kind: a.signer_kind, serial: a.signer_serial, issuerKeyId: a.signer_issuer },
  };
}

/**
 * Applications signed with the signature certificate: a draft (the filled form as a canonical JSON
 * document, and the DigestInfo the card or phone signs), then the submission (signature and
 * certificate), which the portal completes as a detached CMS SignedData, verifies with the SDK, and
 * keeps with the document byte for byte.
 */
export class PortalApplications {
  readonly #o: PortalApplicationsOptions;

  constructor(options: PortalApplicationsOptions) {
    this.#o = options;
  }

  /** The document of a filled form, kept as a draft for `draftTtlMs`, and what to sign for it. */
  async createDraft(session: PortalSession, input: { formId: string; fields: unknown }) {
    const form = formById(input.formId);
    const fields = fillForm(form, input.fields);
    const now = this.#o.clock();
    const draftId = newId(this.#o.random);
    const document = {
      type: APPLICATION_TYPE,
      portal: this.#o.rpId,
      draftId,
      form: { id: form.id, version: form.version, title: form.titleJa },
      fields,
      createdAt: now.toISOString(),
    };
    const content = encodeDocument(document);
    const request = signingRequest(content, now, this.#o.standIn);
    const expiresAt = new Date(now.getTime() + this.#o.draftTtlMs);
    await insertDraft(this.#o.db, {
      id: draftId,
      session_id: session.id,
      account: session.account,
      form_id: form.id,
      content,
      signing_time: toDbTimestamp(now),
      digest_info: request.digestInfo,
      created_at: toDbTimestamp(now),
      expires_at: toDbTimestamp(expiresAt),
    });
    return { draftId, formId: form.id, document, content, contentType: APPLICATION_MEDIA_TYPE, signingTime: now, digestInfo: request.digestInfo, expiresAt };
  }

  /**
   * Completes and verifies the signature over a draft, and files the application. The draft must be
   * this account's, unused and unexpired; the signature certificate card-sign or phone-sign, good;
   * with a directory, it must belong to the logged-in person (`ERR_PORTAL_SIGNER_MISMATCH`).
   */
  async submit(session: PortalSession, input: { draftId: string; signature: Uint8Array; certificate: Uint8Array }) {
    const draft = await getDraft(this.#o.db, input.draftId);
    if (!draft || draft.account !== session.account) throw new PortalError('ERR_PORTAL_DRAFT_UNKNOWN', 'no such draft');
    if (draft.used_at !== null) throw new PortalError('ERR_PORTAL_DRAFT_USED', 'this draft was submitted already');
    const now = this.#o.clock();
    if (fromDbTimestamp(draft.expires_at).getTime() <= now.getTime()) throw new PortalError('ERR_PORTAL_DRAFT_EXPIRED', 'the draft expired before it was signed: fill the form again');
    const signingTime = fromDbTimestamp(draft.signing_time);
    const cms = completeSignature({ content: draft.content, request: { signingTime, digestInfo: draft.digest_info }, certificate: input.certificate, signature: input.signature });
    const verified = await this.#o.rp.verifySignedDocument({ content: draft.content, cms });
    if (this.#o.directory && session.personId !== null) {
      const signer = await this.#o.directory.certificate(verified.certificate.serialNumber);
      if (signer.personId !== session.personId) throw new PortalError('ERR_PORTAL_SIGNER_MISMATCH', 'the application is signed by someone other than the person logged in');
    }
    const b4 = verified.basicFour;
    const row: ApplicationRow = {
      id: newId(this.#o.random),
      draft_id: draft.id,
      account: session.account,
      person_id: session.personId,
      form_id: draft.form_id,
      content: draft.content,
      cms,
      signer_kind: verified.kind,
      signer_serial: verified.certificate.serialNumber,
      signer_issuer: verified.issuer.keyIdentifier,
      applicant_name: b4.name,
      applicant_address: b4.address,
      applicant_birth_date: b4.birthDate,
      applicant_sex: b4.sex,
      signing_time: toDbTimestamp(signingTime),
      received_at: toDbTimestamp(now),
    };
    await this.#o.db.transaction(async (tx) => {
      if (!(await useDraft(tx, draft.id, toDbTimestamp(now)))) throw new PortalError('ERR_PORTAL_DRAFT_USED', 'this draft was submitted already');
      await insertApplication(tx, row);
      await appendAudit(tx, { at: now, actor: PORTAL_PARTY, action: 'portal-application', subject: row.id, payload: { formId: row.form_id, signerKind: row.signer_kind, signerSerial: row.signer_serial } });
    });
    return { ...applicationView(row), document: decodeDocument(row.content) };
  }

  /** The account's applications, newest first (at most 100). */
  async list(session: PortalSession) {
    return (await applicationsOf(this.#o.db, session.account, 100)).map(applicationView);
  }

  /** One application of the account, with its document and its CMS SignedData (`ERR_PORTAL_APPLICATION_UNKNOWN` otherwise). */
  async get(session: PortalSession, id: string) {
    const a = await getApplication(this.#o.db, id);
    if (!a || a.account !== session.account) throw new PortalError('ERR_PORTAL_APPLICATION_UNKNOWN', 'no such application');
    return { ...applicationView(a), document: decodeDocument(a.content), content: a.content, cms: a.cms };
  }
}
