import { randomBytes } from 'node:crypto';
import { toHex } from '../../../src/bytes/index.js';
import { SEI_MASTER } from '../../../src/cli/runtime/tsm-system.js';
import type { Scp03KeySet } from '../../../src/crypto/index.js';
import { LIFE_CYCLE } from '../../../src/devices/applets/jpki/index.js';
import type { Phone } from '../../../src/devices/phone/index.js';
import { lifeCycleName } from '../../../src/devices/secure-element/index.js';
import { databaseConfig, loadConfig, readSecret } from '../../../src/services/home/index.js';
import { AID, parseComponentSecret, Sealer, subKey } from '../../../src/services/tsm/index.js';
import { isdKeysFor, type SeiContext } from '../../../src/services/tsm/sei/context.js';
import { getElement } from '../../../src/services/tsm/sei/elements.js';
import { openDatabase } from '../../../src/store/index.js';
import { Terminal, type StatusEntry } from '../../devices/secure-element/helpers.js';

/**
 * The secure element's contents as its issuer sees them: GET STATUS (GP Card Spec 11.4) through the
 * ISD under SCP03 (level 33), with the ISD keys the SEI-TSM holds for that element. The keys come the
 * way the SEI-TSM computes them: its context made from the home's SEI master secret, its own
 * `isdKeysFor` over its row of the element (derived keys, or the maker's sealed transport keys before
 * the first preparation). The APDUs go where the SEI's go: through the phone's privileged OMAPI (the
 * OS's SE agent), on a logical channel opened to the ISD. Used by every end-to-end flow test
 * (test/e2e/flow-*.test.ts); what GET STATUS cannot show (the keys inside the applet) those tests
 * read from the applet's persistent data (support/flows.ts `appletContents`).
 */

/** The AIDs of the JPKI service on an element: its security domain, the applet instance, the load file. */
export const JPKI_AIDS = { apsd: toHex(AID.APSD), applet: toHex(AID.JPKI_APPLET), loadFile: toHex(AID.JPKI_LOAD_FILE) } as const;
const ISD = toHex(AID.ISD);

/** One registry entry by GET STATUS: its life cycle state as coded and by name. */
export interface ContentEntry {
  readonly aid: string;
  /** The life cycle byte ('9F70'), hex. */
  readonly lifeCycle: string;
  /** GP Card Spec's name of the state; for the JPKI applet the applet's own (SELECTABLE, PERSONALIZED, EMPTY). */
  readonly state: string;
  /** The associated security domain ('CC'), when reported. */
  readonly sd?: string;
  readonly privileges?: string;
  readonly loadFile?: string;
}

export interface ElementContents {
  /** The ISD (P1 '80'): the card's life cycle. */
  readonly isd: ContentEntry;
  readonly apsd: ContentEntry | undefined;
  readonly applet: ContentEntry | undefined;
  readonly loadFile: ContentEntry | undefined;
  /** Every application and security domain (P1 '40'), and every load file (P1 '20'). */
  readonly applications: readonly ContentEntry[];
  readonly loadFiles: readonly ContentEntry[];
}

const APPLET_NAMES: Record<number, string> = { [LIFE_CYCLE.SELECTABLE]: 'SELECTABLE', [LIFE_CYCLE.PERSONALIZED]: 'PERSONALIZED', [LIFE_CYCLE.EMPTY]: 'EMPTY' };

function entry(kind: 'card' | 'domain' | 'application' | 'load-file', e: StatusEntry): ContentEntry {
  const state = parseInt(e.lifeCycle, 16);
  const name = e.aid === JPKI_AIDS.applet && APPLET_NAMES[state] ? APPLET_NAMES[state] : lifeCycleName(kind, state);
  return {
    aid: e.aid,
    lifeCycle: e.lifeCycle,
    state: name,
    ...(e.sd !== undefined ? { sd: e.sd } : {}),
    ...(e.privileges !== undefined ? { privileges: e.privileges } : {}),
    ...(e.loadFile !== undefined ? { loadFile: e.loadFile } : {}),
  };
}

/** Privileges byte 1, b8: Security Domain (GP Card Spec Table 11-7). */
const isDomain = (e: StatusEntry) => e.privileges !== undefined && (parseInt(e.privileges.slice(0, 2), 16) & 0x80) !== 0;

/** The ISD key set the SEI-TSM would open a session with on this element (its row in the home's database, its master secret). */
export async function seiIsdKeys(home: string, seId: string): Promise<Scp03KeySet> {
  const master = parseComponentSecret(readSecret(home, SEI_MASTER.file, SEI_MASTER.env), 'the SEI master secret');
  const ctx: SeiContext = { sealer: new Sealer(master, 'sei'), derivationKey: subKey(master, 'sei/isd-derivation'), random: (n) => new Uint8Array(randomBytes(n)), clock: () => new Date() };
  const db = await openDatabase(databaseConfig(home, loadConfig(home)), { migrate: false });
  try {
    const row = await getElement(db, seId);
    if (!row) throw new Error(`the SEI-TSM does not know secure element ${seId}`);
    const keys = isdKeysFor(ctx, row, row.isd_kvn);
    if (!keys) throw new Error(`the SEI-TSM holds no ISD keys for ${seId} (key mode ${row.key_mode})`);
    return keys;
  } finally {
    await db.close();
  }
}

/** The element's contents by GET STATUS through its ISD under SCP03, over the phone's privileged OMAPI. */
export async function elementContents(h: { readonly home: string }, p: { readonly phone: Phone; readonly seId: string }): Promise<ElementContents> {
  const keys = await seiIsdKeys(h.home, p.seId);
  const service = p.phone.openSystemSeService('e2e-issuer-inspection');
  try {
    const reader = service.getReaders()[0];
    if (!reader) throw new Error('the phone has no secure element reader');
    const channel = await reader.openSession().openLogicalChannel(AID.ISD, 0x00);
    const t = new Terminal({ transmit: (c) => channel.transmit(c) }, channel.channelNumber);
    await t.open(keys, 0x33);
    const [isd] = await t.status(0x80);
    if (!isd || isd.aid !== ISD) throw new Error(`GET STATUS of the ISD answered ${JSON.stringify(isd)}`);
    const applications = (await t.status(0x40)).map((e) => entry(isDomain(e) ? 'domain' : 'application', e));
    const loadFiles = (await t.status(0x20)).map((e) => entry('load-file', e));
    await channel.close();
    const find = (list: readonly ContentEntry[], aid: string) => list.find((e) => e.aid === aid);
    return {
      isd: entry('card', isd),
      apsd: find(applications, JPKI_AIDS.apsd),
      applet: find(applications, JPKI_AIDS.applet),
      loadFile: find(loadFiles, JPKI_AIDS.loadFile),
      applications,
      loadFiles,
    };
  } finally {
    await service.shutdown();
  }
}

/** The JPKI service's entries on the element by their state names (`null`: not on the element). */
export interface JpkiOnElement {
  readonly apsd: string | null;
  readonly applet: string | null;
  readonly loadFile: string | null;
}

/** `elementContents` reduced to the JPKI entries' states; also checks the applet belongs to the APSD and the load file to the ISD. */
export async function jpkiOnElement(h: { readonly home: string }, p: { readonly phone: Phone; readonly seId: string }): Promise<JpkiOnElement> {
  const c = await elementContents(h, p);
  if (c.applet && c.applet.sd !== JPKI_AIDS.apsd) throw new Error(`the JPKI applet is associated with ${c.applet.sd}, not the JPKI security domain`);
  if (c.loadFile && c.loadFile.sd !== ISD) throw new Error(`the JPKI load file is associated with ${c.loadFile.sd}, not the ISD`);
  return { apsd: c.apsd?.state ?? null, applet: c.applet?.state ?? null, loadFile: c.loadFile?.state ?? null };
}

/** A phone's element after flow 2: the APSD personalised by the SP-TSM, the applet installed and extradited to it, never personalised. */
export const PREPARED: JpkiOnElement = { apsd: 'PERSONALIZED', applet: 'SELECTABLE', loadFile: 'LOADED' };
/** After issuance: the applet holds usable keys. */
export const ISSUED: JpkiOnElement = { apsd: 'PERSONALIZED', applet: 'PERSONALIZED', loadFile: 'LOADED' };
/** After the SP-TSM's WIPE (deletion order, revocation from the phone): the applet stays, empty, for a later issuance. */
export const WIPED: JpkiOnElement = { apsd: 'PERSONALIZED', applet: 'EMPTY', loadFile: 'LOADED' };
/** No JPKI security domain, applet or load file (a phone never prepared, or cleaned after a factory reset). */
export const NO_JPKI: JpkiOnElement = { apsd: null, applet: null, loadFile: null };
