import { createHash } from 'node:crypto';
import { encodeResponse, type ResponseApdu } from '../../../apdu/index.js';
import { bytesEqual, fromHex, toHex } from '../../../bytes/index.js';
import { canonicalJson, type Queryable } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import { responseOf, type WireStep } from '../script.js';
import type { BatchResults, FailureDocument } from './protocol.js';
import { recordTraceResponse, type BatchRow, type TraceRow } from './sessions.js';

/*
 * What the relay checks of a batch's results before any TSM sees them: their count against the steps,
 * and every status word against what its step expects (the server does not rely on the agent having
 * stopped where it should).
 */

/** The hash that makes a repeated answer recognisable (canonical JSON, SHA-256). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function sw(r: ResponseApdu): string {
  return r.sw.toString(16).toUpperCase().padStart(4, '0');
}

function expectedOf(step: WireStep): readonly string[] | undefined {
  if (step.op === 'apdu') return step.expect;
  if (step.op === 'open') return ['9000'];
  return undefined;
}

export interface CheckedBatch {
  readonly responses: readonly ResponseApdu[];
  /** The step whose status word was not expected, or -1. */
  readonly unexpected: number;
  /** Why the session ends here, if it does. */
  readonly failure?: FailureDocument;
}

/**
 * `ERR_TSM_BATCH_RESPONSES` for results that cannot be (more responses than steps; fewer with no
 * reason to stop; a phone-side error after the last step); otherwise the parsed responses and, when the
 * session ends here, the failure: the first unexpected status word, or the agent's error.
 */
export function checkBatch(seq: number, steps: readonly WireStep[], labels: readonly string[], results: BatchResults): CheckedBatch {
  if (results.responses.length > steps.length) throw new TsmError('ERR_TSM_BATCH_RESPONSES', `batch ${seq} has ${steps.length} steps and ${results.responses.length} responses came`);
  if (results.error && results.responses.length === steps.length) throw new TsmError('ERR_TSM_BATCH_RESPONSES', 'an agent error is reported at the step after the last response, and every step has one');
  const responses = results.responses.map((hex, i) => responseOf(fromHex(hex), labels[i] ?? `step ${i}`));
  const unexpected = responses.findIndex((r, i) => {
    const expect = expectedOf(steps[i]!);
    return expect !== undefined && !expect.includes(sw(r));
  });
  if (unexpected >= 0) {
    const at = responses[unexpected]!;
    return { responses, unexpected, failure: { code: 'ERR_TSM_UNEXPECTED_SW', detail: `${labels[unexpected]} answered ${sw(at)}`, batch: seq, step: unexpected, label: labels[unexpected]!, sw: sw(at) } };
  }
  if (results.error) {
    const at = responses.length;
    return { responses, unexpected, failure: { code: 'ERR_TSM_AGENT', detail: `${results.error.code}: ${results.error.detail}`, batch: seq, step: at, label: labels[at] ?? '' } };
  }
  if (responses.length < steps.length) throw new TsmError('ERR_TSM_BATCH_RESPONSES', `batch ${seq} has ${steps.length} steps; ${responses.length} responses came, with no reason to stop`);
  return { responses, unexpected };
}

/** A step the TSM sent under secure messaging: its wire command is not the plain one (C-MAC, C-DEC). */
function isProtected(t: TraceRow): boolean {
  return t.wire_command !== '' && t.wire_command !== t.command;
}

/**
 * `ERR_TSM_RESPONSE_REPLAYED` when the results cannot be the element's answers to batch `seq`: the
 * responses another batch of the session was answered with, posted again; or a response to a protected
 * step that the session has seen already (in an earlier batch or earlier in this one). Under SCP03 at
 * level 33 every protected response carries an R-MAC chained on its command's C-MAC, which chains on all
 * the session's commands before it: the element never gives the same one twice. (The same responses for
 * the same batch are not a replay but a repeat after a lost answer: the relay answers it from storage.)
 */
export function replayedResponses(seq: number, results: BatchResults, trace: readonly TraceRow[], batches: readonly BatchRow[]): FailureDocument | undefined {
  const hash = hashOf(results);
  const other = batches.find((b) => b.seq !== seq && b.responses_hash === hash);
  if (other) return { code: 'ERR_TSM_RESPONSE_REPLAYED', detail: `the responses posted for batch ${seq} are the ones batch ${other.seq} was answered with`, batch: seq };
  const seen = new Map<string, string>();
  for (const t of trace) {
    if (t.batch_seq < seq && t.outcome === 'ok' && t.response !== null && t.response.length > 4 && isProtected(t)) seen.set(t.response.toUpperCase(), `batch ${t.batch_seq} step ${t.idx} (${t.label})`);
  }
  const steps = trace.filter((t) => t.batch_seq === seq);
  for (const [i, r] of results.responses.entries()) {
    const step = steps[i];
    if (!step || !isProtected(step) || r.length <= 4) continue;
    const earlier = seen.get(r.toUpperCase());
    if (earlier) return { code: 'ERR_TSM_RESPONSE_REPLAYED', detail: `the response to ${step.label} is the element's answer to ${earlier}`, batch: seq, step: i, label: step.label };
    seen.set(r.toUpperCase(), `batch ${seq} step ${i} (${step.label})`);
  }
  return undefined;
}

/**
 * Writes the responses into the trace: the wire response, the plain one when secure messaging changed
 * it, and the outcome; steps from `upTo` on were not sent.
 */
export async function recordResponses(q: Queryable, sessionId: string, seq: number, steps: number, checked: CheckedBatch, plain: readonly ResponseApdu[] | undefined, upTo: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (i >= upTo) {
      await recordTraceResponse(q, sessionId, seq, i, null, null, 'not-sent');
      continue;
    }
    const wire = checked.responses[i]!;
    const p = plain?.[i];
    const plainHex = p && !(bytesEqual(p.data, wire.data) && p.sw === wire.sw) ? toHex(encodeResponse(p)) : null;
    await recordTraceResponse(q, sessionId, seq, i, toHex(encodeResponse(wire)), plainHex, i === checked.unexpected ? 'unexpected' : 'ok');
  }
}
