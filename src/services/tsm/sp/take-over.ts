import type { ResponseApdu } from '../../../apdu/index.js';
import { bytesEqual, concat, fromHex, toHex } from '../../../bytes/index.js';
import { keyCheckValue, scp03KeySet } from '../../../crypto/index.js';
import type { Queryable } from '../../../store/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { putKeySet, setStatus } from '../gp-commands.js';
import { initializeUpdate, openSession, type PipelineState } from '../scp03-pipeline.js';
import { Round, unwrapAll, type StepMeta } from '../script.js';
import { nextKvn } from '../sei/isd-keys.js';
import { apsdKeys, storeApsdKeys, type SpContext } from './context.js';
import { activateApsdKeys, setSpElementState } from './repository.js';

/*
 * The SP-TSM's first contact with its new APSD (flow 2 step 3), through SCP03 at level 33 with the
 * initial keys the SEI-TSM handed over, on a logical channel named `apsd`:
 *
 *   round 1  SELECT APSD; INITIALIZE UPDATE (KVN 00: the card names its key set)
 *   round 2  EXTERNAL AUTHENTICATE; PUT KEY replacing the initial key set (KVN 30) by a new one the SP
 *            drew (KVN 31), encrypted under the initial Key-DEK; SET STATUS: the APSD moves itself to
 *            PERSONALIZED ('0F', GP Card Spec 11.10; only then can applications be associated with
 *            it); close the channel
 *
 * After the PUT KEY the SEI's initial keys open nothing: INITIALIZE UPDATE with KVN 30 is '6A88'. The
 * new keys are stored (sealed) as `pending` before the batch leaves, and become `active` when the
 * card's answer (KVN || KCVs, under R-MAC) is checked; a lost answer is settled at the next contact,
 * when the card names the key set it holds.
 */

interface TakeOverState {
  readonly stage: 'rotate' | 'finish';
  readonly hostChallenge: string;
  readonly session?: PipelineState;
  readonly meta: readonly StepMeta[];
  readonly newKvn?: number;
  readonly expected?: string;
}

const LEVEL = 0x33;

function aad(sessionId: string): string {
  return `sp-session:${sessionId}:take-over`;
}

function load(ctx: SpContext, sessionId: string, sealed: Uint8Array, stage: TakeOverState['stage']): TakeOverState {
  const s = ctx.sealer.openJson<TakeOverState>(sealed, aad(sessionId));
  if (s.stage !== stage) throw new TsmError('ERR_TSM_STATE', `the SP session is at ${s.stage}, not ${stage}`);
  return s;
}

export function takeOverBegin(ctx: SpContext, sessionId: string): { state: Uint8Array; round: Round } {
  const hostChallenge = ctx.random(8);
  const round = new Round('sp', 'apsd').open(AID.APSD, 'SELECT APSD').plain(initializeUpdate(0x00, hostChallenge), 'INITIALIZE UPDATE (APSD)');
  return { round, state: ctx.sealer.sealJson({ stage: 'rotate', hostChallenge: toHex(hostChallenge), meta: round.meta } satisfies TakeOverState, aad(sessionId)) };
}

export async function takeOverRotate(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'rotate');
  const held = await apsdKeys(ctx, q, seId);
  const opened = openSession(responses[1]!, fromHex(s.hostChallenge), (kvn) => held.get(kvn)?.keys, LEVEL);
  const session = opened.state;
  const kvn = nextKvn(opened.keys.kvn);
  const fresh = scp03KeySet(kvn, ctx.random(16), ctx.random(16), ctx.random(16));
  await storeApsdKeys(ctx, q, seId, fresh, 'pending');
  const expected = concat(Uint8Array.of(kvn), keyCheckValue(fresh.enc), keyCheckValue(fresh.mac), keyCheckValue(fresh.dek));
  const round = new Round('sp', 'apsd')
    .authenticate(opened.externalAuthenticate)
    .secured(session, putKeySet(opened.keys.kvn, opened.keys.dek, fresh), `PUT KEY APSD: key set ${opened.keys.kvn.toString(16)} replaced by the SP's key set ${kvn.toString(16)}`, { secret: true })
    .secured(session, setStatus(0x40, 0x0f, AID.APSD), 'SET STATUS APSD PERSONALIZED (0F)')
    .close('close channel (APSD)');
  return {
    round,
    plain: responses.slice(),
    state: ctx.sealer.sealJson({ stage: 'finish', hostChallenge: s.hostChallenge, session, meta: round.meta, newKvn: kvn, expected: toHex(expected) } satisfies TakeOverState, aad(sessionId)),
  };
}

export async function takeOverFinish(ctx: SpContext, q: Queryable, sessionId: string, sealed: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
  const s = load(ctx, sessionId, sealed, 'finish');
  const plain = unwrapAll(s.session, s.meta, responses);
  if (!bytesEqual(plain[1]!.data, fromHex(s.expected!))) throw new TsmError('ERR_TSM_RESPONSE_INVALID', 'PUT KEY on the APSD answered other key check values');
  await activateApsdKeys(q, seId, s.newKvn!);
  await setSpElementState(q, seId, 'ready', ctx.clock().toISOString());
  return { plain };
}
