import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import {
  IdCard,
  issueCard,
  type CardCertificateRequest,
  type CardCertificates,
  type IdCardOptions,
  type IdCardState,
  type ScryptCost,
} from '../../../src/devices/id-card/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import {
  DEFAULT_CA_NAMING,
  cardCertificateValidity,
  endEntitySubject,
  issueCertificate,
  issuerAltNameDn,
  issuerRef,
  randomSerial,
  selfSignedCa,
  type BasicFour,
} from '../../../src/pki/x509/index.js';

/**
 * Fixtures of the card tests (this file has no test of its own; node --test runs it and finds none).
 * A small in-memory CA that issues real JPKI-profile certificates (linted by src/pki), and one card
 * issued with it per process: RSA key generation is the slow part, so tests copy its state.
 */

export const PIN = '1234';
export const PASSWORD = 'ABC123';
export const PERSON: BasicFour = { name: '山田\u3000花子', address: '東京都千代田区永田町1-7-1', birthDate: '1990-01-02', sex: 2 };
export const CARD_EXPIRY = '2035-12-31';
/** A cheap scrypt cost for tests (the default costs ~50 ms per VERIFY). */
export const TEST_KDF: ScryptCost = { N: 1024, r: 8, p: 1 };

const URLS = { cps: 'http://ca.jpki-mobile.test/cps', crl: 'http://ca.jpki-mobile.test/crl/sign.crl', ocsp: 'http://ca.jpki-mobile.test/ocsp' };

export interface TestCa {
  readonly signCa: Uint8Array;
  readonly authCa: Uint8Array;
  /** Every request the CA received. */
  readonly requests: CardCertificateRequest[];
  issue(request: CardCertificateRequest): Promise<CardCertificates>;
}

let signers: { sign: Signer; auth: Signer } | undefined;

export function testCa(): TestCa {
  signers ??= {
    sign: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    auth: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  };
  const s = signers;
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const caIssued = new Date(Date.now() - 86_400_000);
  const signCa = selfSignedCa({ hierarchy: 'sign', signer: s.sign, serialNumber: randomSerial(random), issuedAt: caIssued });
  const authCa = selfSignedCa({ hierarchy: 'auth', signer: s.auth, serialNumber: randomSerial(random), issuedAt: caIssued });
  const requests: CardCertificateRequest[] = [];
  const endEntity = (hierarchy: 'sign' | 'auth', req: CardCertificateRequest): Uint8Array => {
    const ca = hierarchy === 'sign' ? signCa : authCa;
    const ref = issuerRef(ca);
    const validity = cardCertificateValidity({ issuedAt: new Date(), birthDate: req.person.birthDate, cardExpiry: req.cardExpiry });
    return issueCertificate({
      profile: hierarchy === 'sign' ? 'card-sign' : 'card-auth',
      signer: hierarchy === 'sign' ? s.sign : s.auth,
      lintContext: { mode: 'test', issuer: ref, naming: DEFAULT_CA_NAMING, urls: URLS, holder: { birthDate: req.person.birthDate, cardExpiry: req.cardExpiry } },
      tbsParams: {
        serialNumber: randomSerial(random),
        issuer: ref.subject,
        subject: endEntitySubject(hierarchy, toHex(random(10)), req.person.address),
        ...validity,
        subjectPublicKeyInfo: hierarchy === 'sign' ? req.signPublicKey : req.authPublicKey,
        authorityKeyIdentifier: ref.keyIdentifier,
        mode: 'test',
        ...(hierarchy === 'sign' ? { basicFour: req.person } : {}),
        issuerAltName: issuerAltNameDn(DEFAULT_CA_NAMING),
        cpsUri: URLS.cps,
        crlUri: URLS.crl,
        ocspUri: URLS.ocsp,
      },
    });
  };
  return {
    signCa,
    authCa,
    requests,
    async issue(req) {
      requests.push(req);
      return {
        personId: req.personId ?? `person-${toHex(random(4))}`,
        cardId: `card-${toHex(random(4))}`,
        signCertificate: endEntity('sign', req),
        authCertificate: endEntity('auth', req),
        signCaCertificate: signCa,
        authCaCertificate: authCa,
      };
    },
  };
}

let issued: Promise<IdCardState> | undefined;

/** One card per process, issued by `testCa()` with PIN 1234 and password ABC123 (a deep copy each call). */
export async function issuedState(): Promise<IdCardState> {
  issued ??= issueCard({ person: PERSON, cardExpiry: CARD_EXPIRY, pin: PIN, password: PASSWORD }, (r) => testCa().issue(r), { kdf: TEST_KDF });
  return structuredClone(await issued);
}

/** A powered card over a memory store holding a copy of the issued card. */
export async function poweredCard(options: IdCardOptions & { state?: IdCardState } = {}): Promise<{ card: IdCard; store: MemoryCardStore<IdCardState> }> {
  const state = options.state ?? (await issuedState());
  const store = new MemoryCardStore<IdCardState>(state);
  const card = new IdCard(state, store, options);
  await card.powerOn();
  return { card, store };
}

/** Sends hex, returns the response as uppercase hex. */
export async function send(card: { transmit(b: Uint8Array): Promise<Uint8Array> }, apdu: string): Promise<string> {
  return toHex(await card.transmit(fromHex(apdu)));
}

/** The status word of a response in hex. */
export function swOf(response: string): string {
  return response.slice(-4);
}

/** The data of a response (everything but the status word). */
export function dataOf(response: string): Uint8Array {
  return fromHex(response.slice(0, -4));
}

export const SELECT_AP = '00A4040C0AD392F000260100000001';
export const selectEf = (fid: string) => `00A4020C02${fid}`;
/** ASCII of a PIN or password as VERIFY carries it: `verify('1234')` = `00 20 00 80 04 31 32 33 34`. */
export function verifyApdu(value: string): string {
  const bytes = new TextEncoder().encode(value);
  return `00200080${toHex(Uint8Array.of(bytes.length))}${toHex(bytes)}`;
}
export function changeApdu(value: string): string {
  const bytes = new TextEncoder().encode(value);
  return `00240180${toHex(Uint8Array.of(bytes.length))}${toHex(bytes)}`;
}
/** SHA-256 DigestInfo prefix (jpki-ap.md 1.2). */
export const SHA256_DIGEST_INFO_PREFIX = '3031300D060960864801650304020105000420';

/** PEM of a DER certificate. */
export function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}
