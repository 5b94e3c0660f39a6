import { concat, hex, toHex } from '../../../../src/bytes/index.js';
import type { Scp03KeySet, SecurityLevel } from '../../../../src/crypto/index.js';
import {
  EF,
  generateKeyPairCommand,
  JPKI_APPLET_ELF_AID,
  JPKI_APPLET_INSTANCE_AID,
  JPKI_APPLET_MODULE_AID,
  JPKI_APPLET_PACKAGE,
  parseManagementResponses,
  storeDataBlocks,
  storeDataCommand,
  type ManagementResult,
  type PublicKeyResult,
} from '../../../../src/devices/applets/jpki/index.js';
import { encodeDgiKeySet, loadFileDataBlockHash, type AppletPackage } from '../../../../src/devices/secure-element/index.js';
import { writeCommands, type Certificates, type GeneratedKeys } from '../../applets/jpki/helpers.js';
import { DEV_KEYS, installForInstall, installForPersonalization, isdSession, keySet, putKey, setStatus, SSD_MODULE, SSD_PACKAGE, storeData, type Terminal } from '../helpers.js';

/*
 * The JPKI applet inside the element as the TSMs put it there (no test of its own): the issuer (ISD)
 * creates the JPKI provider's security domain with Authorized Management and gives it a first key set,
 * the provider (SP-TSM) rotates it to its own AES-256 keys, loads and installs the applet for the contact
 * and contactless interfaces, and personalises it through INSTALL [for personalization] and STORE DATA
 * built with the applet's management command builders. Everything goes through a `Terminal`, so the same
 * code runs in process and over PC/SC.
 */

/** The JPKI provider's domain (an APSD with Authorized Management). */
export const JPKI_APSD = 'A000000151535041AA4A';
export const JPKI_ELF = toHex(JPKI_APPLET_ELF_AID);
export const JPKI_MODULE = toHex(JPKI_APPLET_MODULE_AID);
export const JPKI_INSTANCE = toHex(JPKI_APPLET_INSTANCE_AID);
/** The first key set the issuer gives the domain (AES-256), replaced by the provider's (same length: a replaced set keeps it) at once. */
export const APSD_INITIAL_KEYS: Scp03KeySet = keySet(0x30, 32, 0x4a30);
/** The provider's own key set (AES-256). */
export const APSD_PROVIDER_KEYS: Scp03KeySet = keySet(0x31, 32, 0x4a31);
/** `EF { A0 { A5 { 82 01 C0 } } }`: contact and contactless (GP Amendment C 5.2). */
export const CONTACT_AND_CONTACTLESS = hex('EF07A005A5038201C0');
/** The PIN and password personalisation writes (writeCommands' defaults: the card tests' values). */
export { PIN as JPKI_PIN, PASSWORD as JPKI_PASSWORD } from '../../applets/jpki/helpers.js';

function expect(what: string, sw: string, wanted = '9000'): void {
  if (sw !== wanted) throw new Error(`${what}: ${sw}, expected ${wanted}`);
}

/** The issuer creates the JPKI provider's domain (SD + Authorized Management) and provisions its first keys. */
export async function createJpkiDomain(t: Terminal, isdKeys: Scp03KeySet = DEV_KEYS, level: SecurityLevel = 0x33): Promise<void> {
  await isdSession(t, level, isdKeys);
  expect('INSTALL APSD', await t.ssw(installForInstall(SSD_PACKAGE, SSD_MODULE, JPKI_APSD, { privileges: '804000' })));
  expect('INSTALL [for personalization] APSD', await t.ssw(installForPersonalization(JPKI_APSD)));
  expect('STORE DATA DGI keys', await t.ssw(storeData(0xa8, 0x00, encodeDgiKeySet(isdKeys.dek, APSD_INITIAL_KEYS))));
}

/** A session with the JPKI provider's domain under its own keys. */
export async function providerSession(t: Terminal, level: SecurityLevel = 0x33): Promise<void> {
  const r = await t.select(JPKI_APSD);
  if (r.sw !== 0x9000) throw new Error(`SELECT APSD ${r.sw.toString(16)}`);
  await t.open(APSD_PROVIDER_KEYS, level);
}

/** The provider takes its domain over: PUT KEY replaces the issuer's set, SET STATUS makes it PERSONALIZED. */
export async function takeOverJpkiDomain(t: Terminal): Promise<void> {
  const r = await t.select(JPKI_APSD);
  if (r.sw !== 0x9000) throw new Error(`SELECT APSD ${r.sw.toString(16)}`);
  await t.open(APSD_INITIAL_KEYS, 0x33);
  expect('PUT KEY', await t.ssw(putKey(0x30, APSD_INITIAL_KEYS.dek, APSD_PROVIDER_KEYS)));
  await providerSession(t);
  expect('SET STATUS PERSONALIZED', await t.ssw(setStatus(0x40, 0x0f, JPKI_APSD)));
}

/** In a provider session: LOAD of the JPKI applet's load file into the domain, INSTALL and make selectable on both interfaces. */
export async function installJpkiApplet(t: Terminal, pkg: AppletPackage = JPKI_APPLET_PACKAGE): Promise<void> {
  const loaded = await t.loadPackage(pkg, { sd: JPKI_APSD, hash: loadFileDataBlockHash(pkg) });
  expect('LOAD JPKI', loaded.join(' '), '9000 9000 9000');
  expect('INSTALL JPKI', await t.ssw(installForInstall(JPKI_ELF, JPKI_MODULE, JPKI_INSTANCE, { parameters: concat(hex('C900'), CONTACT_AND_CONTACTLESS) })));
}

/** The whole preparation: domain created by the issuer, taken over, applet installed; a provider session stays open. */
export async function prepareJpki(t: Terminal, options: { isdKeys?: Scp03KeySet; pkg?: AppletPackage } = {}): Promise<void> {
  await createJpkiDomain(t, options.isdKeys);
  await takeOverJpkiDomain(t);
  await installJpkiApplet(t, options.pkg);
}

export interface ManageResult {
  /** The status word of each STORE DATA block (the sequence stops at the first error). */
  readonly sws: string[];
  readonly results: ManagementResult[];
}

/**
 * In a provider session: INSTALL [for personalization] of the applet, then the management commands as
 * one STORE DATA sequence (the applet's builders), each block wrapped by the domain's channel.
 */
export async function manageJpki(t: Terminal, commands: readonly Uint8Array[], options: { blockLength?: number } = {}): Promise<ManageResult> {
  expect('INSTALL [for personalization] JPKI', await t.ssw(installForPersonalization(JPKI_INSTANCE)));
  const sws: string[] = [];
  const data: Uint8Array[] = [];
  for (const block of storeDataBlocks(commands, options)) {
    const r = await t.secure(storeDataCommand(block));
    sws.push(r.sw.toString(16).toUpperCase().padStart(4, '0'));
    data.push(r.data);
    if (r.sw !== 0x9000) return { sws, results: [] };
  }
  return { sws, results: parseManagementResponses(concat(...data)) };
}

/**
 * Whoever certifies the keys the applet generated: a running certification service, or the card tests'
 * in-memory CA (`testCaCertificates` of the applet tests' helpers) for tests that need no service.
 */
export type CertificateSource = (keys: GeneratedKeys) => Promise<Certificates>;

/** First personalisation session: both key pairs generated inside the applet. */
export async function generateJpkiKeys(t: Terminal): Promise<GeneratedKeys> {
  const r = await manageJpki(t, [generateKeyPairCommand(EF.SIGN_KEY), generateKeyPairCommand(EF.AUTH_KEY)]);
  if (r.results.length !== 2) throw new Error(`GENERATE KEY PAIR: ${r.sws.join(' ')}`);
  const [sign, auth] = r.results as PublicKeyResult[];
  return { sign: sign!.subjectPublicKeyInfo, auth: auth!.subjectPublicKeyInfo };
}

/** In a provider session: keys generated inside, certified by `issue`, certificates, PIN and password written. */
export async function personaliseJpki(t: Terminal, issue: CertificateSource): Promise<{ keys: GeneratedKeys; certificates: Certificates }> {
  const keys = await generateJpkiKeys(t);
  const certificates = await issue(keys);
  const r = await manageJpki(t, writeCommands(certificates));
  if (r.sws.some((s) => s !== '9000')) throw new Error(`personalisation: ${r.sws.join(' ')}`);
  return { keys, certificates };
}
