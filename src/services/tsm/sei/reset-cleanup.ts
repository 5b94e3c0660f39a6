import type { ResponseApdu } from '../../../apdu/index.js';
import { fromHex, toHex } from '../../../bytes/index.js';
import type { Queryable } from '../../../store/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { deleteObject } from '../gp-commands.js';
import { initializeUpdate, openSession, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import { isdKeysFor, type SeiContext } from './context.js';
import { getElement } from './elements.js';

/*
 * Factory reset, the SEI-TSM's part (flow 10 step 2): through SCP03 with the ISD at level 33, on a
 * logical channel named `isd`:
 *
 *   round 1  SELECT ISD; INITIALIZE UPDATE (KVN 00)
 *   round 2  EXTERNAL AUTHENTICATE; DELETE the JPKI applet instance D392F000260100000001 (associated
 *            with the APSD since its extradition; the ISD deletes it by its Global Delete privilege),
 *            then DELETE APSD D392F000260253440001 with its related objects (its keys), then DELETE the
 *            JPKI load file D392F00026010001 with related objects (GP Card Spec 11.2); '6A88' accepted
 *            for each: nothing left, e.g. the phone was reset by other means; close
 *
 * Why three DELETEs and not one: the element refuses to delete a security domain that still has
 * associated content ('6985'), as GP Card Spec 11.2.2.3 allows; deleting the content first is the
 * order that works on every card.
 *
 * Then the element is `registered` again: a new preparation may follow.
 */

interface CleanupState {
  readonly stage: 'delete' | 'finish';
  readonly hostChallenge: string;
  readonly session?: PipelineState;
  readonly meta: readonly StepMeta[];
}

const LEVEL = 0x33;
const aad = (sessionId: string) => `sei-session:${sessionId}:reset-cleanup`;

function load(ctx: SeiContext, sessionId: string, sealed: Uint8Array, stage: CleanupState['stage']): CleanupState {
  const s = ctx.sealer.openJson<CleanupState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SEI session is at ${s.stage}, not ${stage}`);
  return s;
}

export async function cleanupBegin(ctx: SeiContext, q: Queryable, sessionId: string, seId: string) {
  const e = await getElement(q, seId);
  if (!e || e.state !== 'reset') throw new TsmError('ERR_TSM_NOT_RESET', `secure element ${seId} is not waiting for a reset clean-up`);
  const hostChallenge = ctx.random(8);
  const round = new Round('sei', 'isd').open(AID.ISD, 'SELECT ISD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (ISD)');
  return { round, state: ctx.sealer.sealJson({ stage: 'delete', hostChallenge: toHex(hostChallenge), meta: round.meta } satisfies CleanupState, aad(sessionId)) };
}

export async function cleanupDelete(ctx: SeiContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'delete');
  const e = await getElement(q, seId);
  if (!e) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId}`);
  const opened = openSession(responses[1]!, fromHex(s.hostChallenge), (kvn) => isdKeysFor(ctx, e, kvn), LEVEL);
  const session = opened.state;
  const round = new Round('sei', 'isd')
    .authenticate(opened.externalAuthenticate)
    .secured(session, deleteObject(AID.JPKI_APPLET, false), 'DELETE JPKI applet instance', { expect: ['9000', '6A88'] })
    .secured(session, deleteObject(AID.APSD, true), 'DELETE APSD with related objects (its keys)', { expect: ['9000', '6A88'] })
    .secured(session, deleteObject(AID.JPKI_LOAD_FILE, true), 'DELETE JPKI load file with related objects', { expect: ['9000', '6A88'] })
    .close('close channel (ISD)');
  return { round, plain: responses.slice(), state: ctx.sealer.sealJson({ stage: 'finish', hostChallenge: s.hostChallenge, session, meta: round.meta } satisfies CleanupState, aad(sessionId)) };
}

export async function cleanupFinish(ctx: SeiContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  await q.execute(`UPDATE sei_elements SET state = 'registered', apsd_aid = NULL, app_certificate_hash = NULL, updated_at = $2 WHERE se_id = $1`, [seId, ctx.clock().toISOString()]);
  return { plain, deleted: plain[2]!.sw === 0x9000 };
}

/** The phone said it is being reset: the element waits for its clean-up (and refuses other sessions). */
export async function markReset(ctx: SeiContext, q: Queryable, seId: string): Promise<void> {
  await q.execute(`UPDATE sei_elements SET state = 'reset', updated_at = $2 WHERE se_id = $1`, [seId, ctx.clock().toISOString()]);
}
