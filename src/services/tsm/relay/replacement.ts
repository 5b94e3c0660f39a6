import type { Queryable } from '../../../store/index.js';
import { REPLACED_PHASE } from './flows.js';
import { insertTrace, traceOf, updateSession, type SessionRow } from './sessions.js';

/*
 * The last step of an issuance or re-initialisation session (flows.md 3.7, 5): the element holds the
 * temporary PIN and/or password the SP-TSM set; the app has the user type their own, replaces the
 * temporary values on its own channel to the applet (VERIFY + CHANGE REFERENCE DATA: the user's values
 * never pass through the relay) and confirms, `POST /tsm/v1/sessions/{id}/secrets-replaced`. The SP-TSM
 * then purges the temporary values at once, the trace records the step, and the session is `completed`.
 * The SP cannot see the replacement itself (a VERIFY of the temporary value would cost the user a try):
 * the confirmation is the app's word, and an app that lies only leaves its own applet on values nobody
 * knows any more (the user re-initialises them with the card, flow 5).
 */

/** What the confirmation says was replaced, in the trace's words. */
function replaced(row: SessionRow): string {
  const secrets = row.purpose === 'reset-pin' ? ((JSON.parse(row.result ?? '{}') as { secrets?: string }).secrets ?? 'both') : 'both';
  return secrets === 'pin' ? 'PIN' : secrets === 'password' ? 'password' : 'PIN and password';
}

/** Completes a session awaiting the replacement: temporary values purged, the step traced, the time in its result. */
export async function recordReplacement(q: Queryable, row: SessionRow, at: string): Promise<SessionRow> {
  const result = { ...(JSON.parse(row.result ?? '{}') as Record<string, unknown>), secretsReplacedAt: at };
  const changes = { state: 'completed' as const, phase: REPLACED_PHASE, secrets: null, result: JSON.stringify(result), ended_at: at, updated_at: at };
  await updateSession(q, row.id, changes);
  const idx = (await traceOf(q, row.id)).filter((t) => t.batch_seq === row.batch_seq).length;
  await insertTrace(q, [
    {
      session_id: row.id,
      batch_seq: row.batch_seq,
      idx,
      party: 'sp',
      label: `secrets replaced: the app set the user's own ${replaced(row)} (VERIFY + CHANGE REFERENCE DATA on its own channel); the temporary values are purged`,
      command: '',
      wire_command: '',
      response: null,
      plain_response: null,
      outcome: 'ok',
    },
  ]);
  return { ...row, ...changes };
}
