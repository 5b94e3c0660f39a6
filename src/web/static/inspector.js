// The inspector: what happened inside, read with the administrator's token: certificates and their
// states, card -> phone links, TSM sessions and their redacted APDU traces, push messages, the audit log.
import { api, el, focusResult, initPage, label, showProblem, showStatus, table, tokenForm } from './common.js';
import { applyLabels } from './i18n.js';

initPage('inspector');

const $ = (id) => document.getElementById(id);
const token = tokenForm($('token'), { storageKey: 'jpki-mobile.admin-token', helpKey: 'inspector.tokenHelp', id: 'admin-token', onChange: (t) => t && void load() });

function code(text) {
  return el('code', {}, text ?? '—');
}

async function load() {
  const result = $('load-result');
  showStatus(result, 'common.working');
  const certs = await api('GET', '/api/v1/certificates?limit=200', { token: token() });
  if (!certs.ok) return showProblem(result, certs.problem);
  const rows = certs.data.certificates;
  $('certs').replaceChildren(table([
    ['common.serial', (c) => code(c.serial)],
    ['inspector.device', (c) => c.device],
    ['inspector.hierarchy', (c) => c.hierarchy],
    ['common.status', (c) => el('span', { class: `status-${c.status}` }, c.status)],
    ['common.reason', (c) => (c.reason === null ? '—' : String(c.reason))],
    ['inspector.linked', (c) => code(c.linkedSerial)],
    ['common.notAfter', (c) => c.notAfter],
  ], rows));
  const links = rows.filter((c) => c.linkedSerial);
  $('links').replaceChildren(links.length === 0 ? label('inspector.noLinks', 'p') : table([
    ['common.signCert', (c) => code(c.linkedSerial)],
    ['common.serial', (c) => code(c.serial)],
    ['inspector.hierarchy', (c) => c.hierarchy],
    ['common.status', (c) => c.status],
    ['inspector.device', (c) => code(c.seId)],
  ], links));

  const sessions = await api('GET', '/tsm/v1/sessions?limit=50', { token: token() });
  if (!sessions.ok) showProblem($('sessions'), sessions.problem);
  else if (sessions.data.sessions.length === 0) $('sessions').replaceChildren(label('inspector.noSessions', 'p'));
  else {
    $('sessions').replaceChildren(table([
      ['inspector.created', (s) => s.createdAt],
      ['inspector.purpose', (s) => s.purpose],
      ['inspector.state', (s) => s.state],
      ['inspector.device', (s) => code(s.seId)],
      ['inspector.trace', (s) => el('button', { type: 'button', onclick: () => void showTrace(s.sessionId) }, label('inspector.showTrace'), el('span', { class: 'visually-hidden' }, ` ${s.sessionId}`))],
    ], sessions.data.sessions));
  }

  await loadPush();

  const audit = await api('GET', '/api/v1/audit?after=0&limit=500', { token: token() });
  if (!audit.ok) showProblem($('audit'), audit.problem);
  else {
    $('audit').replaceChildren(table([
      ['inspector.seq', (e) => String(e.seq)],
      ['inspector.at', (e) => e.at],
      ['inspector.actor', (e) => e.actor],
      ['inspector.action', (e) => el('span', { class: 'audit-action' }, e.action)],
      ['inspector.subject', (e) => code(e.subject)],
    ], audit.data.entries));
  }
  result.replaceChildren();
  applyLabels($('main'));
  focusResult($('certs-h'));
}

/** Push messages, newest first, a page of 50; `before` pages back by seq. */
async function loadPush(before) {
  const target = $('push');
  const r = await api('GET', `/push/v1/messages?limit=50${before ? `&before=${before}` : ''}`, { token: token() });
  if (!r.ok) return showProblem(target, r.problem);
  const { messages, next } = r.data;
  const nav = el('div', { class: 'actions' },
    before ? el('button', { type: 'button', onclick: () => void loadPush() }, label('inspector.newest')) : null,
    next !== null ? el('button', { type: 'button', onclick: () => void loadPush(next) }, label('inspector.older')) : null);
  target.replaceChildren(messages.length === 0 ? label('inspector.noPush', 'p') : table([
    ['inspector.seq', (m) => String(m.seq)],
    ['inspector.at', (m) => m.createdAt],
    ['inspector.sender', (m) => m.sender],
    ['inspector.purpose', (m) => m.purpose ?? '—'],
    ['common.status', (m) => el('span', { class: `status-${m.status}` }, m.failureReason ? `${m.status} (${m.failureReason})` : m.status)],
    ['inspector.device', (m) => code(m.deviceId)],
    ['inspector.app', (m) => m.appId],
    ['inspector.attempts', (m) => String(m.attempts)],
    ['inspector.finished', (m) => m.finishedAt ?? '—'],
  ], messages), nav);
  applyLabels(target);
}

async function showTrace(sessionId) {
  const target = $('trace');
  const r = await api('GET', `/tsm/v1/sessions/${encodeURIComponent(sessionId)}/trace`, { token: token() });
  if (!r.ok) return showProblem(target, r.problem);
  target.replaceChildren(table([
    ['inspector.seq', (e) => `${e.batch}.${e.index}`],
    ['inspector.actor', (e) => e.party],
    ['inspector.action', (e) => e.label],
    ['inspector.subject', (e) => el('pre', {}, `> ${e.command}\n< ${e.plainResponse ?? e.response ?? '—'}`)],
    ['inspector.state', (e) => e.outcome],
  ], r.data.entries));
  applyLabels(target);
  focusResult($('trace-h'));
}

$('load').addEventListener('click', () => void load());
if (token()) void load();
