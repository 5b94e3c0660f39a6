import type { Purpose, RelayOutcome } from '../services/tsm/index.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { toUserError } from './user-errors.js';

/**
 * The push message the app acts on (docs/app.md, "Push messages"): a server asks the app to open, or
 * take up, a TSM session.
 *
 * ```json
 * { "type": "tsm-session", "purpose": "delete", "sessionId": "ses_…" }
 * ```
 * - `purpose`: the relay session's purpose, 1-32 of `a-z 0-9 -` starting with a letter. The app does not
 *   interpret it: whatever script the TSM planned for it runs through the relay as any session does.
 * - `sessionId` (optional, `ses_` + 1-64 hex digits): a session the server opened already; the app takes
 *   it up (`GET /tsm/v1/sessions/{id}` then the batches). Without it the app opens a new session of that
 *   purpose for its element.
 * - `orderId` (optional, 1-64 of `A-Z a-z 0-9 _ -`): the SP-TSM's order behind the message (a deletion
 *   order, docs/services/tsm.md); the app only reports it, the session finds the order itself.
 * Anything else is `ERR_APP_PUSH_MESSAGE` (the message is acknowledged and dropped by the caller).
 */
export interface TsmSessionMessage {
  readonly type: 'tsm-session';
  readonly purpose: string;
  readonly sessionId?: string;
  readonly orderId?: string;
}

export function parsePushMessage(data: unknown): TsmSessionMessage {
  const bad = (why: string) => new AppError('ERR_APP_PUSH_MESSAGE', `a push message this app does not understand (${why})`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not an object');
  const d = data as Record<string, unknown>;
  if (d.type !== 'tsm-session') throw bad('type');
  if (typeof d.purpose !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(d.purpose)) throw bad('purpose');
  if (d.sessionId !== undefined && (typeof d.sessionId !== 'string' || !/^ses_[0-9a-f]{1,64}$/.test(d.sessionId))) throw bad('sessionId');
  if (d.orderId !== undefined && (typeof d.orderId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(d.orderId))) throw bad('orderId');
  for (const k of Object.keys(d)) if (!['type', 'purpose', 'sessionId', 'orderId'].includes(k)) throw bad(`member ${k}`);
  return {
    type: 'tsm-session',
    purpose: d.purpose,
    ...(typeof d.sessionId === 'string' ? { sessionId: d.sessionId } : {}),
    ...(typeof d.orderId === 'string' ? { orderId: d.orderId } : {}),
  };
}

export async function handlePushMessage(app: JpkiApp, data: unknown): Promise<RelayOutcome> {
  const message = parsePushMessage(data);
  try {
    const outcome = await app.relay((client) =>
      message.sessionId
        ? client.resume(message.sessionId)
        : // The server decides which purposes it serves (an unknown one is refused there).
          client.run({ seId: app.data.seId!, purpose: message.purpose as Purpose }),
    );
    await app.update({ lastPushSession: { purpose: message.purpose, sessionId: outcome.session.sessionId, state: outcome.session.state, at: new Date().toISOString() } });
    // A deletion order ran (flows 6, 8, 9): the applet is empty, so are the app's certificate records.
    if (outcome.session.state === 'completed' && (outcome.session.result as { wiped?: unknown } | undefined)?.wiped === true) await app.forgetCertificates();
    return outcome;
  } catch (err) {
    throw toUserError(err, { doing: `the ${message.purpose} session` });
  }
}
