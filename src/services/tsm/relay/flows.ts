import type { ResponseApdu } from '../../../apdu/index.js';
import { toHex } from '../../../bytes/index.js';
import type { Queryable } from '../../../store/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import type { Party, PlannedStep } from '../script.js';
import type { SeiTsm } from '../sei/sei-tsm.js';
import type { CertifiedPhone, SecretResetAuthorisation } from '../sp/ca-client.js';
import type { SecretsToReset } from '../../jpki/application.js';
import { pendingOrdersOf } from '../sp/deletion-orders.js';
import type { RevokedMark } from '../sp/maintenance.js';
import type { SpTsm } from '../sp/sp-tsm.js';
import type { Purpose } from './sessions.js';

/*
 * The sessions as explicit state machines over the two TSMs' scripts (sei/prepare.ts,
 * sp/take-over.ts, sp/issuance.ts). A batch holds every step that depends on no response not yet
 * seen; where one TSM's script ends and the other's begins without depending on it, both go in the
 * same batch. Phases and batches:
 *
 *   prepare  p1: SEI round 1                       (SELECT ISD, INITIALIZE UPDATE)
 *            p2: SEI round 2 + SP round 1          (… ARA-M rule; SELECT APSD, INITIALIZE UPDATE)
 *            p3: SP round 2 + SEI round 3          (PUT KEY, SET STATUS; INSTALL [for extradition])
 *   issue    i1: SP round 1                        (SELECT APSD, INITIALIZE UPDATE)
 *            i2: SP round 2                        (GENERATE KEY PAIR ×2 under R-MAC)
 *            signature: the card signs the application, the CA issues
 *            i3: SP round 3                        (certificates, temporary PIN and password)
 *            replace: the app replaces the temporary values with the user's own and confirms
 *
 *   sync,    m1: SP round 1                        (SELECT APSD, INITIALIZE UPDATE)
 *   delete   m2: SP round 2                        (REVOKE marks of revoked certificates; WIPE when ordered)
 *   revoke   r1: SP round 1                        (SELECT APSD, INITIALIZE UPDATE)
 *            signature: the applet signs the holder revocation request, the CA revokes
 *            r2: SP round 2                        (WIPE)
 *   reset-   c1: SEI round 1                       (SELECT ISD, INITIALIZE UPDATE)
 *   cleanup  c2: SEI round 2                       (DELETE APSD with related objects)
 *   reset-   s1: SP round 1                        (SELECT APSD, INITIALIZE UPDATE)
 *   pin      signature: the card signs the re-initialisation request, the CA authorises
 *            s2: SP round 2                        (temporary PIN and/or password, counters reset)
 *            replace: as at issuance
 *
 * Between p2 and p3 the SEI hands the APSD's initial keys to the SP, inside the same transaction.
 */

/** The phase of a session whose element holds temporary secrets the app is to replace (state `awaiting-replacement`). */
export const REPLACE_PHASE = 'replace';
/** The phase of a session completed by the app's confirmation that it replaced them. */
export const REPLACED_PHASE = 'secrets-set';

export interface FlowTsms {
  readonly sei: SeiTsm;
  readonly sp: SpTsm;
}

export interface FlowSession {
  readonly id: string;
  readonly seId: string;
  readonly appInstanceId: string | null;
  readonly appCertificateHash: string;
  readonly phase: string;
  readonly seiState: Uint8Array | null;
  readonly spState: Uint8Array | null;
}

export interface Advance {
  readonly phase: string;
  readonly state: 'active' | 'awaiting-signature' | 'awaiting-replacement' | 'completed';
  readonly seiState: Uint8Array | null;
  readonly spState: Uint8Array | null;
  /** The next batch. */
  readonly steps?: readonly PlannedStep[];
  /** The answered batch's responses without their secure messaging, in its order (for the trace). */
  readonly plain?: readonly ResponseApdu[];
  readonly application?: Uint8Array;
  readonly result?: Record<string, unknown>;
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new TsmError('ERR_TSM_STATE', `the session has no ${what}`);
  return value;
}

/** The responses of one TSM, and the plain responses put back in the batch's order. */
function split(owners: readonly Party[], responses: readonly ResponseApdu[]) {
  const of = (p: Party) => responses.filter((_, i) => owners[i] === p);
  return {
    sei: of('sei'),
    sp: of('sp'),
    merge(sei: readonly ResponseApdu[], sp: readonly ResponseApdu[]): ResponseApdu[] {
      let a = 0;
      let b = 0;
      return owners.map((o) => (o === 'sei' ? sei[a++]! : sp[b++]!));
    },
  };
}

/** What the CA answered to the signature a session awaited. */
export type Certified =
  | { readonly kind: 'issued'; readonly phone: CertifiedPhone }
  | { readonly kind: 'revoked'; readonly serials: readonly string[] }
  | { readonly kind: 'reset-authorised'; readonly authorisation: SecretResetAuthorisation };

export async function beginFlow(t: FlowTsms, q: Queryable, s: FlowSession, purpose: Purpose, pre: { marks?: readonly RevokedMark[]; secrets?: SecretsToReset } = {}): Promise<Advance> {
  if (purpose === 'prepare') {
    const sei = await t.sei.prepareBegin(q, s.id, s.seId, s.appCertificateHash);
    return { phase: 'p1', state: 'active', seiState: sei.state, spState: null, steps: sei.round.steps };
  }
  if (purpose === 'sync' || purpose === 'delete') {
    const sp = await t.sp.maintenanceBegin(q, s.id, s.seId, pre.marks ?? []);
    return { phase: 'm1', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps };
  }
  if (purpose === 'revoke') {
    const sp = await t.sp.revokeBegin(q, s.id, s.seId);
    return { phase: 'r1', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps };
  }
  if (purpose === 'reset-cleanup') {
    const sei = await t.sei.cleanupBegin(q, s.id, s.seId);
    return { phase: 'c1', state: 'active', seiState: sei.state, spState: null, steps: sei.round.steps };
  }
  if (purpose === 'reset-pin') {
    const sp = await t.sp.secretResetBegin(q, s.id, s.seId, pre.secrets ?? 'both');
    return { phase: 's1', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps };
  }
  if (purpose !== 'issue' || s.appInstanceId === null) throw new TsmError('ERR_TSM_STATE', `no session of purpose ${purpose} here`);
  const sp = await t.sp.issuanceBegin(q, s.id, s.seId, s.appInstanceId);
  return { phase: 'i1', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps };
}

export async function continueFlow(t: FlowTsms, q: Queryable, s: FlowSession, owners: readonly Party[], responses: readonly ResponseApdu[]): Promise<Advance> {
  const parts = split(owners, responses);
  switch (s.phase) {
    case 'p1': {
      const sei = await t.sei.prepareContent(q, s.id, required(s.seiState, 'SEI state'), s.seId, parts.sei);
      const sp = t.sp.takeOverBegin(s.id);
      return { phase: 'p2', state: 'active', seiState: sei.state, spState: sp.state, steps: [...sei.round.steps, ...sp.round.steps], plain: sei.plain };
    }
    case 'p2': {
      const sei = await t.sei.prepareExtradite(q, s.id, required(s.seiState, 'SEI state'), s.seId, parts.sei);
      await t.sp.acceptInitialKeys(q, sei.handover);
      const sp = await t.sp.takeOverRotate(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'p3', state: 'active', seiState: sei.state, spState: sp.state, steps: [...sp.round.steps, ...sei.round.steps], plain: parts.merge(sei.plain, sp.plain) };
    }
    case 'p3': {
      const sp = await t.sp.takeOverFinish(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      const sei = await t.sei.prepareFinish(q, s.id, required(s.seiState, 'SEI state'), s.seId, parts.sei);
      return {
        phase: 'done',
        state: 'completed',
        seiState: null,
        spState: null,
        plain: parts.merge(sei.plain, sp.plain),
        result: { seId: s.seId, apsd: toHex(AID.APSD), applet: toHex(AID.JPKI_APPLET) },
      };
    }
    case 'i1': {
      const sp = await t.sp.issuanceGenerate(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'i2', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps, plain: sp.plain };
    }
    case 'i2': {
      const sp = await t.sp.issuanceApplication(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'signature', state: 'awaiting-signature', seiState: null, spState: sp.state, plain: sp.plain, application: sp.application };
    }
    case 'm1': {
      const sp = await t.sp.maintenanceAct(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'm2', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps, plain: sp.plain };
    }
    case 'm2': {
      const sp = t.sp.maintenanceFinish(s.id, required(s.spState, 'SP state'), parts.sp);
      await t.sp.desk.done(q, sp.orders, s.id);
      return { phase: 'done', state: 'completed', seiState: null, spState: null, plain: sp.plain, result: sp.result };
    }
    case 'r1': {
      const sp = await t.sp.revokeRequest(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'signature', state: 'awaiting-signature', seiState: null, spState: sp.state, plain: sp.plain, application: sp.application };
    }
    case 'r2': {
      const sp = t.sp.revokeFinish(s.id, required(s.spState, 'SP state'), parts.sp);
      // The applet is wiped: the element's open orders are done, and one records this wipe.
      const pending = await pendingOrdersOf(q, s.seId, 'wipe-applet');
      const own = pending[0] ?? (await t.sp.desk.place(q, { kind: 'wipe-applet', seId: s.seId, personId: null, serials: sp.result.revoked, reason: 5, source: 'holder-revocation' }));
      await t.sp.desk.done(q, [...new Set([own.id, ...pending.map((o) => o.id)])], s.id);
      return { phase: 'done', state: 'completed', seiState: null, spState: null, plain: sp.plain, result: sp.result };
    }
    case 'c1': {
      const sei = await t.sei.cleanupDelete(q, s.id, required(s.seiState, 'SEI state'), s.seId, parts.sei);
      return { phase: 'c2', state: 'active', seiState: sei.state, spState: null, steps: sei.round.steps, plain: sei.plain };
    }
    case 'c2': {
      const sei = await t.sei.cleanupFinish(q, s.id, required(s.seiState, 'SEI state'), s.seId, parts.sei);
      await t.sp.elementCleared(q, s.seId);
      const orders = await pendingOrdersOf(q, s.seId, 'delete-apsd');
      await t.sp.desk.done(q, orders.map((o) => o.id), s.id);
      return { phase: 'done', state: 'completed', seiState: null, spState: null, plain: sei.plain, result: { seId: s.seId, apsdDeleted: sei.deleted, orders: orders.map((o) => o.id) } };
    }
    case 's1': {
      const sp = await t.sp.secretResetRequest(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      return { phase: 'signature', state: 'awaiting-signature', seiState: null, spState: sp.state, plain: sp.plain, application: sp.application };
    }
    case 's2': {
      const sp = t.sp.secretResetFinish(s.id, required(s.spState, 'SP state'), parts.sp);
      return { phase: REPLACE_PHASE, state: 'awaiting-replacement', seiState: null, spState: null, plain: sp.plain, result: sp.result };
    }
    case 'i3': {
      const sp = await t.sp.issuanceFinish(q, s.id, required(s.spState, 'SP state'), s.seId, parts.sp);
      // New keys and certificates on this element: an older wipe order of it has nothing left to wipe,
      // unless it names these certificates (superseded meanwhile by a concurrent issuance for the person).
      await t.sp.desk.cancel(q, s.seId, 'wipe-applet', [sp.result.sign.serial, sp.result.auth.serial].filter((x): x is string => x !== null));
      return { phase: REPLACE_PHASE, state: 'awaiting-replacement', seiState: null, spState: null, plain: sp.plain, result: sp.result };
    }
    default:
      throw new TsmError('ERR_TSM_STATE', `no batch is expected in phase ${s.phase}`);
  }
}

/**
 * The signature a session awaited goes to the CA, outside any transaction: an issuance application
 * (the card), a holder revocation request (the applet), a re-initialisation request (the card).
 */
export async function certify(t: FlowTsms, purpose: Purpose, seId: string, application: Uint8Array, body: { signature: Uint8Array; cardCertificate: Uint8Array }): Promise<Certified> {
  if (purpose === 'revoke') return { kind: 'revoked', serials: await t.sp.holderRevocation(seId, application, body.signature) };
  if (body.cardCertificate.length === 0) throw new TsmError('ERR_TSM_REQUEST', 'the card certificate is required');
  const request = { application, signature: body.signature, cardCertificate: body.cardCertificate };
  if (purpose === 'reset-pin') return { kind: 'reset-authorised', authorisation: await t.sp.secretReset(seId, request) };
  return { kind: 'issued', phone: await t.sp.certify(request) };
}

/** The CA issued, revoked or authorised: the SP's last round (with the temporary secrets it sets, if any). */
export async function certifiedFlow(t: FlowTsms, q: Queryable, s: FlowSession, certified: Certified) {
  const state = required(s.spState, 'SP state');
  switch (certified.kind) {
    case 'revoked': {
      const sp = t.sp.revokeWipe(s.id, state, certified.serials);
      return { advance: { phase: 'r2', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps } satisfies Advance, secrets: undefined };
    }
    case 'reset-authorised': {
      const sp = t.sp.secretResetWrite(s.id, state, certified.authorisation);
      return { advance: { phase: 's2', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps } satisfies Advance, secrets: sp.secrets };
    }
    case 'issued': {
      const sp = await t.sp.issuancePersonalize(q, s.id, state, certified.phone);
      return { advance: { phase: 'i3', state: 'active', seiState: null, spState: sp.state, steps: sp.round.steps } satisfies Advance, secrets: sp.secrets };
    }
  }
}
