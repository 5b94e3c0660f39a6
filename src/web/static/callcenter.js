// The call centre's console (flow 8): an operator (call-centre token, kept for the tab) finds the
// person who called, sees their phone certificates, suspends them at once, releases the user-
// authentication one when the phone is found, or revokes both (keyCompromise, the old phone's
// deletion ordered). Everything goes to the call centre's API, /callcenter/v1.
import { api, el, focusResult, initPage, ja, label, showProblem, showStatus, table, tokenForm } from './common.js';
import { applyLabels } from './i18n.js';

initPage('callcenter');

const TOKEN_KEY = 'jpki-mobile.callcenter-token';
const $ = (id) => document.getElementById(id);
const token = tokenForm($('token'), { storageKey: TOKEN_KEY, helpKey: 'cc.tokenHelp', id: 'cc-token', onChange: () => undefined });
let person;

async function loadCertificates() {
  const r = await api('GET', `/callcenter/v1/persons/${encodeURIComponent(person.personId)}/phone-certificates`, { token: token() });
  if (!r.ok) return showProblem($('cc-certs'), r.problem);
  if (r.data.certificates.length === 0) return $('cc-certs').replaceChildren(label('cc.noCerts', 'p'));
  $('cc-certs').replaceChildren(table([
    ['common.use', (c) => label(c.hierarchy === 'auth' ? 'common.authCert' : 'common.signCert')],
    ['common.serial', (c) => el('code', {}, c.serial)],
    ['common.status', (c) => el('span', { class: `status-${c.status}` }, c.status)],
    ['common.reason', (c) => (c.reason === null ? '—' : String(c.reason))],
    ['cc.element', (c) => el('code', {}, c.seId ?? '—')],
  ], r.data.certificates));
  $('cc-certs').querySelector('table').id = 'cc-certs-table';
  applyLabels($('cc-certs'));
}

$('find-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('find-form');
  if (!form.reportValidity()) return;
  const personId = $('cc-person').value.trim();
  const body = personId
    ? { personId }
    : { name: $('cc-name').value.trim(), birthDate: $('cc-birth').value, ...($('cc-address').value.trim() ? { address: $('cc-address').value.trim() } : {}) };
  const result = $('find-result');
  if (!personId && (!body.name || !body.birthDate)) {
    result.replaceChildren(el('p', { class: 'problem', role: 'alert' }, label('cc.needQuery')));
    return;
  }
  showStatus(result, 'common.working');
  const r = await api('POST', '/callcenter/v1/lookups', { body, token: token() });
  if (!r.ok) {
    $('person').hidden = true;
    return showProblem(result, r.problem);
  }
  result.replaceChildren();
  person = r.data;
  $('person').hidden = false;
  $('cc-result').replaceChildren();
  $('person-body').replaceChildren(el('dl', { class: 'basic-four', 'data-person-id': person.personId },
    label('cc.personId', 'dt'), el('dd', {}, el('code', { class: 'person-id' }, person.personId)),
    label('common.name', 'dt'), el('dd', {}, ja(person.name)),
    label('common.birthDate', 'dt'), el('dd', {}, person.birthDate),
    label('common.address', 'dt'), el('dd', {}, ja(person.address))));
  applyLabels($('person-body'));
  await loadCertificates();
  focusResult($('person-h'));
});

for (const [id, verb, member, done] of [['cc-suspend', 'suspend', 'held', 'cc.suspended'], ['cc-release', 'release', 'released', 'cc.released'], ['cc-revoke', 'revoke', 'revoked', 'cc.revoked']]) {
  $(id).addEventListener('click', async () => {
    if (!person) return;
    const result = $('cc-result');
    showStatus(result, 'common.working');
    const r = await api('POST', `/callcenter/v1/persons/${encodeURIComponent(person.personId)}/${verb}`, { body: {}, token: token() });
    if (!r.ok) {
      showProblem(result, r.problem);
      focusResult(result.firstElementChild);
      return;
    }
    const serials = r.data[member];
    const heading = label(done, 'h4', { id: 'cc-done-h' });
    result.replaceChildren(el('div', { class: 'result', 'data-action': verb }, heading, el('ul', {}, ...serials.map((s) => el('li', {}, el('code', {}, s))))));
    await loadCertificates();
    focusResult(heading);
  });
}
