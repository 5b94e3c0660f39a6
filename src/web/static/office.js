// The municipal office: an operator (office token, kept for the tab) issues cards, and revokes, holds
// (suspends) and releases certificates. Issuance goes to /web/v1/cards (the server makes the emulated card and has the
// certification service certify its keys); revocation, hold and release to the service's /api/v1 directly.
import { api, basicFour, cardPicker, el, focusResult, initPage, label, showProblem, showStatus, table, tokenForm } from './common.js';
import { applyLabels } from './i18n.js';

initPage('office');

const TOKEN_KEY = 'jpki-mobile.office-token';
const token = tokenForm(document.getElementById('token'), { storageKey: TOKEN_KEY, helpKey: 'office.tokenHelp', id: 'office-token', onChange: () => undefined });
let chosenCard = () => undefined;

async function refreshCards() {
  chosenCard = await cardPicker(document.getElementById('revoke-cards'), 'revoke-card');
}

const issueForm = document.getElementById('issue-form');
const issueResult = document.getElementById('issue-result');
issueForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!issueForm.reportValidity()) return;
  const f = new FormData(issueForm);
  const body = {
    person: { name: f.get('name'), address: f.get('address'), birthDate: f.get('birthDate'), sex: Number(f.get('sex')) },
    pin: f.get('pin'),
    password: String(f.get('password')).toUpperCase(),
    ...(f.get('cardExpiry') ? { cardExpiry: f.get('cardExpiry') } : {}),
  };
  showStatus(issueResult, 'common.working');
  const r = await api('POST', '/web/v1/cards', { body, token: token() });
  if (!r.ok) {
    showProblem(issueResult, r.problem);
    return;
  }
  issueForm.querySelector('#f-pin').value = '';
  issueForm.querySelector('#f-password').value = '';
  const card = r.data;
  const heading = label('office.issued', 'h3', { id: 'issued-h' });
  issueResult.replaceChildren(
    el('div', { class: 'result', 'data-card-id': card.id },
      heading,
      basicFour(body.person),
      el('dl', {},
        label('common.card', 'dt'), el('dd', {}, el('code', {}, card.id)),
        label('common.signCert', 'dt'), el('dd', {}, el('code', { class: 'sign-serial' }, card.sign.serial)),
        label('common.authCert', 'dt'), el('dd', {}, el('code', { class: 'auth-serial' }, card.auth.serial)),
        label('common.notAfter', 'dt'), el('dd', {}, card.cardExpiry))),
  );
  focusResult(heading);
  await refreshCards();
});

const revokeForm = document.getElementById('revoke-form');
const revokeResult = document.getElementById('revoke-result');
revokeForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const card = chosenCard();
  if (!card) return;
  const which = document.getElementById('r-which').value;
  const reason = document.getElementById('r-reason').value;
  const serial = card[which].serial;
  showStatus(revokeResult, 'common.working');
  const r = await api('POST', `/api/v1/certificates/${serial}/revoke`, { body: { reason }, token: token() });
  if (!r.ok) {
    showProblem(revokeResult, r.problem);
    return;
  }
  const heading = label('office.revoked', 'h3', { id: 'revoked-h' });
  revokeResult.replaceChildren(el('div', { class: 'result' }, heading, el('ul', {}, ...r.data.revoked.map((s) => el('li', {}, el('code', {}, s), ` (${reason})`)))));
  focusResult(heading);
});

/** Holds (suspends, certificateHold) or releases the chosen certificate of the chosen card. */
async function holdOrRelease(action) {
  const card = chosenCard();
  if (!card) return;
  const which = document.getElementById('r-which').value;
  const serial = card[which].serial;
  showStatus(revokeResult, 'common.working');
  const r = await api('POST', `/api/v1/certificates/${serial}/${action}`, { token: token() });
  if (!r.ok) {
    showProblem(revokeResult, r.problem);
    return;
  }
  const heading = label(action === 'hold' ? 'office.held' : 'office.released', 'h3', { id: `${action === 'hold' ? 'held' : 'released'}-h` });
  const serials = action === 'hold' ? r.data.held : r.data.released;
  revokeResult.replaceChildren(el('div', { class: 'result' }, heading, el('ul', {}, ...serials.map((s) => el('li', {}, label(which === 'sign' ? 'common.signCert' : 'common.authCert'), ' ', el('code', {}, s))))));
  focusResult(heading);
}

document.getElementById('hold-button').addEventListener('click', () => void holdOrRelease('hold'));
document.getElementById('release-button').addEventListener('click', () => void holdOrRelease('release'));

document.getElementById('states-button').addEventListener('click', async () => {
  const card = chosenCard();
  if (!card) return;
  showStatus(revokeResult, 'common.working');
  const rows = [];
  for (const which of ['sign', 'auth']) {
    const r = await api('GET', `/api/v1/certificates/${card[which].serial}`, { token: token() });
    if (!r.ok) {
      showProblem(revokeResult, r.problem);
      return;
    }
    rows.push({ which, ...r.data });
  }
  const t = table([
    ['office.certificate', (row) => label(row.which === 'sign' ? 'common.signCert' : 'common.authCert')],
    ['common.serial', (row) => el('code', {}, row.serial)],
    ['common.status', (row) => el('span', { class: `status-${row.status}` }, row.status)],
    ['common.reason', (row) => (row.reason === null ? '—' : String(row.reason))],
    ['common.notAfter', (row) => row.notAfter],
  ], rows, 'office.states');
  revokeResult.replaceChildren(t);
  applyLabels(revokeResult);
});

void refreshCards();
