import { fromHex, toHex } from '../../bytes/index.js';
import { ISD_AID, LOADED, MAX_KEY_SETS } from './constants.js';
import { SecureElementError } from './errors.js';
import { isApplicationState, isCardState, isDomainState } from './life-cycle.js';
import { hasPrivilege } from './privileges.js';

export const SE_FORMAT = 'jpki-mobile/secure-element/v1';

/** Hex strings in the document are uppercase, without separators. */
export type Hex = string;

/**
 * One SCP03 key set of a security domain (Amendment D 6.1): Key-ENC, Key-MAC and Key-DEK of one
 * length under a key version number, the "i" parameter it runs with, and its sequence counter
 * (Amendment D 6.2.2.1: reset to 0 when the set is created or replaced, incremented and saved before
 * each INITIALIZE UPDATE uses it).
 */
export interface KeySetRecord {
  readonly kvn: number;
  readonly i: number;
  readonly enc: Hex;
  readonly mac: Hex;
  readonly dek: Hex;
  readonly counter: number;
}

/** What a security domain holds besides its registry entry. */
export interface DomainData {
  readonly keySets: readonly KeySetRecord[];
  /** Security Domain Provider Identification Number, tag '42' (STORE DATA); the ISD's is the card's IIN. */
  readonly providerId?: Hex;
  /** Security Domain Image Number, tag '45' (STORE DATA); the ISD's is the card's CIN. */
  readonly imageNumber?: Hex;
}

/** An Executable Load File and its Executable Modules (GP Card Spec 6.5.1). */
export interface LoadFileEntry {
  readonly kind: 'load-file';
  readonly aid: Hex;
  readonly lifeCycle: typeof LOADED;
  readonly version: readonly [number, number];
  readonly modules: readonly Hex[];
  /** Associated security domain. */
  readonly sd: Hex;
  /** SHA-256 of the Load File Data Block, as loaded (or as built, for a load file present from creation). */
  readonly hash: Hex;
}

/**
 * An application or security domain (GP Card Spec 6.5.1): AID, life cycle, privileges, associated
 * security domain (the ISD's is itself), the load file and module it was installed from (none for
 * the ISD), the interfaces it is available on, and its persistent data: `data` for an application
 * (SeAppletHost.data), `domain` for a security domain.
 */
export interface ApplicationEntry {
  readonly kind: 'application';
  readonly aid: Hex;
  /** Unique per installation, so that a new instance under an old AID is a new instance. */
  readonly serial: number;
  /** For the ISD: the card life cycle (GP Card Spec 11.1.1, Table 11-6). */
  readonly lifeCycle: number;
  readonly privileges: Hex;
  readonly loadFile: Hex | null;
  readonly module: Hex | null;
  readonly sd: Hex;
  /** GP Amendment C Table 5-2: '80' contact, '40' contactless. */
  readonly interfaces: number;
  readonly data: unknown;
  readonly domain?: DomainData;
}

export type RegistryEntry = LoadFileEntry | ApplicationEntry;

/** Card-wide data the ISD reports (GET DATA). */
export interface CardData {
  /** Issuer Identification Number, tag '42'. */
  readonly iin: Hex;
  /** Card Image Number, tag '45'. */
  readonly cin: Hex;
  /** Card Production Life Cycle data, tag '9F7F', 42 bytes (cplc.ts). */
  readonly cplc: Hex;
  /** Key diversification data, 10 bytes, sent in INITIALIZE UPDATE responses and GET DATA '00CF'. */
  readonly kdd: Hex;
}

/**
 * The whole non-volatile state of the secure element: one JSON document, saved atomically after each
 * command that changes it (transaction.ts). The registry is in GlobalPlatform Registry order: the
 * order SELECT [by name] searches and GET STATUS reports (GP Card Spec 6.4.2.1.2, Amendment C 6.2.1).
 */
export interface SeState {
  readonly format: typeof SE_FORMAT;
  readonly profile: 'development' | 'production';
  /** The contact interface's ATR in hex. */
  readonly atr: Hex;
  readonly card: CardData;
  /** The serial of the next installation. */
  readonly nextSerial: number;
  readonly registry: readonly RegistryEntry[];
}

function bad(message: string): SecureElementError {
  return new SecureElementError('ERR_SE_STATE', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexOf(v: unknown, where: string, min: number, max: number): Hex {
  if (typeof v !== 'string' || !/^(?:[0-9A-F]{2})*$/.test(v)) throw bad(`${where} is not uppercase hex`);
  const n = v.length / 2;
  if (n < min || n > max) throw bad(`${where} is ${n} bytes, not ${min === max ? min : `${min}..${max}`}`);
  return v;
}

function aidOf(v: unknown, where: string): Hex {
  return hexOf(v, where, 5, 16);
}

function intOf(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`${where} is not an integer in ${min}..${max}`);
  return v;
}

function keySetOf(v: unknown, where: string): KeySetRecord {
  if (!isObject(v)) throw bad(`${where} is not a key set`);
  const enc = hexOf(v.enc, `${where}.enc`, 16, 32);
  const length = enc.length / 2;
  if (length !== 16 && length !== 24 && length !== 32) throw bad(`${where}.enc is not 16, 24 or 32 bytes`);
  return {
    kvn: intOf(v.kvn, `${where}.kvn`, 1, 0x7f),
    i: intOf(v.i, `${where}.i`, 0, 0xff),
    enc,
    mac: hexOf(v.mac, `${where}.mac`, length, length),
    dek: hexOf(v.dek, `${where}.dek`, length, length),
    counter: intOf(v.counter, `${where}.counter`, 0, 0xffffff),
  };
}

function domainOf(v: unknown, where: string): DomainData {
  if (!isObject(v) || !Array.isArray(v.keySets)) throw bad(`${where} is not security domain data`);
  if (v.keySets.length > MAX_KEY_SETS) throw bad(`${where} has more than ${MAX_KEY_SETS} key sets`);
  const keySets = v.keySets.map((k, i) => keySetOf(k, `${where}.keySets[${i}]`));
  if (new Set(keySets.map((k) => k.kvn)).size !== keySets.length) throw bad(`${where} has two key sets with one KVN`);
  return {
    keySets,
    ...(v.providerId !== undefined ? { providerId: hexOf(v.providerId, `${where}.providerId`, 1, 16) } : {}),
    ...(v.imageNumber !== undefined ? { imageNumber: hexOf(v.imageNumber, `${where}.imageNumber`, 1, 16) } : {}),
  };
}

function loadFileOf(v: Record<string, unknown>, where: string): LoadFileEntry {
  if (v.lifeCycle !== LOADED) throw bad(`${where}.lifeCycle is not 01 (LOADED)`);
  const version = v.version;
  if (!Array.isArray(version) || version.length !== 2) throw bad(`${where}.version is not [major, minor]`);
  if (!Array.isArray(v.modules)) throw bad(`${where}.modules is not a list`);
  return {
    kind: 'load-file',
    aid: aidOf(v.aid, `${where}.aid`),
    lifeCycle: LOADED,
    version: [intOf(version[0], `${where}.version[0]`, 0, 255), intOf(version[1], `${where}.version[1]`, 0, 255)],
    modules: v.modules.map((m, i) => aidOf(m, `${where}.modules[${i}]`)),
    sd: aidOf(v.sd, `${where}.sd`),
    hash: hexOf(v.hash, `${where}.hash`, 32, 32),
  };
}

function applicationOf(v: Record<string, unknown>, where: string): ApplicationEntry {
  const aid = aidOf(v.aid, `${where}.aid`);
  const privileges = hexOf(v.privileges, `${where}.privileges`, 3, 3);
  const sd = hasPrivilege(fromHex(privileges), 'SECURITY_DOMAIN');
  const lifeCycle = intOf(v.lifeCycle, `${where}.lifeCycle`, 0, 0xff);
  const isd = aid === toHex(ISD_AID);
  if (isd ? !isCardState(lifeCycle) : sd ? !isDomainState(lifeCycle) : !isApplicationState(lifeCycle)) {
    throw bad(`${where}.lifeCycle ${lifeCycle.toString(16)} is not a ${isd ? 'card' : sd ? 'security domain' : 'application'} state`);
  }
  const loadFile = v.loadFile === null ? null : aidOf(v.loadFile, `${where}.loadFile`);
  const module = v.module === null ? null : aidOf(v.module, `${where}.module`);
  if ((loadFile === null) !== isd || (module === null) !== isd) throw bad(`${where}: only the ISD has no load file and module`);
  const interfaces = intOf(v.interfaces, `${where}.interfaces`, 1, 0xff);
  if ((interfaces & 0x3f) !== 0) throw bad(`${where}.interfaces has bits other than 80 (contact) and 40 (contactless)`);
  const entry: ApplicationEntry = {
    kind: 'application',
    aid,
    serial: intOf(v.serial, `${where}.serial`, 0, Number.MAX_SAFE_INTEGER),
    lifeCycle,
    privileges,
    loadFile,
    module,
    sd: aidOf(v.sd, `${where}.sd`),
    interfaces,
    data: sd ? null : v.data === undefined ? null : v.data,
    ...(sd ? { domain: domainOf(v.domain, `${where}.domain`) } : {}),
  };
  if (!sd && v.domain !== undefined) throw bad(`${where} has domain data but not the Security Domain privilege`);
  return entry;
}

/**
 * Checks a document read from an element file and returns it typed. Beyond the shape of each entry:
 * exactly one ISD, first, with the Security Domain privilege; AIDs unique (a load file AID is never an
 * application AID; GP Card Spec 6.5.1.1); every association names a security domain; every
 * application's load file exists and holds its module. `ERR_SE_STATE` names the first problem.
 */
export function parseSeState(doc: unknown): SeState {
  if (!isObject(doc) || doc.format !== SE_FORMAT) throw bad(`not a secure element document (format ${SE_FORMAT})`);
  if (doc.profile !== 'development' && doc.profile !== 'production') throw bad('profile is not development or production');
  const atr = hexOf(doc.atr, 'atr', 2, 33);
  if (!atr.startsWith('3B') && !atr.startsWith('3F')) throw bad('atr does not start with 3B or 3F');
  const c = doc.card;
  if (!isObject(c)) throw bad('card is missing');
  const card: CardData = {
    iin: hexOf(c.iin, 'card.iin', 1, 16),
    cin: hexOf(c.cin, 'card.cin', 1, 16),
    cplc: hexOf(c.cplc, 'card.cplc', 42, 42),
    kdd: hexOf(c.kdd, 'card.kdd', 10, 10),
  };
  if (!Array.isArray(doc.registry)) throw bad('registry is not a list');
  const registry = doc.registry.map((e, i): RegistryEntry => {
    const where = `registry[${i}]`;
    if (!isObject(e)) throw bad(`${where} is not an entry`);
    if (e.kind === 'load-file') return loadFileOf(e, where);
    if (e.kind === 'application') return applicationOf(e, where);
    throw bad(`${where}.kind is not load-file or application`);
  });
  const isd = registry[0];
  if (!isd || isd.kind !== 'application' || isd.aid !== toHex(ISD_AID) || isd.sd !== isd.aid || !isd.domain) {
    throw bad(`registry[0] is not the ISD ${toHex(ISD_AID)} associated with itself`);
  }
  const aids = new Set<string>();
  const serials = new Set<number>();
  const nextSerial = intOf(doc.nextSerial, 'nextSerial', 0, Number.MAX_SAFE_INTEGER);
  for (const e of registry) {
    if (aids.has(e.aid)) throw bad(`AID ${e.aid} is registered twice`);
    aids.add(e.aid);
    if (e.kind === 'application') {
      if (serials.has(e.serial) || e.serial >= nextSerial) throw bad(`serial ${e.serial} of ${e.aid} is reused or not below nextSerial`);
      serials.add(e.serial);
    }
  }
  const domains = new Set(registry.filter((e) => e.kind === 'application' && e.domain).map((e) => e.aid));
  for (const e of registry) {
    if (!domains.has(e.sd)) throw bad(`${e.aid} is associated with ${e.sd}, which is not a security domain`);
    if (e.kind === 'application' && e.loadFile !== null) {
      const lf = registry.find((x) => x.aid === e.loadFile);
      if (!lf || lf.kind !== 'load-file' || !lf.modules.includes(e.module!)) throw bad(`${e.aid}: load file ${e.loadFile} with module ${e.module} is not registered`);
    }
  }
  for (const e of registry) if (e.kind === 'application' && e.aid !== isd.aid && e.sd === e.aid) throw bad(`${e.aid} is associated with itself; only the ISD is`);
  // An association cycle among supplementary domains would make "indirectly associated" endless.
  for (const d of domains) {
    let at = d;
    for (let hops = 0; at !== isd.aid; hops++) {
      if (hops > registry.length) throw bad(`security domain ${d} is in an association cycle`);
      at = registry.find((x) => x.aid === at)!.sd;
    }
  }
  return { format: SE_FORMAT, profile: doc.profile, atr, card, nextSerial, registry };
}
