// The portal: login with a card (the server's card on a reader signs the portal's challenge after
// the PIN typed on the PIN pad) or with a phone (its user-authentication key after the PIN or a
// fingerprint), the person, applications signed with the signature password of the same card or
// phone, my certificates. The portal's session is its HttpOnly cookie; this page never sees the token.
import { api, basicFour, biometricPrompt, cardPicker, el, focusResult, fromBase64Utf8, initPage, ja, label, phonePicker, pinPad, showProblem, showStatus, signOnCard, signOnPhone, table } from './common.js';
import { applyLabels, currentLang, onLanguageChange } from './i18n.js';

initPage('portal');

const LOGGED_IN = 'jpki-mobile.portal-login';
const $ = (id) => document.getElementById(id);
let chosenCard = () => undefined;
let chosenPhone = () => undefined;

/** What this tab logged in with: {kind: 'card' | 'phone', id}, or undefined. */
function loggedIn() {
  try {
    const v = JSON.parse(sessionStorage.getItem(LOGGED_IN) ?? 'null');
    return v && (v.kind === 'card' || v.kind === 'phone') && typeof v.id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
let forms = [];
let draft;

/** The portal's challenge, answered by `sign` (the card or the phone), then the session. */
async function login(kind, id, sign) {
  const result = $('login-result');
  showStatus(result, 'common.working');
  const challenge = await api('POST', '/portal/v1/login/challenges', { body: {} });
  if (!challenge.ok) return showProblem(result, challenge.problem);
  const signed = await sign(challenge.data);
  if (!signed.ok) return showProblem(result, signed.problem);
  const session = await api('POST', '/portal/v1/login', { body: { challengeId: challenge.data.challengeId, certificate: signed.data.certificate, signature: signed.data.signature } });
  if (!session.ok) {
    showProblem(result, session.problem);
    focusResult(result.firstElementChild);
    return;
  }
  sessionStorage.setItem(LOGGED_IN, JSON.stringify({ kind, id }));
  result.replaceChildren();
  await showLoggedIn(true);
}

function loginWithCard(pin) {
  const card = chosenCard();
  if (!card) return;
  return login('card', card.id, (c) => signOnCard(card.id, 'auth', pin, c.digestInfo));
}

/** The phone signs the challenge itself (its app computes the DigestInfo) after the PIN or a finger. */
function loginWithPhone(unlock) {
  const phone = chosenPhone();
  if (!phone) return;
  return login('phone', phone.id, (c) => signOnPhone(phone.id, { key: 'auth', challenge: c.challenge, ...unlock }));
}

/** The phone's PIN pad and biometric prompt, made when the phone is first chosen. */
function phoneUnlock() {
  if ($('login-phone-pin')) return;
  pinPad($('login-phone-pad'), { id: 'login-phone-pin', onSubmit: (pin) => void loginWithPhone({ pin }) });
  biometricPrompt($('login-bio'), { id: 'login-finger', enrolled: chosenPhone()?.fingerprints?.map((f) => f.finger) ?? [], onTouch: (finger) => void loginWithPhone({ finger }) });
}

function showLoginMethod() {
  const withPhone = $('login-with-phone').checked;
  if (withPhone) phoneUnlock();
  $('login-card-area').hidden = withPhone;
  $('login-phone-area').hidden = !withPhone;
  const byFinger = $('login-by-finger').checked;
  $('login-phone-pad').hidden = byFinger;
  $('login-bio').hidden = !byFinger;
  $('login-result').replaceChildren();
}

for (const id of ['login-with-card', 'login-with-phone', 'login-by-pin', 'login-by-finger']) $(id).addEventListener('change', showLoginMethod);

async function showLoggedIn(moveFocus) {
  const me = await api('GET', '/portal/v1/me');
  if (!me.ok) {
    sessionStorage.removeItem(LOGGED_IN);
    showProblem($('login-result'), me.problem);
    return;
  }
  $('login').hidden = true;
  for (const id of ['me', 'apply', 'mine']) $(id).hidden = false;
  $('me-body').replaceChildren(me.data.person ? basicFour(me.data.person) : el('p', {}, me.data.certificate.subject));
  if (moveFocus) focusResult($('me-h'));
  await loadForms();
  await loadMine();
}

function formTitle(form) {
  return currentLang() === 'ja' ? form.titleJa : form.title;
}

async function loadForms() {
  const r = await api('GET', '/portal/v1/forms');
  if (!r.ok) return showProblem($('apply-result'), r.problem);
  forms = r.data.forms;
  const select = $('form-id');
  select.replaceChildren(...forms.map((f) => el('option', { value: f.id }, formTitle(f))));
  renderFields();
}

function renderFields() {
  const form = forms.find((f) => f.id === $('form-id').value);
  const target = $('draft-form');
  if (!form) return target.replaceChildren();
  const rows = [];
  for (const field of form.fields) {
    const id = `field-${field.name}`;
    const text = currentLang() === 'ja' ? field.labelJa : field.label;
    rows.push(el('label', { for: id }, text));
    if (field.type === 'choice') {
      rows.push(el('select', { id, name: field.name, ...(field.required ? { required: true } : {}) },
        ...(field.required ? [] : [el('option', { value: '' }, '—')]),
        ...field.options.map((o) => el('option', { value: o.value }, (currentLang() === 'ja' && o.labelJa) || o.label || o.value))));
    } else {
      const attrs = { id, name: field.name, ...(field.required ? { required: true } : {}) };
      if (field.type === 'date') attrs.type = 'date';
      else if (field.type === 'digits') Object.assign(attrs, { inputmode: 'numeric', pattern: `[0-9]{${field.length}}`, maxlength: field.length });
      else Object.assign(attrs, { maxlength: field.length, lang: 'ja' });
      rows.push(el('input', attrs));
    }
  }
  rows.push(el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, label('portal.prepare'))));
  target.replaceChildren(...rows);
}

$('form-id').addEventListener('change', renderFields);
onLanguageChange(() => {
  if (forms.length === 0) return;
  const chosen = $('form-id').value;
  for (const option of $('form-id').options) option.textContent = formTitle(forms.find((f) => f.id === option.value));
  $('form-id').value = chosen;
  renderFields();
});

$('draft-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!$('draft-form').reportValidity()) return;
  const fields = {};
  for (const [name, value] of new FormData($('draft-form'))) if (value !== '') fields[name] = String(value);
  const r = await api('POST', '/portal/v1/applications/drafts', { body: { formId: $('form-id').value, fields } });
  if (!r.ok) return showProblem($('apply-result'), r.problem);
  draft = r.data;
  $('apply-result').replaceChildren();
  $('draft-doc').textContent = JSON.stringify(JSON.parse(fromBase64Utf8(draft.content)), null, 2);
  $('draft').hidden = false;
  $('sign-with').replaceChildren(label(loggedIn()?.kind === 'phone' ? 'portal.signWithPhone' : 'portal.signWithCard'));
  $('sign-password').focus();
});

$('sign-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const who = loggedIn();
  const password = $('sign-password').value.toUpperCase();
  $('sign-password').value = '';
  if (!draft || !who) return;
  const result = $('apply-result');
  showStatus(result, 'common.working');
  const signed = who.kind === 'phone'
    ? await signOnPhone(who.id, { key: 'sign', digestInfo: draft.digestInfo, password })
    : await signOnCard(who.id, 'sign', password, draft.digestInfo);
  if (!signed.ok) return showProblem(result, signed.problem);
  const r = await api('POST', '/portal/v1/applications', { body: { draftId: draft.draftId, signature: signed.data.signature, certificate: signed.data.certificate } });
  if (!r.ok) return showProblem(result, r.problem);
  draft = undefined;
  $('draft').hidden = true;
  const a = r.data;
  const heading = label('portal.submitted', 'h3', { id: 'submitted-h' });
  result.replaceChildren(el('div', { class: 'result', 'data-application-id': a.applicationId },
    heading,
    el('dl', {},
      label('portal.applicationId', 'dt'), el('dd', {}, el('code', { class: 'application-id' }, a.applicationId)),
      label('portal.form', 'dt'), el('dd', {}, a.formTitle),
      label('common.signCert', 'dt'), el('dd', {}, el('code', {}, a.signer.serial))),
    basicFour(a.applicant),
    el('p', {},
      el('a', { href: `/portal/v1/applications/${a.applicationId}/cms`, download: `${a.applicationId}.p7s` }, label('portal.cms')), ' · ',
      el('a', { href: `/portal/v1/applications/${a.applicationId}/content`, download: `${a.applicationId}.json` }, label('portal.content')))));
  focusResult(heading);
  await loadMine();
});

async function loadMine() {
  const certs = await api('GET', '/portal/v1/me/certificates');
  if (!certs.ok) showProblem($('mine-body'), certs.problem);
  else {
    $('mine-body').replaceChildren(table([
      ['common.serial', (c) => el('code', {}, c.serial)],
      ['common.holder', (c) => c.holder],
      ['common.use', (c) => c.use],
      ['common.status', (c) => el('span', { class: `status-${c.status}` }, c.status)],
      ['common.reason', (c) => c.reason ?? '—'],
      ['common.notAfter', (c) => c.notAfter],
    ], certs.data.certificates));
  }
  const apps = await api('GET', '/portal/v1/applications');
  if (!apps.ok) showProblem($('apps-body'), apps.problem);
  else {
    $('apps-body').replaceChildren(table([
      ['portal.applicationId', (a) => el('code', {}, a.applicationId)],
      ['portal.form', (a) => a.formTitle],
      ['inspector.at', (a) => a.receivedAt],
      ['common.name', (a) => ja(a.applicant.name)],
    ], apps.data.applications));
  }
  applyLabels($('mine'));
}

$('logout').addEventListener('click', async () => {
  await api('POST', '/portal/v1/logout', { body: {} });
  sessionStorage.removeItem(LOGGED_IN);
  for (const id of ['me', 'apply', 'mine']) $(id).hidden = true;
  $('login').hidden = false;
  focusResult($('login-h'));
});

async function start() {
  chosenCard = await cardPicker($('login-cards'), 'login-card');
  pinPad($('login-pad'), { id: 'login-pin', onSubmit: (pin) => void loginWithCard(pin) });
  chosenPhone = await phonePicker($('login-phones'), 'login-phone');
  showLoginMethod();
  // Only ask who is logged in when this tab logged in (an anonymous /me is a 401 in the console).
  if (loggedIn()) await showLoggedIn(false);
}

void start();
