import type { ResponseApdu } from '../../../apdu/index.js';
import { bytesEqual, concat, fromHex, toHex } from '../../../bytes/index.js';
import { keyCheckValue, type Scp03KeySet } from '../../../crypto/index.js';
import { JPKI_APPLET_PACKAGE } from '../../../devices/applets/jpki/index.js';
import { encodeStoreCommand } from '../../../devices/secure-element/ara-m/index.js';
import { buildLoadFile, encodeDgiKeySet, loadBlocks, loadFileDataBlockHash } from '../../../devices/secure-element/index.js';
import type { Queryable } from '../../../store/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import {
  APSD_PRIVILEGES,
  deleteObject,
  installForExtradition,
  installForInstall,
  installForLoad,
  installForPersonalization,
  installParameters,
  INTERFACES,
  loadCommands,
  NO_PRIVILEGES,
  putKeySet,
  storeData,
} from '../gp-commands.js';
import { keySetFromJson, keySetToJson, type KeySetJson } from '../key-set-json.js';
import { initializeUpdate, openSession, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import { getElement, markDerived, markPrepared, type ElementRow } from './elements.js';
import type { SeiContext } from './context.js';
import { isdKeysFor } from './context.js';

/*
 * The SEI-TSM's part of flow 2 (app and applet preparation), through SCP03 with the ISD at level 33,
 * relayed by the phone's agent on a logical channel named `isd`:
 *
 *   round 1  SELECT ISD; INITIALIZE UPDATE
 *   round 2  EXTERNAL AUTHENTICATE; DELETE the JPKI load file with its instances and DELETE the APSD
 *            (leftovers of an interrupted preparation: '6A88' accepted); INSTALL [for install and make
 *            selectable] of the APSD (SD + Authorized Management); INSTALL [for personalization] of it
 *            and STORE DATA of its initial key set (DGI '00B9' + '8113', keys under the ISD Key-DEK);
 *            INSTALL [for load] of the JPKI applet package with its load file data block hash; LOAD;
 *            INSTALL [for install and make selectable] of the JPKI applet (contact and contactless);
 *            the ARA-M rule (INSTALL [for personalization] of the ARA-M, STORE DATA Command-Delete for
 *            the applet's AID, again, Command-Store of the rule); with maker's transport keys, PUT KEY
 *            replacing them by the derived ISD keys
 *   round 3  (after the SP-TSM has made the APSD PERSONALIZED) INSTALL [for extradition] of the JPKI
 *            applet to the APSD; close the channel
 *
 * The applet is installed from a load file of the ISD and then handed to the APSD: the APSD becomes
 * able to receive content only once PERSONALIZED (GP Card Spec 7.3), which only its owner can do, and
 * the SEI never uses the APSD's keys. The load file stays with the ISD (the SEI manages code; the SP
 * manages its instance).
 */

interface SeiState {
  readonly stage: 'content' | 'extradite' | 'finish';
  readonly hostChallenge: string;
  readonly appCertificateHash: string;
  readonly session?: PipelineState;
  readonly meta: readonly StepMeta[];
  readonly initialKeys?: KeySetJson;
  readonly derivedKvn?: number;
}

const LEVEL = 0x33;
const LOAD_BLOCK = 239;

function aad(sessionId: string): string {
  return `sei-session:${sessionId}`;
}

function save(ctx: SeiContext, sessionId: string, state: SeiState): Uint8Array {
  return ctx.sealer.sealJson(state, aad(sessionId));
}

function load(ctx: SeiContext, sessionId: string, sealed: Uint8Array, stage: SeiState['stage']): SeiState {
  const state = ctx.sealer.openJson<SeiState>(sealed, aad(sessionId));
  if (state.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SEI session is at ${state.stage}, not ${stage}`);
  return state;
}

async function element(q: Queryable, seId: string): Promise<ElementRow> {
  const e = await getElement(q, seId);
  if (!e) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId} is registered with the SEI-TSM`);
  return e;
}

export interface SeiRound {
  readonly state: Uint8Array;
  readonly round: Round;
}

/** Round 1. The element must be registered and not prepared yet. */
export async function prepareBegin(ctx: SeiContext, q: Queryable, sessionId: string, seId: string, appCertificateHash: string): Promise<SeiRound> {
  const e = await element(q, seId);
  if (e.state !== 'registered') throw new TsmError('ERR_TSM_ALREADY_PREPARED', `secure element ${seId} is ${e.state}`);
  const hostChallenge = ctx.random(8);
  const round = new Round('sei', 'isd').open(AID.ISD, 'SELECT ISD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (ISD)');
  return { round, state: save(ctx, sessionId, { stage: 'content', hostChallenge: toHex(hostChallenge), appCertificateHash, meta: round.meta }) };
}

/** The ARA-M rule (SEAC REF-AR-DO): the JPKI applet, for the app signed with this certificate: APDU and NFC ALWAYS. */
export function araRule(appCertificateHash: Uint8Array): Uint8Array {
  return encodeStoreCommand({
    kind: 'store',
    rules: [{ ref: { aid: { kind: 'aid', aid: AID.JPKI_APPLET }, hash: appCertificateHash }, ar: { apdu: { kind: 'always' }, nfc: 'always' } }],
  });
}

/** Round 2: the card answered INITIALIZE UPDATE; everything else of the ISD's part goes in one batch. */
export async function prepareContent(ctx: SeiContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]): Promise<SeiRound & { plain: ResponseApdu[] }> {
  const s = load(ctx, sessionId, sealed, 'content');
  const e = await element(q, seId);
  const opened = openSession(responses[1]!, fromHex(s.hostChallenge), (kvn) => isdKeysFor(ctx, e, kvn), LEVEL);
  const session = opened.state;
  const initial: Scp03KeySet = { kvn: 0x30, enc: ctx.random(16), mac: ctx.random(16), dek: ctx.random(16) };
  const round = new Round('sei', 'isd').authenticate(opened.externalAuthenticate);
  const tolerant = ['9000', '6A88'];
  round
    .secured(session, deleteObject(AID.JPKI_LOAD_FILE, true), 'DELETE JPKI applet load file and its instances (leftovers)', { expect: tolerant })
    .secured(session, deleteObject(AID.APSD, false), 'DELETE APSD (leftover)', { expect: tolerant })
    .secured(
      session,
      installForInstall({ loadFile: AID.SSD_PACKAGE, module: AID.SSD_MODULE, aid: AID.APSD, privileges: APSD_PRIVILEGES, parameters: installParameters() }),
      `INSTALL [for install and make selectable] APSD ${toHex(AID.APSD)} (SD, Authorized Management)`,
    )
    .secured(session, installForPersonalization(AID.APSD), 'INSTALL [for personalization] APSD')
    .secured(session, storeData(0xa8, 0x00, encodeDgiKeySet(opened.keys.dek, initial)), 'STORE DATA APSD initial key set KVN 30 (DGI 00B9 + 8113)', { secret: true })
    .secured(session, installForLoad(AID.JPKI_LOAD_FILE, loadFileDataBlockHash(JPKI_APPLET_PACKAGE)), `INSTALL [for load] ${toHex(AID.JPKI_LOAD_FILE)}`);
  const blocks = loadCommands(loadBlocks(buildLoadFile(JPKI_APPLET_PACKAGE), LOAD_BLOCK));
  blocks.forEach((c, i) => round.secured(session, c, `LOAD block ${i + 1}/${blocks.length}`));
  round
    .secured(
      session,
      installForInstall({
        loadFile: AID.JPKI_LOAD_FILE,
        module: AID.JPKI_MODULE,
        aid: AID.JPKI_APPLET,
        privileges: NO_PRIVILEGES,
        parameters: installParameters(INTERFACES.CONTACT | INTERFACES.CONTACTLESS),
      }),
      `INSTALL [for install and make selectable] JPKI applet ${toHex(AID.JPKI_APPLET)} (contact and contactless)`,
    )
    .secured(session, installForPersonalization(AID.ARA_M), 'INSTALL [for personalization] ARA-M')
    .secured(session, storeData(0x90, 0x00, encodeStoreCommand({ kind: 'delete', target: { kind: 'aid', aid: { kind: 'aid', aid: AID.JPKI_APPLET } } })), 'STORE DATA ARA-M Command-Delete (rules of the JPKI applet)', {
      expect: tolerant,
    })
    .secured(session, installForPersonalization(AID.ARA_M), 'INSTALL [for personalization] ARA-M')
    .secured(session, storeData(0x90, 0x00, araRule(fromHex(s.appCertificateHash))), `STORE DATA ARA-M Command-Store (JPKI applet, app ${s.appCertificateHash.slice(0, 16)}…, APDU and NFC ALWAYS)`, {
      expect: ['9000', '6381'],
    });
  let derivedKvn: number | undefined;
  if (e.key_mode === 'transport' && opened.keys.kvn === e.isd_kvn) {
    derivedKvn = e.derived_kvn!;
    const derived = isdKeysFor(ctx, e, derivedKvn)!;
    round.secured(session, putKeySet(e.isd_kvn, opened.keys.dek, derived), `PUT KEY ISD: the maker's key set ${e.isd_kvn.toString(16)} replaced by the derived key set ${derivedKvn.toString(16)}`, { secret: true });
  } else if (e.key_mode === 'transport') {
    // The card already answers with the derived keys: a replacement whose answer was lost.
    await markDerived(q, seId, opened.keys.kvn, ctx.clock().toISOString());
  }
  return {
    round,
    plain: responses.slice(),
    state: save(ctx, sessionId, { stage: 'extradite', hostChallenge: s.hostChallenge, appCertificateHash: s.appCertificateHash, session, meta: round.meta, initialKeys: keySetToJson(initial), ...(derivedKvn ? { derivedKvn } : {}) }),
  };
}

/** What the SEI hands to the SP-TSM once the card took the APSD's initial keys. */
export interface Handover {
  readonly seId: string;
  readonly apsdAid: Uint8Array;
  readonly keys: Scp03KeySet;
}

/** Round 3: the ISD's commands verified; the initial keys go to the SP; the applet is handed to the APSD. */
export async function prepareExtradite(ctx: SeiContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]): Promise<SeiRound & { plain: ResponseApdu[]; handover: Handover }> {
  const s = load(ctx, sessionId, sealed, 'extradite');
  const session = { ...s.session! };
  const plain = unwrapAll(session, s.meta, responses);
  if (s.derivedKvn !== undefined) {
    const e = await element(q, seId);
    const derived = isdKeysFor(ctx, e, s.derivedKvn)!;
    const answer = plain[plain.length - 1]!;
    const expected = concat(Uint8Array.of(derived.kvn), keyCheckValue(derived.enc), keyCheckValue(derived.mac), keyCheckValue(derived.dek));
    if (!bytesEqual(answer.data, expected)) throw new TsmError('ERR_TSM_RESPONSE_INVALID', 'PUT KEY on the ISD answered other key check values');
    await markDerived(q, seId, derived.kvn, ctx.clock().toISOString());
  }
  const round = new Round('sei', 'isd').secured(session, installForExtradition(AID.APSD, AID.JPKI_APPLET), 'INSTALL [for extradition] JPKI applet to the APSD').close('close channel (ISD)');
  return {
    round,
    plain,
    handover: { seId, apsdAid: AID.APSD, keys: keySetFromJson(s.initialKeys!) },
    state: save(ctx, sessionId, { stage: 'finish', hostChallenge: s.hostChallenge, appCertificateHash: s.appCertificateHash, session, meta: round.meta }),
  };
}

/** Done: the applet is the APSD's; the element is prepared for this app. */
export async function prepareFinish(ctx: SeiContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]): Promise<{ plain: ResponseApdu[] }> {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll({ ...s.session! }, s.meta, responses);
  await markPrepared(q, seId, toHex(AID.APSD), s.appCertificateHash, ctx.clock().toISOString());
  return { plain };
}
