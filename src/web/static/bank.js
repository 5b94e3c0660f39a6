// The bank: the terms to sign, the card's (or the phone's) signature after its password, the account
// opened with the basic four information read from the signature certificate (the bank knows nothing
// else of the person).
import { api, basicFour, cardPicker, el, focusResult, initPage, label, phonePicker, showProblem, showStatus, signOnCard, signOnPhone } from './common.js';

initPage('bank');

const $ = (id) => document.getElementById(id);
let chosenCard = () => undefined;
let chosenPhone = () => undefined;
let opening;

const withPhone = () => $('bank-with-phone').checked;
for (const id of ['bank-with-card', 'bank-with-phone']) {
  $(id).addEventListener('change', () => {
    $('bank-cards').hidden = withPhone();
    $('bank-phones').hidden = !withPhone();
  });
}

$('start').addEventListener('click', async () => {
  const result = $('bank-result');
  showStatus(result, 'common.working');
  const r = await api('POST', '/bank/v1/account-openings', { body: {} });
  if (!r.ok) return showProblem(result, r.problem);
  opening = r.data;
  result.replaceChildren();
  $('terms-list').replaceChildren(...opening.document.terms.map((term) => el('li', {}, term)));
  $('terms').hidden = false;
  focusResult($('terms-h'));
});

$('bank-sign').addEventListener('submit', async (event) => {
  event.preventDefault();
  // The card and phone lists load with the page: a form sent before they are there waits for them.
  await pickers;
  const holder = withPhone() ? chosenPhone() : chosenCard();
  const password = $('bank-password').value.toUpperCase();
  $('bank-password').value = '';
  if (!holder || !opening) return;
  const result = $('bank-result');
  showStatus(result, 'common.working');
  const signed = withPhone()
    ? await signOnPhone(holder.id, { key: 'sign', digestInfo: opening.digestInfo, password })
    : await signOnCard(holder.id, 'sign', password, opening.digestInfo);
  if (!signed.ok) return showProblem(result, signed.problem);
  const r = await api('POST', '/bank/v1/accounts', { body: { openingId: opening.openingId, signature: signed.data.signature, certificate: signed.data.certificate } });
  opening = undefined;
  $('terms').hidden = true;
  if (!r.ok) {
    showProblem(result, r.problem);
    focusResult(result.firstElementChild);
    return;
  }
  const a = r.data;
  const heading = label('bank.opened', 'h3', { id: 'opened-h' });
  result.replaceChildren(el('div', { class: 'result', 'data-account-id': a.accountId },
    heading,
    el('dl', {}, label('bank.account', 'dt'), el('dd', {}, el('code', { class: 'account-number' }, `${a.bank.code}-${a.branchCode}-${a.accountNumber}`)),
      label('common.signCert', 'dt'), el('dd', {}, el('code', {}, a.verifiedBy.certificateSerial))),
    label('bank.verified', 'h4'),
    basicFour(a.holder)));
  focusResult(heading);
});

async function start() {
  chosenCard = await cardPicker($('bank-cards'), 'bank-card');
  chosenPhone = await phonePicker($('bank-phones'), 'bank-phone');
}

const pickers = start();
