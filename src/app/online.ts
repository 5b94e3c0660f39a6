import { hasCode } from '../errors/index.js';
import type { PushMessage } from '../services/push/index.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { toUserError } from './user-errors.js';

/**
 * The app while the phone is online: what a phone does between its user's actions.
 *
 * 1. It takes the push messages that wait for it (`tsm-session`: a deletion order of flows 6, 8, 9,
 *    the clean-up of flow 10) and runs each one's TSM session through the OS's SE agent.
 * 2. It makes contact with the SP-TSM once (a `sync` session, flow 12): the SP marks in the applet every
 *    certificate of the element the CA reports revoked (the applet then refuses to sign with it) and
 *    wipes the applet if a deletion order is still pending, whatever became of its push message
 *    (expired while the phone was off, a dead token).
 * 3. Unless `once`, it long-polls the push service (25 s at most per poll) and runs each message, until
 *    `timeoutMs` has passed or `signal` aborts. A failed poll (offline, server away) is retried after a
 *    growing pause (1 s doubling to 30 s), within the same bounds.
 *
 * With `once`, the first failure is thrown (a handler's failure after the other messages were handled
 * and acknowledged: the failed message comes again at the next poll). Without it, failures are reported
 * through `onEvent` and the loop goes on. A message this app does not understand is acknowledged and
 * dropped (`ignored`).
 */
export type OnlineEvent =
  | { readonly kind: 'push-session'; readonly purpose: string; readonly sessionId: string; readonly state: string; readonly result?: Record<string, unknown> }
  | { readonly kind: 'push-ignored'; readonly messageId: string; readonly error: AppError }
  | { readonly kind: 'sync'; readonly sessionId: string; readonly state: string; readonly marked: readonly string[]; readonly wiped: boolean }
  | { readonly kind: 'error'; readonly error: AppError };

export interface OnlineOptions {
  /** Take what waits and make contact once, then return (what a CLI `app run --once` does). */
  readonly once?: boolean;
  /** Return after this long (default: only when `signal` aborts). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Longest wait of one poll, in seconds (1..25, default 25). */
  readonly pollSeconds?: number;
  /** Skip the contact (`sync`) session. */
  readonly noSync?: boolean;
  onEvent?(event: OnlineEvent): void;
}

export interface OnlineReport {
  readonly polls: number;
  readonly sessions: number;
  readonly errors: number;
}

export interface SyncResult {
  readonly sessionId: string;
  readonly state: string;
  /** Serials the SP marked revoked in the applet in this session. */
  readonly marked: readonly string[];
  /** A deletion order was pending: the applet was wiped. */
  readonly wiped: boolean;
}

/** Flow 12's contact with the SP-TSM: a `sync` session (marks revoked certificates; wipes when ordered). */
export async function runSync(app: JpkiApp): Promise<SyncResult> {
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
  try {
    const outcome = await app.relay((client) => client.run({ seId: app.data.seId!, purpose: 'sync' }));
    const session = outcome.session;
    if (session.state !== 'completed') throw new AppError('ERR_APP_SESSION_FAILED', `The contact with the service did not complete (${session.failure?.code ?? session.state}): try again.`);
    const result = (session.result ?? {}) as { marked?: string[]; wiped?: boolean };
    if (result.wiped === true) await app.forgetCertificates();
    return { sessionId: session.sessionId, state: session.state, marked: result.marked ?? [], wiped: result.wiped === true };
  } catch (err) {
    throw toUserError(err, { doing: 'the contact with the service' });
  }
}

const MAX_PAUSE_MS = 30_000;

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runOnline(app: JpkiApp, options: OnlineOptions = {}): Promise<OnlineReport> {
  const push = app.push;
  if (!push) throw new AppError('ERR_APP_NOT_PREPARED', 'This phone has no push component: the app cannot be woken.');
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
  const pollSeconds = Math.min(25, Math.max(1, Math.floor(options.pollSeconds ?? 25)));
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + Math.max(0, options.timeoutMs);
  const emit = (e: OnlineEvent) => options.onEvent?.(e);
  let polls = 0;
  let sessions = 0;
  let errors = 0;

  push.on(app.packageName, async (m: PushMessage) => {
    try {
      const outcome = await app.handlePush(m.data);
      sessions++;
      const result = outcome.session.result as Record<string, unknown> | undefined;
      emit({ kind: 'push-session', purpose: (m.data as { purpose: string }).purpose, sessionId: outcome.session.sessionId, state: outcome.session.state, ...(result ? { result } : {}) });
    } catch (err) {
      if (hasCode(err, 'ERR_APP_PUSH_MESSAGE')) {
        emit({ kind: 'push-ignored', messageId: m.id, error: err as AppError });
        return;
      }
      throw err;
    }
  });

  const pollOnce = async (wait: number) => {
    polls++;
    let report;
    try {
      report = await push.deliverOnce(app.serverUrl, wait, options.signal);
    } catch (err) {
      throw toUserError(err, { doing: 'waiting for messages' });
    }
    for (const f of report.failed) {
      errors++;
      const error = toUserError(f.error, { doing: 'a session a push message asked for' });
      if (options.once) throw error;
      emit({ kind: 'error', error });
    }
  };

  // 1. What waits already.
  await pollOnce(0);
  // 2. Contact with the SP-TSM.
  if (!options.noSync) {
    try {
      const sync = await runSync(app);
      sessions++;
      emit({ kind: 'sync', ...sync });
    } catch (err) {
      if (options.once) throw err;
      errors++;
      emit({ kind: 'error', error: err as AppError });
    }
  }
  if (options.once) return { polls, sessions, errors };

  // 3. The long-poll loop, bounded by the deadline and the signal.
  let pauseMs = 1_000;
  while (!options.signal?.aborted && Date.now() < deadline) {
    const left = deadline - Date.now();
    const wait = Number.isFinite(left) ? Math.max(0, Math.min(pollSeconds, Math.floor(left / 1000))) : pollSeconds;
    try {
      await pollOnce(wait);
      pauseMs = 1_000;
      if (wait === 0) break;
    } catch (err) {
      if (options.signal?.aborted) break;
      errors++;
      emit({ kind: 'error', error: err as AppError });
      await pause(Math.min(pauseMs, Math.max(0, deadline - Date.now())), options.signal);
      pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
    }
  }
  return { polls, sessions, errors };
}
