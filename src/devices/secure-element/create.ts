import { randomBytes } from 'node:crypto';
import { StatusWordError } from '../../apdu/index.js';
import { toHex } from '../../bytes/index.js';
import { GP_TEST_KEY, scp03KeySet, type Scp03KeySet } from '../../crypto/index.js';
import { contactAtr } from './atr.js';
import { Catalogue, DEFAULT_PACKAGES, DEFAULT_PREINSTALLED, type PreinstalledApplication } from './catalogue.js';
import { AppLifeCycle, ARA_M_AID, CardLifeCycle, HISTORICAL_BYTES, InterfaceBit, ISD_AID, ISD_KVN, LOADED, SCP03_I } from './constants.js';
import type { AppletPackage } from './contract.js';
import { generateCplc, kddFromCplc } from './cplc.js';
import { SecureElementError } from './errors.js';
import { keySetRecord } from './key-sets.js';
import { completePrivileges, hasPrivilege, ISD_PRIVILEGES, privilegeProblem } from './privileges.js';
import { parseSeState, SE_FORMAT, type ApplicationEntry, type LoadFileEntry, type RegistryEntry, type SeState } from './state.js';

export type SeProfile = 'development' | 'production';

export interface CreateElementOptions {
  /**
   * `development`: the ISD key set is the GlobalPlatform test key `404142…4F` for ENC, MAC and DEK
   * (KVN '30', i '70'), as development cards and GlobalPlatformPro expect. `production`: three random
   * AES keys, returned to the creator only.
   */
  readonly profile: SeProfile;
  /** The catalogue (default DEFAULT_PACKAGES). The security domain package is always part of it. */
  readonly packages?: readonly AppletPackage[];
  /** Applications installed at creation, associated with the ISD (default DEFAULT_PREINSTALLED). */
  readonly preinstalled?: readonly PreinstalledApplication[];
  /** Further packages whose load files are present from creation, without instances. */
  readonly preloaded?: readonly Uint8Array[];
  /** Production ISD key length (default 16: AES-128). */
  readonly keyLength?: 16 | 24 | 32;
  /** Issuer Identification Number, GET DATA '42' (default `99000001`, a private-use value). */
  readonly iin?: Uint8Array;
  readonly random?: (length: number) => Uint8Array;
  readonly now?: Date;
}

export interface CreatedElement {
  readonly state: SeState;
  /** The ISD's key set: hand it to the element's issuer (its TSM), and to nobody else. */
  readonly isdKeys: Scp03KeySet;
}

const DEFAULT_IIN = Uint8Array.of(0x99, 0x00, 0x00, 0x01);

function bad(message: string, cause?: unknown): SecureElementError {
  return new SecureElementError('ERR_SE_OPTIONS', message, cause === undefined ? undefined : { cause });
}

function loadFileEntry(catalogue: Catalogue, pkg: AppletPackage): LoadFileEntry {
  const aid = toHex(pkg.aid);
  return {
    kind: 'load-file',
    aid,
    lifeCycle: LOADED,
    version: [pkg.version[0], pkg.version[1]],
    modules: pkg.modules.map((m) => toHex(m.aid)),
    sd: toHex(ISD_AID),
    hash: catalogue.imageHash(aid)!,
  };
}

/**
 * A new secure element in the card life cycle state SECURED (GP Card Spec 5.1: issued), with
 *
 * - the ISD `A000000151000000` (privileges `9AFE80`) and its key set KVN '30', i '70': GP test keys
 *   (development) or random keys (production);
 * - card data: a CPLC with a random IC serial number (cplc.ts), the key diversification data taken
 *   from it, a random 10-byte Card Image Number, the IIN;
 * - the security domain package `A0000001515350` loaded (module `A000000151535041`);
 * - the preloaded packages and the preinstalled applications (SELECTABLE, associated with the ISD),
 *   e.g. the ARA-M `A00000015141434C00` once its package is in the catalogue.
 */
export function createElement(options: CreateElementOptions): CreatedElement {
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const now = options.now ?? new Date();
  const catalogue = new Catalogue(options.packages ?? DEFAULT_PACKAGES);
  let isdKeys: Scp03KeySet;
  if (options.profile === 'development') {
    isdKeys = scp03KeySet(ISD_KVN, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY);
  } else if (options.profile === 'production') {
    const n = options.keyLength ?? 16;
    if (![16, 24, 32].includes(n)) throw bad('an AES key is 16, 24 or 32 bytes');
    isdKeys = scp03KeySet(ISD_KVN, random(n), random(n), random(n));
  } else {
    throw bad(`profile ${String(options.profile)} is not development or production`);
  }
  const iin = options.iin ?? DEFAULT_IIN;
  if (iin.length < 1 || iin.length > 16) throw bad('the IIN is 1..16 bytes');
  const cplc = generateCplc(random, now);
  const isd: ApplicationEntry = {
    kind: 'application',
    aid: toHex(ISD_AID),
    serial: 0,
    lifeCycle: CardLifeCycle.SECURED,
    privileges: toHex(ISD_PRIVILEGES),
    loadFile: null,
    module: null,
    sd: toHex(ISD_AID),
    interfaces: InterfaceBit.CONTACT,
    data: null,
    domain: { keySets: [keySetRecord(isdKeys, SCP03_I)] },
  };
  const registry: RegistryEntry[] = [isd];
  const loaded = new Set<string>();
  const preload = (aid: Uint8Array) => {
    const key = toHex(aid);
    if (loaded.has(key)) return;
    const pkg = catalogue.find(key);
    if (!pkg) throw bad(`package ${key} is not in the catalogue`);
    registry.push(loadFileEntry(catalogue, pkg));
    loaded.add(key);
  };
  preload(catalogue.packages[0]!.aid);
  for (const aid of options.preloaded ?? []) preload(aid);
  let serial = 1;
  for (const p of options.preinstalled ?? DEFAULT_PREINSTALLED) {
    preload(p.package);
    const aid = toHex(p.aid);
    const module = catalogue.module(toHex(p.package), toHex(p.module));
    if (!module) throw bad(`package ${toHex(p.package)} has no module ${toHex(p.module)}`);
    if (Catalogue.isDomainModule(toHex(p.module))) throw bad('supplementary domains are created with INSTALL, not at creation');
    if (p.aid.length < 5 || p.aid.length > 16) throw bad(`AID ${aid} is not 5..16 bytes`);
    if (registry.some((e) => e.aid === aid)) throw bad(`AID ${aid} is used twice`);
    const privileges = completePrivileges(p.privileges ?? new Uint8Array(3));
    if (!privileges) throw bad(`privileges of ${aid} are 1 or 3 bytes`);
    const problem = privilegeProblem(privileges);
    if (problem || hasPrivilege(privileges, 'SECURITY_DOMAIN')) throw bad(`privileges of ${aid}: ${problem ?? 'not a security domain'}`);
    const interfaces = p.interfaces ?? InterfaceBit.CONTACT;
    if (interfaces === 0 || (interfaces & ~(InterfaceBit.CONTACT | InterfaceBit.CONTACTLESS)) !== 0) throw bad(`interfaces of ${aid}`);
    if (aid === toHex(ARA_M_AID) && (interfaces & InterfaceBit.CONTACTLESS) !== 0) throw bad('the ARA-M is never available on the contactless interface');
    let data: unknown;
    try {
      data = module.initialData(p.installParameters ?? new Uint8Array(0));
    } catch (err) {
      if (err instanceof StatusWordError) throw bad(`the install parameters of ${aid} are refused (${err.sw.toString(16)})`, err);
      throw err;
    }
    registry.push({
      kind: 'application',
      aid,
      serial: serial++,
      lifeCycle: AppLifeCycle.SELECTABLE,
      privileges: toHex(privileges),
      loadFile: toHex(p.package),
      module: toHex(p.module),
      sd: toHex(ISD_AID),
      interfaces,
      data: data === undefined ? null : JSON.parse(JSON.stringify(data)),
    });
  }
  const state = parseSeState({
    format: SE_FORMAT,
    profile: options.profile,
    atr: toHex(contactAtr(HISTORICAL_BYTES)),
    card: { iin: toHex(iin), cin: toHex(random(10)), cplc: toHex(cplc), kdd: toHex(kddFromCplc(cplc)) },
    nextSerial: serial,
    registry,
  });
  return { state, isdKeys };
}
