/**
 * A certification-service home for the benchmarks, made by `jpki-mobile init` itself, plus what the
 * openssl peers need from it: the CA's and OCSP responder's certificates and keys as PEM (the keys are
 * stored encrypted PKCS#8 in the database, opened here with the home's passphrase), certificates
 * issued straight from the CA key, and openssl `ca` database lines for the same certificates.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCommand } from '../../src/cli/commands/jpki.js';
import { PASSPHRASE_ENV } from '../../src/cli/runtime/jpki-system.js';
import { reasonName } from '../../src/pki/revocation/index.js';
import {
  cardCertificateValidity,
  caNaming,
  endEntitySubject,
  issueCertificate,
  issuerAltNameDn,
  type IsoDate,
} from '../../src/pki/x509/index.js';
import { databaseConfig, loadConfig, readSecret, type HomeConfig } from '../../src/services/home/index.js';
import { Authority, type CaGeneration } from '../../src/services/jpki/authority.js';
import { publicationUrls } from '../../src/services/jpki/context.js';
import type { GenerationRow, Hierarchy } from '../../src/services/jpki/repository.js';
import { openDatabase, type Database } from '../../src/store/index.js';

export interface BenchHome {
  readonly home: string;
  readonly config: HomeConfig;
  readonly passphrase: string;
  /** Absolute path of the SQLite database file. */
  readonly dbPath: string;
}

/** `jpki-mobile init --home DIR --policy-mode test`: config, SQLite database, both CAs, admin token. */
export async function initHome(home: string): Promise<BenchHome> {
  let out = '';
  const code = await initCommand.run(['--home', home, '--port', '8420', '--policy-mode', 'test'], { out: (t) => void (out += t), err: (t) => void (out += t) });
  if (code !== 0) throw new Error(`jpki-mobile init failed (${code}): ${out}`);
  const config = loadConfig(home);
  const db = databaseConfig(home, config);
  if (db.kind !== 'sqlite') throw new Error('the benchmarks run on SQLite (unset JPKI_MOBILE_DATABASE_URL)');
  return { home, config, passphrase: readSecret(home, 'ca-passphrase', PASSPHRASE_ENV), dbPath: db.path };
}

export async function openHomeDatabase(h: BenchHome): Promise<Database> {
  return openDatabase(databaseConfig(h.home, h.config));
}

export function pem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

export interface ExportedCa {
  readonly ca: string;
  readonly caKey: string;
  readonly responder: string;
  readonly responderKey: string;
}

/** Writes ca.pem, ca.key, responder.pem, responder.key of one CA generation (keys unencrypted PKCS#8). */
export async function exportCa(db: Database, passphrase: string, hierarchy: Hierarchy, generation: number, dir: string): Promise<ExportedCa> {
  const rows = await db.query<GenerationRow>('SELECT * FROM ca_generations WHERE hierarchy = $1 AND generation = $2', [hierarchy, generation]);
  const g = rows[0];
  if (!g) throw new Error(`no CA generation ${hierarchy}/${generation}`);
  const open = (sealed: Uint8Array) => createPrivateKey({ key: Buffer.from(sealed), format: 'der', type: 'pkcs8', passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
  const files = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca.key'), responder: join(dir, 'responder.pem'), responderKey: join(dir, 'responder.key') };
  writeFileSync(files.ca, pem('CERTIFICATE', g.certificate));
  writeFileSync(files.caKey, open(g.private_key), { mode: 0o600 });
  writeFileSync(files.responder, pem('CERTIFICATE', g.responder_certificate));
  writeFileSync(files.responderKey, open(g.responder_key), { mode: 0o600 });
  return files;
}

export async function loadAuthority(db: Database, passphrase: string): Promise<Authority> {
  return Authority.load(db, { passphrase });
}

/** One RSA-2048 public key (DER SPKI) shared by the bench certificates: the key is not what is measured. */
export function benchSpki(): Uint8Array {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

export const BENCH_BIRTH_DATE = '1990-01-02' as IsoDate;
export const BENCH_CARD_EXPIRY = '2035-12-31' as IsoDate;

/**
 * A card user-authentication certificate signed by the real CA generation `g` (the profile's lint
 * included), as card issuance builds it, without the database: fast set-up of many certificates.
 */
export function cardAuthCertificate(g: CaGeneration, config: HomeConfig, spki: Uint8Array, serial: Uint8Array, issuedAt: Date, issuanceId: string): Uint8Array {
  const naming = caNaming();
  const urls = publicationUrls(config.publicBaseUrl, g.hierarchy, g.generation);
  const mode = config.jpki.policyMode;
  const { notBefore, notAfter } = cardCertificateValidity({ issuedAt, birthDate: BENCH_BIRTH_DATE, cardExpiry: BENCH_CARD_EXPIRY });
  return issueCertificate({
    profile: 'card-auth',
    signer: g.signer,
    lintContext: { mode, issuer: g.issuer, naming, urls, holder: { birthDate: BENCH_BIRTH_DATE, cardExpiry: BENCH_CARD_EXPIRY } },
    tbsParams: {
      serialNumber: serial,
      issuer: g.issuer.subject,
      subject: endEntitySubject('auth', issuanceId),
      notBefore,
      notAfter,
      subjectPublicKeyInfo: spki,
      authorityKeyIdentifier: g.issuer.keyIdentifier,
      mode,
      issuerAltName: issuerAltNameDn(naming),
      cpsUri: urls.cps,
      crlUri: urls.crl,
      ocspUri: urls.ocsp,
    },
  });
}

/** openssl's index.txt time form: UTCTime YYMMDDHHMMSSZ. */
export function indexTime(d: Date): string {
  const iso = d.toISOString(); // 2025-01-02T03:04:05.678Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}

/**
 * One line of an openssl `ca` database (index.txt): status, expiry, revocation (time,reason[,hold
 * instruction]), serial (BN_bn2hex form: upper case, no leading zero octet), file, subject.
 */
export function indexLine(e: { serialHex: string; notAfter: Date; revokedAt?: Date; reason?: number; subject: string }): string {
  const serial = e.serialHex.replace(/^(00)+(?=..)/, '');
  if (e.revokedAt === undefined) return `V\t${indexTime(e.notAfter)}\t\t${serial}\tunknown\t${e.subject}\n`;
  const reason = e.reason === undefined || e.reason === 0 ? '' : `,${reasonName(e.reason)}${e.reason === 6 ? ',holdInstructionReject' : ''}`;
  return `R\t${indexTime(e.notAfter)}\t${indexTime(e.revokedAt)}${reason}\t${serial}\tunknown\t${e.subject}\n`;
}

/** A deterministic PRNG (xorshift32), so that runs are comparable. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}
