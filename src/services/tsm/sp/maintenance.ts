import type { ResponseApdu } from '../../../apdu/index.js';
import { fromHex, toHex } from '../../../bytes/index.js';
import type { EF} from '../../../devices/applets/jpki/index.js';
import { revokeCommand, storeDataBlocks, storeDataCommand, wipeCommand } from '../../../devices/applets/jpki/index.js';
import type { Queryable } from '../../../store/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { installForPersonalization } from '../gp-commands.js';
import { initializeUpdate, openSession, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import { apsdKeys, type SpContext } from './context.js';
import { pendingOrdersOf } from './deletion-orders.js';
import { activateApsdKeys, getSpElement } from './repository.js';

/*
 * The SP-TSM's maintenance session (purposes `sync` and `delete`; flows 6, 8, 9 and 12), through SCP03
 * with the APSD at level 33 on a logical channel named `apsd`:
 *
 *   round 1  SELECT APSD; INITIALIZE UPDATE
 *   round 2  EXTERNAL AUTHENTICATE; then, when there is something to do, INSTALL [for personalization]
 *            JPKI applet and STORE DATA: REVOKE 0001 / 000A for each certificate of this element the CA
 *            reports revoked (flow 12: the applet destroys the key and answers '6984' to signing), and
 *            WIPE when a deletion order is pending for the element; close
 *
 * Why WIPE and not DELETE [with related objects]: the APSD belongs to the SP, the applet instance was
 * extradited to it, but the applet's load file is the SEI's; a WIPE leaves an empty applet the same
 * SP can personalise again at the next issuance with no SEI involvement, and it removes everything
 * that matters (keys, certificates, PINs, serial). DELETE of the whole APSD is the SEI's job at a
 * factory reset (sei/reset-cleanup.ts).
 */

export interface RevokedMark {
  readonly serial: string;
  readonly fid: typeof EF.SIGN_CERT | typeof EF.AUTH_CERT;
}

interface MaintenanceState {
  readonly stage: 'act' | 'finish';
  readonly hostChallenge: string;
  readonly marks: readonly RevokedMark[];
  readonly session?: PipelineState;
  readonly meta: readonly StepMeta[];
  readonly orders?: readonly string[];
}

const LEVEL = 0x33;
const aad = (sessionId: string) => `sp-session:${sessionId}:maintenance`;

function load(ctx: SpContext, sessionId: string, sealed: Uint8Array, stage: MaintenanceState['stage']): MaintenanceState {
  const s = ctx.sealer.openJson<MaintenanceState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SP session is at ${s.stage}, not ${stage}`);
  return s;
}

/** Round 1; `marks` are the element's certificates the CA reports revoked (looked up before the transaction). */
export async function maintenanceBegin(ctx: SpContext, q: Queryable, sessionId: string, seId: string, marks: readonly RevokedMark[]) {
  const e = await getSpElement(q, seId);
  if (!e || e.state === 'keys-received') throw new TsmError('ERR_TSM_NOT_PREPARED', `secure element ${seId} has no APSD of the SP-TSM`);
  const hostChallenge = ctx.random(8);
  const round = new Round('sp', 'apsd').open(AID.APSD, 'SELECT APSD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (APSD)');
  return { round, state: ctx.sealer.sealJson({ stage: 'act', hostChallenge: toHex(hostChallenge), marks, meta: round.meta } satisfies MaintenanceState, aad(sessionId)) };
}

/** Opens the secure channel with the APSD from the INITIALIZE UPDATE answer (and settles a lost key rotation). */
export async function openApsd(ctx: SpContext, q: Queryable, seId: string, response: ResponseApdu, hostChallenge: string) {
  const held = await apsdKeys(ctx, q, seId);
  const opened = openSession(response, fromHex(hostChallenge), (kvn) => held.get(kvn)?.keys, LEVEL);
  if (held.get(opened.keys.kvn)?.state !== 'active') await activateApsdKeys(q, seId, opened.keys.kvn);
  return opened;
}

export async function maintenanceAct(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'act');
  const opened = await openApsd(ctx, q, seId, responses[1]!, s.hostChallenge);
  const session = opened.state;
  const orders = await pendingOrdersOf(q, seId, 'wipe-applet');
  const commands = [...s.marks.map((m) => revokeCommand(m.fid)), ...(orders.length > 0 ? [wipeCommand()] : [])];
  const round = new Round('sp', 'apsd').authenticate(opened.externalAuthenticate);
  if (commands.length > 0) {
    round.secured(session, installForPersonalization(AID.JPKI_APPLET), 'INSTALL [for personalization] JPKI applet');
    const what = [...s.marks.map((m) => `REVOKE ${m.fid} (${m.serial})`), ...(orders.length > 0 ? ['WIPE'] : [])].join(', ');
    const blocks = storeDataBlocks(commands);
    for (const block of blocks) round.secured(session, storeDataCommand(block), `STORE DATA block ${block.p2 + 1}/${blocks.length}: ${what}`);
  }
  round.close('close channel (APSD)');
  const next: MaintenanceState = { ...s, stage: 'finish', session, meta: round.meta, orders: orders.map((o) => o.id) };
  return { round, plain: responses.slice(), state: ctx.sealer.sealJson(next, aad(sessionId)) };
}

export function maintenanceFinish(ctx: SpContext, sessionId: string, sealed: Uint8Array, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  return { plain, orders: s.orders ?? [], result: { marked: s.marks.map((m) => m.serial), wiped: (s.orders ?? []).length > 0, orders: s.orders ?? [] } };
}
