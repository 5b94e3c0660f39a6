import { randomBytes } from 'node:crypto';
import { toHex } from '../../../bytes/index.js';
import type { Database, Queryable } from '../../../store/index.js';
import { TsmError, type TsmErrorCode } from '../errors.js';
import type { Party, PlannedStep, WireStep } from '../script.js';
import type { SeiTsm } from '../sei/sei-tsm.js';
import { identityFromCplc } from '../se-identity.js';
import type { AppInstance, SpTsm } from '../sp/sp-tsm.js';
import { checkBatch, hashOf, recordResponses, replayedResponses } from './batch-check.js';
import type { SecretsToReset } from '../../jpki/application.js';
import type { ResetNoticeAnswer } from '../reset-notice.js';
import { acceptResetNotice, factoryReset, type ResetContext, type ResetNoticeInput } from './element-reset.js';
import { beginFlow, certifiedFlow, certify, continueFlow, REPLACED_PHASE, type Advance, type Certified, type FlowSession } from './flows.js';
import { recordReplacement } from './replacement.js';
import type { BatchResults, FailureDocument, SessionDocument } from './protocol.js';
import { answerBatch, batchesOf, getBatch, getSession, insertSession, LIVE_STATES, liveSessionsOf, newSessionRow, planBatch, purgeSecrets, agentTokenHash, sessionOfAgent, traceOf, updateSession, type Purpose, type SessionRow } from './sessions.js';
import { sessionDocument, sessionSummaries, traceDocument, withoutSecrets, type SessionSummary, type TraceDocument } from './views.js';

export interface RelayServiceOptions {
  readonly db: Database;
  readonly sei: SeiTsm;
  readonly sp: SpTsm;
  readonly clock?: () => Date;
  readonly random?: (length: number) => Uint8Array;
  /** A session ends (`expired`) this long after its last step (default 10 minutes). */
  readonly sessionTtlMs?: number;
  /** A signature being certified is someone else's for this long before it may be taken up again (default 2 minutes). */
  readonly certifyingLeaseMs?: number;
}

/** The OS's SE agent running the clean-up session a reset notice opened: its credential names that one session. */
export interface AgentCaller {
  readonly agentSession: string;
  readonly seId: string;
}

/** Who may run a session's batches: its app instance, or the SE agent of a reset notice. */
export type Caller = AppInstance | AgentCaller;

/** Codes that end a session (its `failure.code`) rather than refuse a request. */
const SESSION_FAILURES: ReadonlySet<TsmErrorCode> = new Set(['ERR_TSM_SECURE_CHANNEL', 'ERR_TSM_RESPONSE_INVALID', 'ERR_TSM_CA_UNAVAILABLE']);

/**
 * The relay between the TSMs and the phone (docs/services/tsm.md): sessions an app opens, batches of
 * steps it runs on the secure element, and the responses it returns. All state is in the database, so
 * any process may take the next request; each request is one transaction (under the database-wide write
 * lock), except the call to the certification service, which runs between two. A batch, once made, is
 * the same for its number forever; its responses, once accepted, are too (a repeat gets the same
 * answer, different ones are refused). Every step goes into the trace with its secrets redacted.
 */
export class RelayService {
  readonly #db: Database;
  readonly #sei: SeiTsm;
  readonly #sp: SpTsm;
  readonly #clock: () => Date;
  readonly #random: (n: number) => Uint8Array;
  readonly #ttl: number;
  readonly #lease: number;

  constructor(options: RelayServiceOptions) {
    this.#db = options.db;
    this.#sei = options.sei;
    this.#sp = options.sp;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.#ttl = options.sessionTtlMs ?? 10 * 60_000;
    this.#lease = options.certifyingLeaseMs ?? 2 * 60_000;
  }

  get sei(): SeiTsm {
    return this.#sei;
  }

  get sp(): SpTsm {
    return this.#sp;
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  #expiry(): string {
    return new Date(this.#clock().getTime() + this.#ttl).toISOString();
  }

  /** App registration (flow 2 step 1): the element must be one the SEI-TSM knows. */
  async registerApp(input: { cplc: Uint8Array; appCertificateHash: string; pushToken?: string }): Promise<{ appInstanceId: string; credential: string; seId: string }> {
    const { seId } = identityFromCplc(input.cplc);
    return this.#db.transaction(async (tx) => {
      const element = await this.#sei.element(seId, tx);
      // A reset element may register a new app instance: it runs the reset clean-up first (open refuses the rest).
      if (!element) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId} is registered with the SEI-TSM`);
      return { ...(await this.#sp.registerAppInstance(tx, { seId, appCertificateHash: input.appCertificateHash, ...(input.pushToken ? { pushToken: input.pushToken } : {}) })), seId };
    });
  }

  authenticate(authorization: string | undefined): Promise<AppInstance> {
    return this.#sp.authenticateApp(authorization);
  }

  /** An app instance credential, or an SE agent's one-session credential (`tsmagt_…`, only its SHA-256 is kept). */
  async authenticateRunner(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer (tsmagt_\S*)$/.exec(authorization ?? '');
    if (!m) return this.#sp.authenticateApp(authorization);
    const row = await sessionOfAgent(this.#db, m[1]!);
    if (!row) throw new TsmError('ERR_TSM_UNAUTHENTICATED', 'unknown SE agent credential');
    return { agentSession: row.id, seId: row.se_id };
  }

  /**
   * Opens a session; a live session of the same element is aborted (one at a time per element).
   * `secrets` says which secrets a `reset-pin` session re-initialises (default both).
   */
  async open(app: AppInstance, request: { appInstanceId: string; seId: string; purpose: Purpose; secrets?: SecretsToReset }): Promise<SessionDocument> {
    if (request.appInstanceId !== app.id) throw new TsmError('ERR_TSM_FORBIDDEN', 'the credential is not that app instance\'s');
    if (request.seId !== app.seId) throw new TsmError('ERR_TSM_FORBIDDEN', 'the app instance is registered for another secure element');
    if (request.secrets !== undefined && request.purpose !== 'reset-pin') throw new TsmError('ERR_TSM_REQUEST', 'secrets are chosen only for a reset-pin session');
    // Flow 12: the certificates' status is asked of the CA before the transaction (an HTTP call).
    const marks = request.purpose === 'sync' || request.purpose === 'delete' ? await this.#sp.revokedMarks(request.seId) : [];
    return this.#db.transaction(async (tx) => {
      const element = await this.#sei.element(request.seId, tx);
      if (element?.state === 'reset' && request.purpose !== 'reset-cleanup') throw new TsmError('ERR_TSM_ELEMENT_RESET', `secure element ${request.seId} was reset: run the reset clean-up first`);
      const pre = { marks, ...(request.secrets ? { secrets: request.secrets } : {}) };
      const row = await this.#start(tx, { seId: request.seId, appInstanceId: app.id, agentTokenHash: null, appCertificateHash: app.appCertificateHash, purpose: request.purpose, pre });
      return this.#document(tx, row);
    });
  }

  /** A new session's row and first batch, after the element's live sessions were aborted. */
  async #start(
    tx: Queryable,
    s: { seId: string; appInstanceId: string | null; agentTokenHash: string | null; appCertificateHash: string; purpose: Purpose; pre: Parameters<typeof beginFlow>[4] },
  ): Promise<SessionRow> {
    await purgeSecrets(tx);
    await this.#abortLive(tx, s.seId, 'a new session began for this secure element');
    const id = `ses_${toHex(this.#random(16)).toLowerCase()}`;
    const flow: FlowSession = { id, seId: s.seId, appInstanceId: s.appInstanceId, appCertificateHash: s.appCertificateHash, phase: 'start', seiState: null, spState: null };
    const advance = await beginFlow({ sei: this.#sei, sp: this.#sp }, tx, flow, s.purpose, s.pre);
    const row = newSessionRow({ id, seId: s.seId, appInstanceId: s.appInstanceId, agentTokenHash: s.agentTokenHash, purpose: s.purpose, phase: advance.phase, seiState: advance.seiState, spState: advance.spState, now: this.#now(), expiresAt: this.#expiry() });
    await insertSession(tx, row);
    await this.#plan(tx, id, 1, advance.steps!);
    return row;
  }

  async #abortLive(q: Queryable, seId: string, detail: string): Promise<void> {
    for (const live of await liveSessionsOf(q, seId)) await this.#end(q, live, 'aborted', { code: 'ERR_TSM_ABORTED', detail });
  }

  /** The session as it stands (the current batch again, when one is waiting). */
  async get(caller: Caller, id: string): Promise<SessionDocument> {
    return this.#db.transaction(async (tx) => this.#document(tx, await this.#mine(tx, caller, id, true)));
  }

  /** The app's results for batch `seq` (flow: the next batch, or the end). */
  async submit(caller: Caller, id: string, seq: number, results: BatchResults): Promise<SessionDocument> {
    const hash = hashOf(results);
    const outcome = await this.#db.transaction(async (tx): Promise<SessionDocument | { expired: true }> => {
      const row = await this.#mine(tx, caller, id, false);
      const batch = await getBatch(tx, id, seq);
      if (!batch) throw new TsmError('ERR_TSM_BATCH_SEQUENCE', `there is no batch ${seq}; the session is at batch ${row.batch_seq}`);
      if (batch.responses !== null) {
        if (batch.responses_hash !== hash) throw new TsmError('ERR_TSM_BATCH_CONFLICT', `batch ${seq} was answered already, with other responses`);
        return this.#replay(tx, row, JSON.parse(batch.outcome!) as SessionDocument);
      }
      if (await this.#expire(tx, row)) return { expired: true };
      this.#live(row);
      if (row.state !== 'active' || seq !== row.batch_seq) throw new TsmError('ERR_TSM_BATCH_SEQUENCE', `no answer to batch ${seq} is expected now (the session is ${row.state})`);
      const steps = JSON.parse(batch.steps) as WireStep[];
      const owners = JSON.parse(batch.owners) as Party[];
      const doc = await this.#answer(tx, row, steps, owners, results);
      await answerBatch(tx, id, seq, JSON.stringify(results), hash, JSON.stringify(withoutSecrets(doc)), this.#now());
      return doc;
    });
    if ('expired' in outcome) throw new TsmError('ERR_TSM_SESSION_EXPIRED', 'the session expired');
    return outcome;
  }

  /**
   * The signature a session awaits (flow 3 step 5, flow 5, flow 7): the card's over the issuance
   * application or the re-initialisation request (with the card certificate), or the applet's over the
   * holder revocation request. The SP submits it to the CA and answers the batch that follows.
   */
  async signature(app: AppInstance, id: string, body: { signature: Uint8Array; cardCertificate: Uint8Array }): Promise<SessionDocument> {
    const hash = hashOf({ signature: toHex(body.signature), cardCertificate: toHex(body.cardCertificate) });
    if (body.signature.length === 0) throw new TsmError('ERR_TSM_REQUEST', 'a signature is required');
    const claimed = await this.#db.transaction(async (tx): Promise<{ doc: SessionDocument } | { expired: true } | { row: SessionRow }> => {
      const row = await this.#mine(tx, app, id, false);
      if (row.signature_hash === hash && row.state !== 'awaiting-signature' && row.state !== 'certifying') return { doc: await this.#document(tx, row) };
      if (await this.#expire(tx, row)) return { expired: true };
      this.#live(row);
      const stale = row.state === 'certifying' && Date.parse(row.updated_at) + this.#lease < this.#clock().getTime();
      if (row.state === 'certifying' && !stale) throw new TsmError('ERR_TSM_SESSION_BUSY', 'a signature for this session is being certified; ask again shortly');
      if (row.state !== 'awaiting-signature' && !stale) throw new TsmError('ERR_TSM_NOT_AWAITING_SIGNATURE', `the session is ${row.state}: it awaits no signature`);
      await updateSession(tx, id, { state: 'certifying', signature_hash: hash, updated_at: this.#now() });
      return { row: { ...row, state: 'certifying', signature_hash: hash } };
    });
    if ('expired' in claimed) throw new TsmError('ERR_TSM_SESSION_EXPIRED', 'the session expired');
    if ('doc' in claimed) return claimed.doc;
    const row = claimed.row;
    let certified: Certified;
    try {
      certified = await certify({ sei: this.#sei, sp: this.#sp }, row.purpose, row.se_id, row.application!, body);
    } catch (err) {
      const final = err instanceof TsmError && err.code === 'ERR_TSM_CA_REFUSED' && /^ERR_JPKI_(?:APPLICATION_REPLAYED|APPLICATION_STALE|ALREADY_REVOKED)\b/.test(err.message);
      const doc = await this.#db.transaction(async (tx) => {
        const current = (await getSession(tx, id))!;
        if (current.state !== 'certifying' || current.signature_hash !== hash) return undefined;
        if (final) return this.#document(tx, await this.#end(tx, current, 'failed', { code: 'ERR_TSM_CA_REFUSED', detail: (err as Error).message }));
        await updateSession(tx, id, { state: 'awaiting-signature', signature_hash: null, updated_at: this.#now() });
        return undefined;
      });
      if (doc) return doc;
      throw err;
    }
    return this.#db.transaction(async (tx) => {
      const current = (await getSession(tx, id))!;
      if (current.state !== 'certifying' || current.signature_hash !== hash) throw new TsmError('ERR_TSM_SESSION_BUSY', 'the session changed while the CA certified');
      let planned;
      try {
        planned = await certifiedFlow({ sei: this.#sei, sp: this.#sp }, tx, this.#flow(current), certified);
      } catch (err) {
        if (!(err instanceof TsmError) || !SESSION_FAILURES.has(err.code)) throw err;
        return this.#document(tx, await this.#end(tx, current, 'failed', { code: err.code, detail: err.message }));
      }
      const { advance, secrets } = planned;
      const seq = current.batch_seq + 1;
      const changes = { state: advance.state, phase: advance.phase, batch_seq: seq, sp_state: advance.spState, secrets: secrets ? this.#sp.sealSecrets(id, secrets) : null, updated_at: this.#now(), expires_at: this.#expiry() };
      await updateSession(tx, id, changes);
      await this.#plan(tx, id, seq, advance.steps);
      return this.#document(tx, { ...current, ...changes });
    });
  }

  /**
   * The app replaced the temporary PIN and/or password with the user's own (replacement.ts): the
   * temporary values are purged and the session completes. A repeat after that gets the completed
   * session again; a session in any other state is `ERR_TSM_NOT_AWAITING_REPLACEMENT`.
   */
  async secretsReplaced(app: AppInstance, id: string): Promise<SessionDocument> {
    const outcome = await this.#db.transaction(async (tx): Promise<SessionDocument | { expired: true }> => {
      const row = await this.#mine(tx, app, id, false);
      if (row.state === 'completed' && row.phase === REPLACED_PHASE) return this.#document(tx, row);
      if (await this.#expire(tx, row)) return { expired: true };
      this.#live(row);
      if (row.state !== 'awaiting-replacement') throw new TsmError('ERR_TSM_NOT_AWAITING_REPLACEMENT', `the session is ${row.state}: it awaits no replacement of temporary secrets`);
      return this.#document(tx, await recordReplacement(tx, row, this.#now()));
    });
    if ('expired' in outcome) throw new TsmError('ERR_TSM_SESSION_EXPIRED', 'the session expired');
    return outcome;
  }

  /** Factory reset (flow 10) asked by the element's app instance (element-reset.ts). */
  factoryReset(app: AppInstance, seId: string): Promise<{ seId: string; revoked: string[]; orderId: string; state: 'reset' }> {
    return factoryReset(this.#resetContext(), app, seId);
  }

  /** Factory reset (flow 10) told by the phone's OS SE agent, proven by the element (element-reset.ts). */
  resetNotice(notice: ResetNoticeInput): Promise<{ status: 200 | 201; answer: ResetNoticeAnswer }> {
    return acceptResetNotice(this.#resetContext(), notice);
  }

  #resetContext(): ResetContext {
    return {
      db: this.#db,
      sei: this.#sei,
      sp: this.#sp,
      now: () => this.#now(),
      abortLive: (q, seId, detail) => this.#abortLive(q, seId, detail),
      startAgentCleanup: async (q, seId) => {
        const credential = `tsmagt_${Buffer.from(this.#random(32)).toString('base64url')}`;
        const row = await this.#start(q, { seId, appInstanceId: null, agentTokenHash: agentTokenHash(credential), appCertificateHash: '', purpose: 'reset-cleanup', pre: {} });
        return { sessionId: row.id, credential };
      },
    };
  }

  async trace(id: string, app?: AppInstance): Promise<TraceDocument> {
    const row = await getSession(this.#db, id);
    if (!row || (app && row.app_instance_id !== app.id)) throw new TsmError('ERR_TSM_UNKNOWN_SESSION', `no session ${id}`);
    return (await traceDocument(this.#db, id))!;
  }

  sessions(filter: { seId?: string; limit?: number } = {}): Promise<SessionSummary[]> {
    return sessionSummaries(this.#db, filter);
  }

  // ---- internals ---------------------------------------------------------------------------------

  async #mine(q: Queryable, caller: Caller, id: string, maintain: boolean): Promise<SessionRow> {
    const row = await getSession(q, id);
    const mine = row !== undefined && ('agentSession' in caller ? row.id === caller.agentSession : row.app_instance_id === caller.id);
    if (!row || !mine) throw new TsmError('ERR_TSM_UNKNOWN_SESSION', `no session ${id} for this caller`);
    if (maintain) {
      await this.#expire(q, row);
      return (await getSession(q, id))!;
    }
    return row;
  }

  /** Marks a live session past its expiry as expired (its temporary secrets go with its state). */
  async #expire(q: Queryable, row: SessionRow): Promise<boolean> {
    const now = this.#clock().getTime();
    if (LIVE_STATES.includes(row.state) && Date.parse(row.expires_at) < now) {
      await this.#end(q, row, 'expired', { code: 'ERR_TSM_SESSION_EXPIRED', detail: 'no step for too long' });
      return true;
    }
    return false;
  }

  #live(row: SessionRow): void {
    if (row.state === 'expired') throw new TsmError('ERR_TSM_SESSION_EXPIRED', 'the session expired');
    if (!LIVE_STATES.includes(row.state)) throw new TsmError('ERR_TSM_SESSION_ENDED', `the session is ${row.state}`);
  }

  #flow(row: SessionRow): FlowSession {
    return { id: row.id, seId: row.se_id, appInstanceId: row.app_instance_id, appCertificateHash: '', phase: row.phase, seiState: row.sei_state, spState: row.sp_state };
  }

  /** Ends a session that did not complete: its state, its reason, and the TSMs' state of it cleared. */
  async #end(q: Queryable, row: SessionRow, state: 'failed' | 'expired' | 'aborted', failure: FailureDocument): Promise<SessionRow> {
    const { code, ...detail } = failure;
    const changes = { state, failure_code: code, failure_detail: JSON.stringify(detail), sei_state: null, sp_state: null, secrets: null, ended_at: this.#now(), updated_at: this.#now() };
    await updateSession(q, row.id, changes);
    if (row.purpose === 'issue') await this.#sp.issuanceFailed(q, row.id, `${code}: ${failure.detail}`);
    return { ...row, ...changes };
  }

  #plan(q: Queryable, id: string, seq: number, steps: readonly PlannedStep[]): Promise<void> {
    return planBatch(q, id, seq, steps, this.#now());
  }

  /** Checks a batch's results, ends the session at the first problem, or moves the flow on. */
  async #answer(q: Queryable, row: SessionRow, steps: readonly WireStep[], owners: readonly Party[], results: BatchResults): Promise<SessionDocument> {
    const seq = row.batch_seq;
    const trace = await traceOf(q, row.id);
    const replayed = replayedResponses(seq, results, trace, await batchesOf(q, row.id));
    if (replayed) return this.#document(q, await this.#end(q, row, 'failed', replayed));
    const labels = trace.filter((t) => t.batch_seq === seq).map((t) => t.label);
    const checked = checkBatch(seq, steps, labels, results);
    if (checked.failure) {
      await recordResponses(q, row.id, seq, steps.length, checked, undefined, checked.unexpected >= 0 ? checked.unexpected + 1 : checked.responses.length);
      return this.#document(q, await this.#end(q, row, 'failed', checked.failure));
    }
    let advance: Advance;
    try {
      advance = await continueFlow({ sei: this.#sei, sp: this.#sp }, q, this.#flow(row), owners, checked.responses);
    } catch (err) {
      if (!(err instanceof TsmError) || !SESSION_FAILURES.has(err.code)) throw err;
      await recordResponses(q, row.id, seq, steps.length, checked, undefined, steps.length);
      return this.#document(q, await this.#end(q, row, 'failed', { code: err.code, detail: err.message, batch: seq }));
    }
    await recordResponses(q, row.id, seq, steps.length, checked, advance.plain, steps.length);
    const next = advance.steps ? seq + 1 : seq;
    const changes: Partial<SessionRow> = {
      state: advance.state,
      phase: advance.phase,
      batch_seq: next,
      sei_state: advance.seiState,
      sp_state: advance.spState,
      updated_at: this.#now(),
      expires_at: this.#expiry(),
      ...(advance.application ? { application: advance.application } : {}),
      ...(advance.result ? { result: JSON.stringify(advance.result) } : {}),
      ...(advance.state === 'completed' ? { ended_at: this.#now() } : {}),
    };
    await updateSession(q, row.id, changes);
    if (advance.steps) await this.#plan(q, row.id, next, advance.steps);
    return this.#document(q, { ...row, ...changes } as SessionRow);
  }

  /**
   * A repeated answer: the stored outcome; for the last batch of an issuance or re-initialisation, the
   * session as it stands (with the temporary secrets while it awaits their replacement, never after).
   */
  async #replay(q: Queryable, row: SessionRow, stored: SessionDocument): Promise<SessionDocument> {
    if (stored.state !== 'awaiting-replacement') return stored;
    await this.#expire(q, row);
    return this.#document(q, (await getSession(q, row.id))!);
  }

  #document(q: Queryable, row: SessionRow): Promise<SessionDocument> {
    return sessionDocument(q, row, (id, sealed) => this.#sp.openSecrets(id, sealed));
  }
}
