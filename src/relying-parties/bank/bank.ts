import { RelyingParty, type RelyingPartyMode, type StatusOptions } from '../../sdk/index.js';
import { appendAudit, fromDbTimestamp, toDbTimestamp, type Database } from '../../store/index.js';
import { sdkAnchors, type TrustAnchors } from '../shared/anchors.js';
import { completeSignature, signingRequest } from '../shared/detached-signing.js';
import { decodeDocument, encodeDocument } from '../shared/documents.js';
import { defaultRandom, newId, type Random } from '../shared/ids.js';
import { BankError } from './errors.js';
import { accountNumberTaken, getAccount, getOpening, insertAccount, insertOpening, useOpening, type AccountRow } from './repository.js';

/** The `type` member of the account-opening document. */
export const ACCOUNT_OPENING_TYPE = 'jpki-mobile/bank-account-opening/v1';

/**
 * The terms the applicant signs (an emulated bank's; the identity check is what the Act on Prevention
 * of Transfer of Criminal Proceeds, art. 4 and its ordinance art. 6(1)(i)(ワ), accepts as online
 * verification with a JPKI signature certificate).
 */
export const TERMS: readonly string[] = [
  'I apply to open an ordinary deposit account in my own name.',
  'I consent to the bank verifying my identity with my JPKI signature certificate: its name, address, date of birth and sex, and its revocation status.',
  'I confirm that the account will not be used for anyone else or transferred to anyone else.',
  'This is an emulated bank of jpki-mobile: no account exists and no money moves.',
];

export interface BankOptions {
  readonly db: Database;
  readonly trustAnchors: TrustAnchors;
  /** Shown in the terms (default `jpki-mobile Bank`), with its 4-digit bank code (default `9990`). */
  readonly name?: string;
  readonly bankCode?: string;
  /** The 3-digit branch that holds online accounts (default `001`). */
  readonly branchCode?: string;
  readonly mode?: RelyingPartyMode;
  readonly status?: StatusOptions;
  /** How long signed terms may be brought back (default 15 minutes). */
  readonly openingTtlMs?: number;
  readonly clock?: () => Date;
  readonly random?: Random;
}

/**
 * A private relying party (flow 4, "opening a bank account"): the applicant signs the bank's terms
 * with the signature certificate of a card or a phone; the bank completes and verifies the CMS
 * SignedData (signature kinds only, path, OCSP status: revoked and suspended are refused), reads the
 * basic four information from the certificate, and opens an account. It has no access to the
 * certification service's person records: what it knows is what the certificate says.
 */
export class Bank {
  readonly rp: RelyingParty;
  readonly name: string;
  readonly bankCode: string;
  readonly branchCode: string;
  readonly #db: Database;
  readonly #standIn: Uint8Array;
  readonly #clock: () => Date;
  readonly #random: Random;
  readonly #ttlMs: number;

  constructor(options: BankOptions) {
    this.#db = options.db;
    this.name = options.name ?? 'jpki-mobile Bank';
    this.bankCode = options.bankCode ?? '9990';
    this.branchCode = options.branchCode ?? '001';
    if (!/^[0-9]{4}$/.test(this.bankCode) || !/^[0-9]{3}$/.test(this.branchCode)) throw new TypeError('bankCode is 4 digits, branchCode 3');
    const standIn = options.trustAnchors.sign[0];
    if (standIn === undefined) throw new TypeError('the bank needs at least one signature CA anchor');
    this.#standIn = standIn;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? defaultRandom;
    this.#ttlMs = options.openingTtlMs ?? 15 * 60_000;
    this.rp = new RelyingParty({
      trustAnchors: sdkAnchors(options.trustAnchors),
      ...(options.mode ? { mode: options.mode } : {}),
      signing: { accept: ['card-sign', 'phone-sign'] },
      ...(options.status ? { status: options.status } : {}),
      clock: this.#clock,
      random: this.#random,
    });
  }

  /** The terms as a document to sign, and the DigestInfo the card or phone signs (after the password). */
  async startOpening() {
    const now = this.#clock();
    const openingId = newId(this.#random);
    const document = {
      type: ACCOUNT_OPENING_TYPE,
      bank: { name: this.name, code: this.bankCode, branch: this.branchCode },
      openingId,
      product: 'ordinary-deposit',
      terms: [...TERMS],
      createdAt: now.toISOString(),
    };
    const content = encodeDocument(document);
    const request = signingRequest(content, now, this.#standIn);
    const expiresAt = new Date(now.getTime() + this.#ttlMs);
    await insertOpening(this.#db, { id: openingId, content, signing_time: toDbTimestamp(now), digest_info: request.digestInfo, created_at: toDbTimestamp(now), expires_at: toDbTimestamp(expiresAt) });
    return { openingId, document, content, contentType: 'application/json', signingTime: now, digestInfo: request.digestInfo, expiresAt };
  }

  /**
   * Opens the account: the opening must be unused and unexpired; the signature must verify with the
   * certificate over the terms; the certificate must be a good card-sign or phone-sign certificate.
   * SDK refusals are `RelyingPartyError`s (`ERR_RP_CERT_REVOKED`, `ERR_RP_CERT_SUSPENDED`, …).
   */
  async openAccount(input: { openingId: string; signature: Uint8Array; certificate: Uint8Array }) {
    const opening = await getOpening(this.#db, input.openingId);
    if (!opening) throw new BankError('ERR_BANK_OPENING_UNKNOWN', 'no such account opening');
    if (opening.used_at !== null) throw new BankError('ERR_BANK_OPENING_USED', 'these terms were signed and used already');
    const now = this.#clock();
    if (fromDbTimestamp(opening.expires_at).getTime() <= now.getTime()) throw new BankError('ERR_BANK_OPENING_EXPIRED', 'the opening expired: start again');
    const request = { signingTime: fromDbTimestamp(opening.signing_time), digestInfo: opening.digest_info };
    const cms = completeSignature({ content: opening.content, request, certificate: input.certificate, signature: input.signature });
    const v = await this.rp.verifySignedDocument({ content: opening.content, cms });
    const b4 = v.basicFour;
    const row = await this.#db.transaction(async (tx) => {
      if (!(await useOpening(tx, opening.id, toDbTimestamp(now)))) throw new BankError('ERR_BANK_OPENING_USED', 'these terms were signed and used already');
      // 7 random digits, drawn again on the (rare) collision with an existing number.
      let number: string;
      do number = this.#accountNumber();
      while (await accountNumberTaken(tx, this.branchCode, number));
      const account: AccountRow = {
        id: newId(this.#random),
        branch_code: this.branchCode,
        account_number: number,
        opening_id: opening.id,
        holder_name: b4.name,
        holder_address: b4.address,
        holder_birth_date: b4.birthDate,
        holder_sex: b4.sex,
        name_substitute_map: b4.nameSubstituteMap ?? null,
        address_substitute_map: b4.addressSubstituteMap ?? null,
        signer_kind: v.kind,
        signer_serial: v.certificate.serialNumber,
        signer_issuer: v.issuer.keyIdentifier,
        cms,
        opened_at: toDbTimestamp(now),
      };
      await insertAccount(tx, account);
      await appendAudit(tx, { at: now, actor: 'bank', action: 'bank-account-opened', subject: account.id, payload: { signerKind: v.kind, signerSerial: v.certificate.serialNumber } });
      return account;
    });
    return { ...this.#view(row, opening.content), status: { source: v.status.source, thisUpdate: v.status.thisUpdate } };
  }

  /** An account by id (`ERR_BANK_ACCOUNT_UNKNOWN`), with the signed terms and their CMS SignedData. */
  async account(id: string) {
    const row = await getAccount(this.#db, id);
    if (!row) throw new BankError('ERR_BANK_ACCOUNT_UNKNOWN', 'no such account');
    const opening = await getOpening(this.#db, row.opening_id);
    return { ...this.#view(row, opening!.content), terms: opening!.content, cms: row.cms };
  }

  #view(a: AccountRow, terms: Uint8Array) {
    return {
      accountId: a.id,
      bank: { name: this.name, code: this.bankCode },
      branchCode: a.branch_code,
      accountNumber: a.account_number,
      holder: {
        name: a.holder_name,
        address: a.holder_address,
        birthDate: a.holder_birth_date,
        sex: Number(a.holder_sex),
        ...(a.name_substitute_map !== null ? { nameSubstituteMap: a.name_substitute_map } : {}),
        ...(a.address_substitute_map !== null ? { addressSubstituteMap: a.address_substitute_map } : {}),
      },
      verifiedBy: { kind: a.signer_kind, certificateSerial: a.signer_serial, issuerKeyId: a.signer_issuer },
      openedAt: fromDbTimestamp(a.opened_at),
      openingDocument: decodeDocument(terms),
    };
  }

  #accountNumber(): string {
    const r = this.#random(4);
    const n = (((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0) % 10_000_000;
    return String(n).padStart(7, '0');
  }
}
