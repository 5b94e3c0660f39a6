import { fromHex, toHex } from '../../../bytes/index.js';
import { TsmError } from '../errors.js';
import { AID } from '../aids.js';
import type { WireStep } from '../script.js';
import type { SeChannel, SeChannels } from './channels.js';
import type { BatchDocument, BatchResults, SessionDocument } from './protocol.js';
import type { Purpose } from './sessions.js';

/*
 * The relay client: what the phone's app (or the OS's SE agent) runs to let the TSMs reach the secure
 * element. It opens a session, runs each batch on the element through logical channels, returns the
 * responses, and goes on until the server says the session ended. It reads nothing of what it relays:
 * SCP03 runs end to end between the TSM and the security domain.
 *
 * Network failures are retried with exponential backoff, and a batch is never run twice: its responses
 * are kept and sent again, the same, until the server has them (it answers a repeat as it answered the
 * first). After the retries, `ERR_TSM_RELAY_NETWORK`; `resume(sessionId)` takes the session up again
 * with whatever this client still holds.
 */

export interface CardSignature {
  readonly signature: Uint8Array;
  readonly cardCertificate: Uint8Array;
}

export interface RelayHooks {
  /**
   * Issuance and re-initialisation: the card signs the document's SHA-256 DigestInfo with its signature
   * key, after the user's password (flows.md 3.4, 5.1); the card's signature certificate comes with it.
   */
  signApplication?(application: Uint8Array): Promise<CardSignature>;
  /**
   * Issuance and re-initialisation: the element holds temporary values (`temporary`); the app replaces
   * them with the user's own on its own channel to the applet (VERIFY + CHANGE REFERENCE DATA, e.g.
   * `replaceTemporarySecrets`) and resolves; the client then confirms (`POST …/secrets-replaced`) and the
   * SP-TSM purges them. Called once per session: a resumed session is only confirmed again.
   */
  replaceSecrets?(temporary: { readonly pin?: string; readonly password?: string }, session: SessionDocument): Promise<void>;
  /** Every session document the server answers (progress display, tests). */
  onDocument?(doc: SessionDocument): void;
}

export interface RelayClientOptions {
  readonly baseUrl: string;
  readonly appInstanceId: string;
  readonly credential: string;
  readonly channels: SeChannels;
  readonly fetch?: typeof fetch;
  /** Attempts per request (default 5), first delay (default 200 ms), doubling up to the maximum (default 5 s). */
  readonly retry?: { readonly attempts?: number; readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RelayOutcome {
  /** The last document: `completed`, or why the session ended. */
  readonly session: SessionDocument;
  /** Batches run on the element by this call (round trips to the secure element). */
  readonly batches: number;
  /** HTTP requests this call sent, retries included. */
  readonly requests: number;
}

/** The server refused a request: its status and problem code. */
export class RelayRefusal extends TsmError {
  constructor(
    readonly status: number,
    readonly problem: string,
    detail: string,
  ) {
    super('ERR_TSM_RELAY_PROTOCOL', `${status} ${problem}: ${detail}`);
  }
}

const ENDED = new Set(['completed', 'failed', 'expired', 'aborted']);
const CHANNEL_NAME = /^[a-z][a-z0-9-]{0,15}$/;

function swOf(r: Uint8Array): string {
  return toHex(r.subarray(r.length - 2));
}

function checkStep(step: unknown): WireStep {
  const s = step as Record<string, unknown>;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.channel === 'string' &&
    CHANNEL_NAME.test(s.channel) &&
    ((s.op === 'open' && typeof s.aid === 'string' && /^(?:[0-9A-F]{2}){5,16}$/.test(s.aid)) ||
      (s.op === 'apdu' && typeof s.apdu === 'string' && /^(?:[0-9A-F]{2}){4,65544}$/.test(s.apdu) && Array.isArray(s.expect) && s.expect.every((e) => typeof e === 'string' && /^[0-9A-F]{4}$/.test(e))) ||
      s.op === 'close');
  if (!ok) throw new TsmError('ERR_TSM_RELAY_PROTOCOL', 'the server sent a step this client does not understand');
  return s as unknown as WireStep;
}

export class RelayClient {
  readonly #o: RelayClientOptions;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #runner: BatchRunner;
  /** Responses of a batch the server may not have yet: sent again, never recomputed. */
  #pending: { sessionId: string; seq: number; results: BatchResults } | undefined;
  #signature: { sessionId: string; value: CardSignature } | undefined;
  /** The session whose temporary secrets this client had replaced (only the confirmation is left). */
  #replaced: string | undefined;
  #requests = 0;
  #batches = 0;
  sessionId: string | undefined;

  constructor(options: RelayClientOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#runner = new BatchRunner(options.channels);
  }

  /** Opens a session for the element and drives it to its end (`secrets`: what a `reset-pin` session re-initialises). */
  async run(request: { seId: string; purpose: Purpose; secrets?: 'pin' | 'password' | 'both' }, hooks: RelayHooks = {}): Promise<RelayOutcome> {
    this.#requests = 0;
    this.#batches = 0;
    const doc = await this.#request('POST', '/tsm/v1/sessions', { appInstanceId: this.#o.appInstanceId, seId: request.seId, purpose: request.purpose, ...(request.secrets ? { secrets: request.secrets } : {}) });
    this.sessionId = doc.sessionId;
    return this.#drive(doc, hooks);
  }

  /** Takes a session up again (after `ERR_TSM_RELAY_NETWORK`): where the server stands, then on. */
  async resume(sessionId: string, hooks: RelayHooks = {}): Promise<RelayOutcome> {
    this.#requests = 0;
    this.#batches = 0;
    this.sessionId = sessionId;
    return this.#drive(await this.#request('GET', `/tsm/v1/sessions/${sessionId}`), hooks);
  }

  async #drive(first: SessionDocument, hooks: RelayHooks): Promise<RelayOutcome> {
    let doc = first;
    try {
      for (;;) {
        hooks.onDocument?.(doc);
        if (ENDED.has(doc.state)) return { session: doc, batches: this.#batches, requests: this.#requests };
        if (doc.state === 'active') {
          doc = await this.#batch(doc.sessionId, doc.batch!);
        } else if (doc.state === 'awaiting-signature') {
          if (!hooks.signApplication) throw new TsmError('ERR_TSM_RELAY_SIGNER', 'the session needs the card to sign its application, and no signer was given');
          if (this.#signature?.sessionId !== doc.sessionId) {
            this.#signature = { sessionId: doc.sessionId, value: await hooks.signApplication(new Uint8Array(Buffer.from(doc.application!, 'base64'))) };
          }
          const s = this.#signature.value;
          try {
            doc = await this.#request('POST', `/tsm/v1/sessions/${doc.sessionId}/signature`, {
              signature: Buffer.from(s.signature).toString('base64'),
              cardCertificate: Buffer.from(s.cardCertificate).toString('base64'),
            });
          } catch (err) {
            // Refused (the CA did not accept it): the next attempt asks the card again.
            if (err instanceof RelayRefusal) this.#signature = undefined;
            throw err;
          }
        } else if (doc.state === 'awaiting-replacement') {
          doc = await this.#replace(doc, hooks);
        } else {
          // certifying: another request of ours is with the CA; look again shortly.
          await this.#sleep(this.#o.retry?.initialDelayMs ?? 200);
          doc = await this.#request('GET', `/tsm/v1/sessions/${doc.sessionId}`);
        }
      }
    } finally {
      if (ENDED.has(doc.state)) await this.#runner.closeAll();
    }
  }

  /** The app replaces the temporary secrets (once per session), then the client confirms it. */
  async #replace(doc: SessionDocument, hooks: RelayHooks): Promise<SessionDocument> {
    if (this.#replaced !== doc.sessionId) {
      if (!hooks.replaceSecrets) throw new TsmError('ERR_TSM_RELAY_REPLACER', 'the session awaits the replacement of its temporary secrets, and no replacer was given');
      if (!doc.temporary) throw new TsmError('ERR_TSM_RELAY_PROTOCOL', 'the session awaits the replacement of temporary secrets it does not give');
      // The session's channels are closed (its last batch closed them); the app opens its own.
      await this.#runner.closeAll();
      await hooks.replaceSecrets(doc.temporary, doc);
      this.#replaced = doc.sessionId;
    }
    return this.#request('POST', `/tsm/v1/sessions/${doc.sessionId}/secrets-replaced`, {});
  }

  async #batch(sessionId: string, batch: BatchDocument): Promise<SessionDocument> {
    let results: BatchResults;
    if (this.#pending && this.#pending.sessionId === sessionId && this.#pending.seq === batch.seq) {
      results = this.#pending.results;
    } else {
      results = await this.#runner.run(batch.steps.map(checkStep));
      this.#batches++;
      this.#pending = { sessionId, seq: batch.seq, results };
    }
    const doc = await this.#request('POST', `/tsm/v1/sessions/${sessionId}/batches/${batch.seq}`, results);
    this.#pending = undefined;
    return doc;
  }

  /** One request, retried on a network failure, a 502-504 or a busy session, with the same body. */
  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<SessionDocument> {
    const attempts = this.#o.retry?.attempts ?? 5;
    let delay = this.#o.retry?.initialDelayMs ?? 200;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#o.retry?.maxDelayMs ?? 5_000);
      }
      this.#requests++;
      let res: Response;
      let text: string;
      try {
        res = await this.#fetch(this.#o.baseUrl.replace(/\/$/, '') + path, {
          method,
          headers: { authorization: `Bearer ${this.#o.credential}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        text = await res.text();
      } catch (err) {
        last = err;
        continue;
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        last = err;
        if (res.status >= 500) continue;
        throw new TsmError('ERR_TSM_RELAY_PROTOCOL', `the server answered ${res.status} with no JSON`, { cause: err });
      }
      if (res.ok) return parsed as unknown as SessionDocument;
      const refusal = new RelayRefusal(res.status, String(parsed.code), String(parsed.detail));
      if (res.status >= 502 || (res.status === 409 && parsed.code === 'ERR_TSM_SESSION_BUSY')) {
        last = refusal;
        continue;
      }
      throw refusal;
    }
    throw new TsmError('ERR_TSM_RELAY_NETWORK', `no answer from the TSM after ${attempts} attempts (session ${this.sessionId ?? 'not opened'}); resume it later`, { cause: last });
  }
}

/**
 * Runs batches on the element: keeps the channels the steps named open from one batch to the next
 * (a session's secure channel lives on its logical channel), and stops after the first response whose
 * status word is not expected. A failure on the phone's side (no channel, transmit error) is reported
 * with the responses so far. A `close` step answers `9000`.
 */
export class BatchRunner {
  readonly #channels = new Map<string, SeChannel>();

  constructor(readonly channels: SeChannels) {}

  async run(steps: readonly WireStep[]): Promise<BatchResults> {
    const responses: string[] = [];
    for (const step of steps) {
      try {
        if (step.op === 'open') {
          if (this.#channels.has(step.channel)) await this.#close(step.channel);
          const { channel, selectResponse } = await this.channels.open(fromHex(step.aid));
          responses.push(toHex(selectResponse));
          if (swOf(selectResponse) !== '9000') break;
          this.#channels.set(step.channel, channel);
        } else if (step.op === 'apdu') {
          const channel = this.#channels.get(step.channel);
          if (!channel) return { responses, error: { code: 'channel-not-open', detail: `no channel ${step.channel} is open on this phone` } };
          const response = await channel.transmit(fromHex(step.apdu));
          responses.push(toHex(response));
          if (!step.expect.includes(swOf(response))) break;
        } else {
          await this.#close(step.channel);
          responses.push('9000');
        }
      } catch (err) {
        return { responses, error: { code: 'transmit-failed', detail: err instanceof Error ? err.message.slice(0, 200) : 'unknown' } };
      }
    }
    return { responses };
  }

  async #close(name: string): Promise<void> {
    const channel = this.#channels.get(name);
    this.#channels.delete(name);
    await channel?.close();
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.#channels.keys()]) await this.#close(name).catch(() => undefined);
  }
}

/** App registration with the SP-TSM (flow 2 step 1): the element's CPLC and the app's certificate hash. */
export async function registerAppInstance(
  baseUrl: string,
  input: { cplc: Uint8Array; appCertificateHash: string; pushToken?: string },
  fetchImpl: typeof fetch = fetch,
): Promise<{ appInstanceId: string; credential: string; seId: string }> {
  const res = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/tsm/v1/app-instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cplc: toHex(input.cplc), appCertificateHash: input.appCertificateHash, ...(input.pushToken ? { pushToken: input.pushToken } : {}) }),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 201) throw new RelayRefusal(res.status, String(body.code), String(body.detail));
  return { appInstanceId: body.appInstanceId!, credential: body.credential!, seId: body.seId! };
}

/** The element's CPLC (GET DATA '9F7F' on the ISD, through a logical channel), as the app reads it. */
export async function readCplc(channels: SeChannels): Promise<Uint8Array> {
  const { channel, selectResponse } = await channels.open(AID.ISD);
  if (swOf(selectResponse) !== '9000') throw new TsmError('ERR_TSM_RELAY_CHANNEL', `SELECT ISD answered ${swOf(selectResponse)}`);
  try {
    const r = await channel.transmit(Uint8Array.of(0x80, 0xca, 0x9f, 0x7f, 0x00));
    if (swOf(r) !== '9000' || r.length !== 47 || r[0] !== 0x9f || r[1] !== 0x7f || r[2] !== 42) throw new TsmError('ERR_TSM_RELAY_CHANNEL', `GET DATA CPLC answered ${toHex(r)}`);
    return r.slice(3, 45);
  } finally {
    await channel.close();
  }
}
