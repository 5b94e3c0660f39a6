import { createHash, createPrivateKey, generateKeyPair, randomBytes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { toHex } from '../../bytes/index.js';
import { keyObjectSigner, type Signer } from '../../pki/signer.js';
import {
  caNaming,
  issueCertificate,
  issuerRef,
  ocspResponderSubject,
  ocspResponderValidity,
  parseCertificate,
  randomSerial,
  selfSignedCa,
  type CaNaming,
  type IssuerRef,
  type ParsedCertificate,
} from '../../pki/x509/index.js';
import { appendAudit, type Database, type Queryable } from '../../store/index.js';
import { JpkiServiceError } from './errors.js';
import { insertGeneration, listGenerations, retireGenerations, updateResponder, type GenerationRow, type Hierarchy } from './repository.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const HIERARCHIES: readonly Hierarchy[] = ['sign', 'auth'];

/** One CA key generation, ready to sign: its certificate, its key and its delegated OCSP responder. */
export interface CaGeneration {
  readonly hierarchy: Hierarchy;
  readonly generation: number;
  readonly state: 'active' | 'retired';
  readonly certificate: Uint8Array;
  readonly parsed: ParsedCertificate;
  readonly issuer: IssuerRef;
  readonly signer: Signer;
  readonly responderCertificate: Uint8Array;
  readonly responderParsed: ParsedCertificate;
  readonly responderSigner: Signer;
  /** SHA-1 of the responder's public key: the byKey ResponderID (RFC 6960 4.2.2.3). */
  readonly responderKeyHash: Uint8Array;
}

async function newRsaKey(): Promise<KeyObject> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return privateKey;
}

/** PKCS#8, encrypted with the passphrase (PBES2, AES-256-CBC) before it reaches the database. */
function sealKey(key: KeyObject, passphrase: string): Uint8Array {
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase }));
}

function openKey(sealed: Uint8Array, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(sealed), format: 'der', type: 'pkcs8', passphrase });
  } catch (err) {
    throw new JpkiServiceError('ERR_JPKI_PASSPHRASE', 'the CA key passphrase does not open the CA keys', { cause: err });
  }
}

function keyHash(certificate: ParsedCertificate): Uint8Array {
  // RFC 6960 4.2.2.3: SHA-1 of the BIT STRING value of subjectPublicKey (without tag, length, unused bits).
  const spki = certificate.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey;
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki)).digest());
}

export interface AuthorityOptions {
  readonly passphrase: string;
  readonly naming?: CaNaming;
  readonly random?: (n: number) => Uint8Array;
}

function responderCertificate(ca: { certificate: Uint8Array; hierarchy: Hierarchy; signer: Signer }, responderSpki: Uint8Array, naming: CaNaming, now: Date, random: (n: number) => Uint8Array): Uint8Array {
  const issuer = issuerRef(ca.certificate);
  const { notBefore, notAfter } = ocspResponderValidity({ issuedAt: now, caNotAfter: issuer.notAfter });
  return issueCertificate({
    profile: 'ocsp-responder',
    signer: ca.signer,
    lintContext: { issuer, naming },
    tbsParams: {
      serialNumber: randomSerial(random),
      issuer: issuer.subject,
      subject: ocspResponderSubject(naming, ca.hierarchy),
      notBefore,
      notAfter,
      subjectPublicKeyInfo: responderSpki,
      authorityKeyIdentifier: issuer.keyIdentifier,
    },
  });
}

/**
 * The CA key generations of both hierarchies. A new generation is introduced with `rotate`; older ones
 * become `retired`: they issue nothing new, but what they issued stays verifiable, and their CRL and
 * OCSP stay answered. Keys are stored encrypted in the database, opened with the passphrase.
 */
export class Authority {
  readonly #generations: CaGeneration[];

  private constructor(generations: CaGeneration[]) {
    this.#generations = generations;
  }

  static async load(db: Queryable, options: AuthorityOptions): Promise<Authority> {
    const rows = await listGenerations(db);
    if (rows.length === 0) throw new JpkiServiceError('ERR_JPKI_NOT_INITIALISED', "the certification service has no CA yet: run 'jpki-mobile init'");
    return new Authority(rows.map((r) => Authority.#open(r, options.passphrase)));
  }

  static #open(row: GenerationRow, passphrase: string): CaGeneration {
    const parsed = parseCertificate(row.certificate);
    const responderParsed = parseCertificate(row.responder_certificate);
    return {
      hierarchy: row.hierarchy,
      generation: Number(row.generation),
      state: row.state,
      certificate: row.certificate,
      parsed,
      issuer: issuerRef(row.certificate),
      signer: keyObjectSigner(openKey(row.private_key, passphrase)),
      responderCertificate: row.responder_certificate,
      responderParsed,
      responderSigner: keyObjectSigner(openKey(row.responder_key, passphrase)),
      responderKeyHash: keyHash(responderParsed),
    };
  }

  /**
   * Creates the first generation of each hierarchy that has none (idempotent). Keys are generated
   * before the transaction; the rows and their audit entries are written in one.
   */
  static async initialise(db: Database, now: Date, options: AuthorityOptions): Promise<{ created: string[] }> {
    const existing = await listGenerations(db);
    const missing = HIERARCHIES.filter((h) => !existing.some((g) => g.hierarchy === h));
    const created: string[] = [];
    for (const hierarchy of missing) created.push(await Authority.#createGeneration(db, hierarchy, 1, now, options));
    return { created };
  }

  /** Introduces a new key generation for a hierarchy; the previous active one retires. */
  static async rotate(db: Database, hierarchy: Hierarchy, now: Date, options: AuthorityOptions): Promise<string> {
    const existing = (await listGenerations(db)).filter((g) => g.hierarchy === hierarchy);
    const next = Math.max(0, ...existing.map((g) => Number(g.generation))) + 1;
    return Authority.#createGeneration(db, hierarchy, next, now, options);
  }

  static async #createGeneration(db: Database, hierarchy: Hierarchy, generation: number, now: Date, options: AuthorityOptions): Promise<string> {
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    const naming = options.naming ?? caNaming();
    const [caKey, responderKey] = await Promise.all([newRsaKey(), newRsaKey()]);
    const signer = keyObjectSigner(caKey);
    const certificate = selfSignedCa({ hierarchy, signer, serialNumber: randomSerial(random), issuedAt: now, naming });
    const responder = responderCertificate({ certificate, hierarchy, signer }, keyObjectSigner(responderKey).publicKeySpki, naming, now, random);
    const label = `${hierarchy}/${generation}`;
    await db.transaction(async (tx) => {
      await retireGenerations(tx, hierarchy);
      await insertGeneration(tx, {
        hierarchy,
        generation,
        certificate,
        private_key: sealKey(caKey, options.passphrase),
        responder_certificate: responder,
        responder_key: sealKey(responderKey, options.passphrase),
        state: 'active',
        crl_number: 0,
        created_at: now.toISOString(),
      });
      await appendAudit(tx, {
        at: now,
        actor: 'system:init',
        action: 'ca-generation-created',
        subject: label,
        payload: { hierarchy, generation, serial: parseCertificate(certificate).serialNumberHex, responderSerial: parseCertificate(responder).serialNumberHex },
      });
    });
    return label;
  }

  /**
   * Renews delegated OCSP responder certificates that expire within `marginDays` (RFC 6960 4.2.2.2.1:
   * an id-pkix-ocsp-nocheck responder certificate should be short-lived). Returns the renewed labels.
   */
  static async renewResponders(db: Database, now: Date, options: AuthorityOptions & { marginDays?: number }): Promise<string[]> {
    const authority = await Authority.load(db, options);
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    const naming = options.naming ?? caNaming();
    const margin = (options.marginDays ?? 30) * 86_400_000;
    const renewed: string[] = [];
    for (const g of authority.all()) {
      if (g.responderParsed.notAfter.getTime() - now.getTime() > margin || g.parsed.notAfter <= now) continue;
      const key = await newRsaKey();
      const cert = responderCertificate(g, keyObjectSigner(key).publicKeySpki, naming, now, random);
      await db.transaction(async (tx) => {
        await updateResponder(tx, g.hierarchy, g.generation, cert, sealKey(key, options.passphrase));
        await appendAudit(tx, { at: now, actor: 'system:responder-renewal', action: 'ocsp-responder-renewed', subject: `${g.hierarchy}/${g.generation}`, payload: { serial: parseCertificate(cert).serialNumberHex } });
      });
      renewed.push(`${g.hierarchy}/${g.generation}`);
    }
    return renewed;
  }

  /**
   * Reads the generations again (another process ran `ca rotate`, or renewed a responder certificate):
   * new generations and changed ones are opened, unchanged ones kept, in place, so every part of the
   * service holding this authority sees them at once.
   */
  async reload(db: Queryable, options: AuthorityOptions): Promise<void> {
    const rows = await listGenerations(db);
    const next = rows.map((r) => {
      const known = this.#generations.find((g) => g.hierarchy === r.hierarchy && g.generation === Number(r.generation));
      const same = known && known.state === r.state && toHex(known.responderCertificate) === toHex(r.responder_certificate);
      return same ? known : Authority.#open(r, options.passphrase);
    });
    this.#generations.splice(0, this.#generations.length, ...next);
  }

  all(): readonly CaGeneration[] {
    return this.#generations;
  }

  /** The generation that issues new certificates of a hierarchy. */
  active(hierarchy: Hierarchy): CaGeneration {
    const g = this.#generations.find((x) => x.hierarchy === hierarchy && x.state === 'active');
    if (!g) throw new JpkiServiceError('ERR_JPKI_NOT_INITIALISED', `no active ${hierarchy} CA`);
    return g;
  }

  get(hierarchy: Hierarchy, generation: number): CaGeneration {
    const g = this.#generations.find((x) => x.hierarchy === hierarchy && x.generation === generation);
    if (!g) throw new JpkiServiceError('ERR_JPKI_UNKNOWN_GENERATION', `no ${hierarchy} CA generation ${generation}`);
    return g;
  }

  /** The generation whose subject and key identifier match a certificate's issuer and AKI, if any. */
  issuerOf(certificate: ParsedCertificate): CaGeneration | undefined {
    return this.#generations.find((g) => toHex(g.parsed.subject) === toHex(certificate.issuer) && verifiesWith(certificate, g));
  }
}

function verifiesWith(certificate: ParsedCertificate, g: CaGeneration): boolean {
  try {
    return cryptoVerify('sha256', certificate.tbsDer, { key: Buffer.from(g.parsed.subjectPublicKeyInfo), format: 'der', type: 'spki' }, certificate.signatureValue);
  } catch {
    return false;
  }
}
