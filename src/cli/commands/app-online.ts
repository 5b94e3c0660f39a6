import type { AppStatus, JpkiApp, OnlineEvent } from '../../app/index.js';
import { parse } from '../args.js';
import { UsageError, type Io } from '../command.js';
import { openApp, type OpenedPhone } from '../../app/index.js';
import { AppCliError } from './app-http.js';
import { checkSecretSources, nextLine, secretInput } from './secret-input.js';

/*
 * `app revoke`, `app status` and `app run`: flow 7 from the phone, the status screen with the old
 * phone's deletion (flow 6.4), and the app while the phone is online (push messages, the contact session
 * of flow 12). See docs/app.md.
 */

type WithPhone = <T>(dir: string | undefined, work: (o: OpenedPhone) => Promise<T>) => Promise<T>;

const NAMES = { auth: 'user-authentication certificate', sign: 'signature certificate' } as const;

export async function revokeCommand(args: string[], io: Io, withPhone: WithPhone, pinEnv: string): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, yes: { type: 'boolean' } });
  checkSecretSources([pinEnv]);
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    const before = app.data.certificates;
    if (!values.yes) {
      const answer = await nextLine(`Revoke both certificates of this phone (secure element ${app.data.seId ?? '?'}) and delete its keys? New ones need your card. Type 'yes'`, io);
      if (answer !== 'yes') throw new AppCliError('ERR_CLI_NOT_CONFIRMED', "not confirmed (answer 'yes', or give --yes): nothing was revoked");
    }
    const result = await app.revoke({ pin: () => secretInput(pinEnv, 'PIN', io) });
    const named = result.revoked.map((s) => (before?.auth === s ? `${NAMES.auth} ${s}` : before?.sign === s ? `${NAMES.sign} ${s}` : `certificate ${s}`));
    io.out(`revoked (cessationOfOperation): ${named.join(', ') || 'nothing'}\n`);
    io.out(`${result.wiped ? 'the keys and certificates on this phone are deleted' : 'the applet was not wiped'} (session ${result.sessionId})\n`);
    return 0;
  });
}

export function formatStatus(s: AppStatus): string {
  const lines = [`phone: secure element ${s.seId ?? '-'}, app instance ${s.appInstanceId ?? '-'} (preparation ${s.preparation ?? '-'}, issuance ${s.issuance ?? '-'})`];
  if (s.certificates.length === 0) lines.push('no certificate on this phone');
  for (const c of s.certificates) {
    const detail = [c.reason, c.revokedAt, c.source].filter((x) => x !== undefined).join(', ');
    lines.push(`${NAMES[c.which]} ${c.serial}: ${c.state}${detail ? ` (${detail})` : ''}`);
  }
  for (const o of s.orders) lines.push(`old phone ${o.seId}: deletion ${o.deletion} (order ${o.orderId} ${o.state}, push ${o.push.status})`);
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export async function statusCommand(args: string[], io: Io, withPhone: WithPhone): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, json: { type: 'boolean' } });
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    const status = await app.status();
    io.out(values.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
    return 0;
  });
}

function seconds(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,7}$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`--${flag} is a whole number of seconds from 1 to ${max}`);
  return Number(value);
}

function describe(e: OnlineEvent): string {
  switch (e.kind) {
    case 'push-session': {
      const r = e.result ?? {};
      const what = [r.wiped === true ? 'wiped' : undefined, Array.isArray(r.marked) && r.marked.length > 0 ? `marked revoked: ${r.marked.join(', ')}` : undefined].filter(Boolean).join('; ');
      return `push: ${e.purpose} session ${e.sessionId} ${e.state}${what ? ` (${what})` : ''}\n`;
    }
    case 'sync':
      return `sync: session ${e.sessionId} ${e.state}${e.marked.length > 0 ? `; marked revoked: ${e.marked.join(', ')}` : ''}${e.wiped ? '; wiped' : ''}\n`;
    case 'push-ignored':
      return `push: message ${e.messageId} ignored: ${e.error.message} [${e.error.code}]\n`;
    case 'error':
      return `error: ${e.error.message} [${e.error.code}]\n`;
  }
}

export async function runCommand(args: string[], io: Io, withPhone: WithPhone): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, once: { type: 'boolean' }, timeout: { type: 'string' }, poll: { type: 'string' }, 'no-sync': { type: 'boolean' } });
  const timeout = seconds(values.timeout, 'timeout', 604_800);
  const poll = seconds(values.poll, 'poll', 25);
  if (values.once && timeout !== undefined) throw new UsageError('--once and --timeout do not go together');
  return withPhone(values.phone, async (o) => {
    const app: JpkiApp = await openApp(o);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const report = await app.runOnline({
        ...(values.once ? { once: true } : {}),
        ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
        ...(poll !== undefined ? { pollSeconds: poll } : {}),
        ...(values['no-sync'] ? { noSync: true } : {}),
        signal: stop.signal,
        onEvent: (e) => (e.kind === 'error' || e.kind === 'push-ignored' ? io.err(describe(e)) : io.out(describe(e))),
      });
      io.out(`done: ${report.polls} poll${report.polls === 1 ? '' : 's'}, ${report.sessions} session${report.sessions === 1 ? '' : 's'}, ${report.errors} error${report.errors === 1 ? '' : 's'}${stop.signal.aborted ? ' (stopped)' : ''}\n`);
      return 0;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });
}
