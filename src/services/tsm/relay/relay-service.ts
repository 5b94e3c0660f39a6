import { randomBytes } from 'node:crypto';
import { toHex } from '../../../bytes/index.js';
import type { Database, Queryable } from '../../../store/index.js';
import { TsmError, type TsmErrorCode } from '../errors.js';
import type { Party, PlannedStep, WireStep } from '../script.js';
import type { SeiTsm } from '../sei/sei-tsm.js';
import { identityFromCplc } from '../se-identity.js';
import type { AppInstance, SpTsm } from '../sp/sp-tsm.js';
import { checkBatch, hashOf, recordResponses } from './batch-check.js';
import { beginFlow, certifiedFlow, continueFlow, type Advance, type FlowSession } from './flows.js';
import type { BatchResults, FailureDocument, SessionDocument } from './protocol.js';
import { answerBatch, getBatch, getSession, insertBatch, insertSession, insertTrace, LIVE_STATES, liveSessionsOf, purgeSecrets, traceOf, updateSession, type Purpose, type SessionRow } from './sessions.js';
import { sessionSummaries, traceDocument, type SessionSummary, type TraceDocument } from './views.js';

export interface RelayServiceOptions {
  readonly db: Database;
  readonly sei: SeiTsm;
  readonly sp: SpTsm;
  readonly clock?: () => Date;
  readonly random?: (length: number) => Uint8Array;
  /** A session ends (`expired`) this long after its last step (default 10 minutes). */
  readonly sessionTtlMs?: number;
  /** The temporary PIN and password stay readable this long after issuance completed (default 5 minutes). */
  readonly secretsTtlMs?: number;
  /** A signature being certified is someone else's for this long before it may be taken up again (default 2 minutes). */
  readonly certifyingLeaseMs?: number;
}

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
  readonly #secretsTtl: number;
  readonly #lease: number;

  constructor(options: RelayServiceOptions) {
    this.#db = options.db;
    this.#sei = options.sei;
    this.#sp = options.sp;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.#ttl = options.sessionTtlMs ?? 10 * 60_000;
    this.#secretsTtl = options.secretsTtlMs ?? 5 * 60_000;
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

  /** Opens a session; a live session of the same element is aborted (one at a time per element). */
  async open(app: AppInstance, request: { appInstanceId: string; seId: string; purpose: Purpose }): Promise<SessionDocument> {
    if (request.appInstanceId !== app.id) throw new TsmError('ERR_TSM_FORBIDDEN', 'the credential is not that app instance\'s');
    if (request.seId !== app.seId) throw new TsmError('ERR_TSM_FORBIDDEN', 'the app instance is registered for another secure element');
    // Flow 12: the certificates' status is asked of the CA before the transaction (an HTTP call).
    const marks = request.purpose === 'sync' || request.purpose === 'delete' ? await this.#sp.revokedMarks(request.seId) : [];
    return this.#db.transaction(async (tx) => {
      const element = await this.#sei.element(request.seId, tx);
      if (element?.state === 'reset' && request.purpose !== 'reset-cleanup') throw new TsmError('ERR_TSM_ELEMENT_RESET', `secure element ${request.seId} was reset: run the reset clean-up first`);
      await purgeSecrets(tx, new Date(this.#clock().getTime() - this.#secretsTtl).toISOString());
      for (const live of await liveSessionsOf(tx, request.seId)) {
        await this.#end(tx, live, 'aborted', { code: 'ERR_TSM_ABORTED', detail: 'a new session began for this secure element' });
      }
      const id = `ses_${toHex(this.#random(16)).toLowerCase()}`;
      const flow: FlowSession = { id, seId: request.seId, appInstanceId: app.id, appCertificateHash: app.appCertificateHash, phase: 'start', seiState: null, spState: null };
      const advance = await beginFlow({ sei: this.#sei, sp: this.#sp }, tx, flow, request.purpose, { marks });
      const now = this.#now();
      const row: SessionRow = {
        id,
        app_instance_id: app.id,
        se_id: request.seId,
        purpose: request.purpose,
        state: 'active',
        phase: advance.phase,
        batch_seq: 1,
        version: 1,
        failure_code: null,
        failure_detail: null,
        result: null,
        secrets: null,
        application: null,
        signature_hash: null,
        sei_state: advance.seiState,
        sp_state: advance.spState,
        created_at: now,
        updated_at: now,
        expires_at: this.#expiry(),
        ended_at: null,
      };
      await insertSession(tx, row);
      await this.#plan(tx, id, 1, advance.steps!);
      return this.#document(tx, row);
    });
  }

  /** The session as it stands (the current batch again, when one is waiting). */
  async get(app: AppInstance, id: string): Promise<SessionDocument> {
    return this.#db.transaction(async (tx) => this.#document(tx, await this.#mine(tx, app, id, true)));
  }

  /** The app's results for batch `seq` (flow: the next batch, or the end). */
  async submit(app: AppInstance, id: string, seq: number, results: BatchResults): Promise<SessionDocument> {
    const hash = hashOf(results);
    const outcome = await this.#db.transaction(async (tx): Promise<SessionDocument | { expired: true }> => {
      const row = await this.#mine(tx, app, id, false);
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
      await answerBatch(tx, id, seq, JSON.stringify(results), hash, JSON.stringify(this.#withoutSecrets(doc)), this.#now());
      return doc;
    });
    if ('expired' in outcome) throw new TsmError('ERR_TSM_SESSION_EXPIRED', 'the session expired');
    return outcome;
  }

  /**
   * The card's signature over the issuance application, and the card certificate (flow 3 step 5): the
   * SP submits them to the CA and answers the batch that writes the certificates.
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
    let certified;
    try {
      if (row.purpose === 'revoke') {
        certified = await this.#sp.holderRevocation(row.se_id, row.application!, body.signature);
      } else {
        if (body.cardCertificate.length === 0) throw new TsmError('ERR_TSM_REQUEST', 'issuance needs the card certificate');
        certified = await this.#sp.certify({ application: row.application!, signature: body.signature, cardCertificate: body.cardCertificate });
      }
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
   * Factory reset (flow 10), told by the phone before its reset wipes it (or at its first contact
   * after): the CA revokes the element's phone certificates (cessationOfOperation, via the SP), then,
   * in one transaction, the SEI marks the element reset, live sessions are aborted, the element's wipe
   * orders give way to a `delete-apsd` order (the SEI deletes the APSD with its applet and keys at the
   * next contact, purpose `reset-cleanup`), and the element's app instances are disabled.
   */
  async factoryReset(app: AppInstance, seId: string): Promise<{ seId: string; revoked: string[]; orderId: string; state: 'reset' }> {
    if (seId !== app.seId) throw new TsmError('ERR_TSM_FORBIDDEN', 'the app instance is registered for another secure element');
    const personId = (await this.#sp.currentCertificates(seId))?.personId ?? null;
    const revoked = await this.#sp.factoryResetRevocation(seId);
    return this.#db.transaction(async (tx) => {
      for (const live of await liveSessionsOf(tx, seId)) await this.#end(tx, live, 'aborted', { code: 'ERR_TSM_ABORTED', detail: 'the secure element is being reset' });
      await this.#sei.markReset(tx, seId);
      await this.#sp.desk.cancel(tx, seId, 'wipe-applet');
      const order = await this.#sp.desk.place(tx, { kind: 'delete-apsd', seId, personId, serials: revoked, reason: 5, source: 'factory-reset' });
      await this.#sp.disableAppInstances(tx, seId);
      return { seId, revoked, orderId: order.id, state: 'reset' as const };
    });
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

  async #mine(q: Queryable, app: AppInstance, id: string, maintain: boolean): Promise<SessionRow> {
    const row = await getSession(q, id);
    if (!row || row.app_instance_id !== app.id) throw new TsmError('ERR_TSM_UNKNOWN_SESSION', `no session ${id} for this app instance`);
    if (maintain) {
      await this.#expire(q, row);
      return (await getSession(q, id))!;
    }
    return row;
  }

  /** Marks a live session past its expiry as expired; purges the temporary secrets of an old completed one. */
  async #expire(q: Queryable, row: SessionRow): Promise<boolean> {
    const now = this.#clock().getTime();
    if (LIVE_STATES.includes(row.state) && Date.parse(row.expires_at) < now) {
      await this.#end(q, row, 'expired', { code: 'ERR_TSM_SESSION_EXPIRED', detail: 'no step for too long' });
      return true;
    }
    if (row.secrets && row.ended_at && Date.parse(row.ended_at) + this.#secretsTtl < now) await updateSession(q, row.id, { secrets: null });
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

  async #plan(q: Queryable, id: string, seq: number, steps: readonly PlannedStep[]): Promise<void> {
    await insertBatch(
      q,
      id,
      seq,
      steps.map((s) => s.wire),
      steps.map((s) => s.party),
      this.#now(),
    );
    await insertTrace(
      q,
      steps.map((s, idx) => ({ session_id: id, batch_seq: seq, idx, party: s.party, label: s.label, command: s.command, wire_command: s.traced, response: null, plain_response: null, outcome: 'planned' })),
    );
  }

  /** Checks a batch's results, ends the session at the first problem, or moves the flow on. */
  async #answer(q: Queryable, row: SessionRow, steps: readonly WireStep[], owners: readonly Party[], results: BatchResults): Promise<SessionDocument> {
    const seq = row.batch_seq;
    const labels = (await traceOf(q, row.id)).filter((t) => t.batch_seq === seq).map((t) => t.label);
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

  #withoutSecrets(doc: SessionDocument): SessionDocument {
    if (!doc.result || !('temporaryPin' in doc.result)) return doc;
    const { temporaryPin: _p, temporaryPassword: _w, ...rest } = doc.result;
    return { ...doc, result: rest };
  }

  /** A repeated answer: the stored outcome, with the temporary secrets while they are kept. */
  async #replay(q: Queryable, row: SessionRow, stored: SessionDocument): Promise<SessionDocument> {
    if (stored.state !== 'completed') return stored;
    return this.#document(q, row);
  }

  async #document(q: Queryable, row: SessionRow): Promise<SessionDocument> {
    const base = { sessionId: row.id, purpose: row.purpose, seId: row.se_id, appInstanceId: row.app_instance_id, state: row.state, expiresAt: row.expires_at };
    switch (row.state) {
      case 'active': {
        const batch = (await getBatch(q, row.id, row.batch_seq))!;
        return { ...base, batch: { seq: row.batch_seq, steps: JSON.parse(batch.steps) as WireStep[] } };
      }
      case 'awaiting-signature':
      case 'certifying':
        return { ...base, application: Buffer.from(row.application!).toString('base64') };
      case 'completed': {
        const result = JSON.parse(row.result ?? '{}') as Record<string, unknown>;
        if (row.secrets) {
          const s = this.#sp.openSecrets(row.id, row.secrets);
          Object.assign(result, { temporaryPin: s.pin, temporaryPassword: s.password });
        }
        return { ...base, result };
      }
      default:
        return { ...base, failure: { code: row.failure_code!, ...(JSON.parse(row.failure_detail ?? '{}') as Omit<FailureDocument, 'code'>) } };
    }
  }
}
