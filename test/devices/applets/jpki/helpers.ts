import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  EF,
  generateKeyPairCommand,
  putCertificateCommand,
  setReferenceDataCommand,
  type JpkiAppletData,
  type PublicKeyResult,
} from '../../../../src/devices/applets/jpki/index.js';
import { CARD_EXPIRY, PASSWORD, PERSON, PIN, TEST_KDF, testCa } from '../../id-card/helpers.js';
import { TestElement } from './fixtures/test-element.js';
import { TestTsm } from './fixtures/test-tsm.js';

/*
 * Fixtures of the JPKI applet tests (no test of its own): an element personalised through the
 * management interface, once per process (RSA key generation in the applet is the slow part); tests
 * start from a copy of its saved document.
 */

export { PIN, PASSWORD, TEST_KDF };

/** The four certificates of a personalisation. */
export interface Certificates {
  readonly sign: Uint8Array;
  readonly auth: Uint8Array;
  readonly signCa: Uint8Array;
  readonly authCa: Uint8Array;
}

/** The applet's two public keys (SubjectPublicKeyInfo DER), generated inside it. */
export interface GeneratedKeys {
  readonly sign: Uint8Array;
  readonly auth: Uint8Array;
}

export interface Personalised {
  /** The element's saved document after personalisation. */
  readonly document: string;
  readonly certificates: Certificates;
}

/** A powered element with a fresh instance (SELECTABLE, no data), or one restarted from a saved document. */
export async function element(document?: string): Promise<TestElement> {
  const e = new TestElement({ kdf: TEST_KDF, ...(document ? { document } : {}) });
  await e.powerOn();
  return e;
}

/** A TSM with its secure channel open on an element. */
export async function tsm(e: TestElement): Promise<TestTsm> {
  const t = new TestTsm(e);
  await t.open();
  return t;
}

/** Generates both keys and returns their public keys (as the SP-TSM would send them to the CA). */
export async function generateBoth(t: TestTsm): Promise<GeneratedKeys> {
  const r = await t.manage([generateKeyPairCommand(EF.SIGN_KEY), generateKeyPairCommand(EF.AUTH_KEY)]);
  if (r.sws.some((s) => s !== 0x9000)) throw new Error(`generation failed: ${r.sws.map((s) => s.toString(16)).join(' ')}`);
  const [sign, auth] = r.results as PublicKeyResult[];
  return { sign: sign!.subjectPublicKeyInfo, auth: auth!.subjectPublicKeyInfo };
}

/** Certificates for the applet's keys from the id-card tests' in-memory CA (real JPKI-profile certificates, no running service). */
export async function testCaCertificates(keys: GeneratedKeys): Promise<Certificates> {
  const issued = await testCa().issue({ person: PERSON, cardExpiry: CARD_EXPIRY, signPublicKey: keys.sign, authPublicKey: keys.auth });
  return { sign: issued.signCertificate, auth: issued.authCertificate, signCa: issued.signCaCertificate, authCa: issued.authCaCertificate };
}

/** The rest of personalisation (the management commands of the second session): four certificates, PIN and password. */
export function writeCommands(c: Certificates, pin = PIN, password = PASSWORD): Uint8Array[] {
  return [
    putCertificateCommand(EF.SIGN_CERT, c.sign),
    putCertificateCommand(EF.SIGN_CA_CERT, c.signCa),
    putCertificateCommand(EF.AUTH_CERT, c.auth),
    putCertificateCommand(EF.AUTH_CA_CERT, c.authCa),
    setReferenceDataCommand(EF.AUTH_PIN, pin),
    setReferenceDataCommand(EF.SIGN_PASSWORD, password),
  ];
}

let cached: Promise<Personalised> | undefined;

/** One element personalised with certificates from the id-card tests' in-memory CA (testCaCertificates). */
export function personalised(): Promise<Personalised> {
  cached ??= (async () => {
    const e = await element();
    const t = await tsm(e);
    const certificates = await testCaCertificates(await generateBoth(t));
    const r = await t.manage(writeCommands(certificates));
    if (r.sws.some((s) => s !== 0x9000)) throw new Error(`personalisation failed: ${r.sws.map((s) => s.toString(16)).join(' ')}`);
    return { document: e.host.document, certificates };
  })();
  return cached;
}

/** The data part of a saved document. */
export function dataOf(document: string): JpkiAppletData {
  return (JSON.parse(document) as { data: JpkiAppletData }).data;
}

/**
 * Every form a private key could be found in, for searching a document: PKCS#8 DER in hex (both
 * cases) and base64, PKCS#1 DER, PEM body lines, and the private exponent and primes (JWK, base64url
 * and hex).
 */
export function keyMaterial(pkcs8Hex: string): string[] {
  const key: KeyObject = createPrivateKey({ key: Buffer.from(fromHex(pkcs8Hex)), format: 'der', type: 'pkcs8' });
  const der = Buffer.from(fromHex(pkcs8Hex));
  const pkcs1 = key.export({ type: 'pkcs1', format: 'der' });
  const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const jwk = key.export({ format: 'jwk' });
  const b64url = [jwk.d!, jwk.p!, jwk.q!, jwk.dp!, jwk.dq!, jwk.qi!];
  const hexes = b64url.map((v) => toHex(new Uint8Array(Buffer.from(v, 'base64url'))));
  const middle = (s: string) => s.slice(Math.floor(s.length / 3), Math.floor(s.length / 3) + 48);
  return [
    middle(pkcs8Hex),
    middle(pkcs8Hex.toLowerCase()),
    middle(der.toString('base64')),
    middle(toHex(new Uint8Array(pkcs1))),
    pem.split('\n')[5]!,
    ...b64url.map(middle),
    ...hexes.map(middle),
    ...hexes.map((h) => middle(h.toLowerCase())),
  ];
}

/** The SPKI DER of a private key held in the data. */
export function spkiOfPkcs8(pkcs8Hex: string): Uint8Array {
  return new Uint8Array(createPublicKey(createPrivateKey({ key: Buffer.from(fromHex(pkcs8Hex)), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' }));
}
