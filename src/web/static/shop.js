// The shop counter (flow 11, the seed's countermeasure 3): a phone brought in is put on the shop
// terminal's NFC reader; the terminal selects the JPKI applet over the phone's contactless interface and
// says clean, or certificates present (valid / revoked / status unknown); the holder may type the PIN
// so that the terminal reads the user-authentication certificate and asks its status. When keys are
// present, the shop resets the handset with the holder's consent (flow 10: the OS tells the SEI-TSM,
// which has the certificates revoked and the applet deleted) and checks again.
import { api, el, focusResult, initPage, label, phonePicker, showProblem, showStatus } from './common.js';
import { applyLabels, problemText, t } from './i18n.js';
import { resetNotice } from './phone-care.js';

initPage('shop');

const $ = (id) => document.getElementById(id);
let chosen = () => undefined;

const VERDICTS = {
  clean: 'shop.verdict.clean',
  'certificates present (valid)': 'shop.verdict.valid',
  'certificates present (revoked)': 'shop.verdict.revoked',
  'certificates present (status unknown)': 'shop.verdict.unknown',
};

async function loadPhones() {
  chosen = await phonePicker($('shop-phones'), 'shop-phone', { all: true, noneKey: 'shop.noPhones' });
}

function yesNo(v) {
  return label(v ? 'phone.yes' : 'phone.no');
}

/** The terminal's report: the verdict first (a heading focus lands on), then what it read. */
function report(r, phone) {
  const clean = r.verdict === 'clean';
  const heading = el('h3', { id: 'shop-verdict-h' }, label(VERDICTS[r.verdict] ?? 'shop.verdict.unknown'));
  const rows = [label('shop.phone', 'dt'), el('dd', {}, phone.model, ' ', el('small', {}, phone.id.slice(0, 8)))];
  if (r.tokenLabel) rows.push(label('shop.tokenLabel', 'dt'), el('dd', {}, el('code', {}, r.tokenLabel)));
  if (r.keys) rows.push(label('shop.keys', 'dt'), el('dd', {}, label('common.signCert'), ': ', yesNo(r.keys.sign), ' · ', label('common.authCert'), ': ', yesNo(r.keys.auth)));
  if (r.authSerial) rows.push(label('common.authCert', 'dt'), el('dd', {}, el('code', {}, r.authSerial)));
  if (r.reason) rows.push(label('common.reason', 'dt'), el('dd', {}, problemText(r.reason) ?? '', ' ', el('code', {}, r.reason)));
  return el('div', { class: clean ? 'result' : 'problem', id: 'shop-verdict', 'data-verdict': r.verdict }, heading, el('dl', {}, ...rows));
}

async function check(phone, pin) {
  const result = $('shop-result');
  showStatus(result, 'common.working');
  $('shop-counter').replaceChildren();
  const r = await api('POST', `/web/v1/phones/${encodeURIComponent(phone.id)}/shop-check`, { body: pin ? { pin } : {} });
  if (!r.ok) return showProblem(result, r.problem);
  result.replaceChildren(report(r.data, phone));
  applyLabels(result);
  focusResult($('shop-verdict-h'));
  if (r.data.verdict !== 'clean') counter(phone);
}

/** The countermeasure: with the holder's consent, the shop resets the handset and checks again. */
function counter(phone) {
  const area = $('shop-counter');
  const consent = el('input', { type: 'checkbox', id: 'shop-consent' });
  const reset = el('button', { type: 'button', id: 'shop-reset', class: 'danger' }, label('shop.resetButton'));
  const outcome = el('div', { id: 'shop-reset-result', 'aria-live': 'polite' });
  area.replaceChildren(label('shop.counterTitle', 'h3'), label('shop.counterHelp', 'p'),
    el('div', { class: 'toggle' }, consent, el('label', { for: 'shop-consent' }, label('shop.consent'))),
    el('div', { class: 'actions' }, reset), outcome);
  reset.addEventListener('click', async () => {
    if (!consent.checked) {
      showProblem(outcome, { code: 'ERR_WEB_RESET_NOT_CONFIRMED', detail: t('shop.consentNeeded') });
      consent.focus();
      return;
    }
    reset.disabled = true;
    showStatus(outcome, 'common.working');
    const r = await api('POST', `/web/v1/phones/${encodeURIComponent(phone.id)}/factory-reset`, { body: { confirm: true } });
    reset.disabled = false;
    if (!r.ok) return showProblem(outcome, r.problem);
    const noticeParts = resetNotice(r.data);
    await check(phone, undefined);
    // The reset's notice stays shown under the new check.
    $('shop-result').append(el('div', { id: 'shop-reset-done' }, label('shop.resetDone', 'h3'), ...noticeParts));
    applyLabels($('shop-result'));
  });
  applyLabels(area);
}

$('shop-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = $('shop-form');
  if (!form.reportValidity()) return;
  const phone = chosen();
  if (!phone) {
    showStatus($('shop-result'), 'shop.choose');
    return;
  }
  const pin = $('shop-pin').value;
  $('shop-pin').value = '';
  void check(phone, pin || undefined);
});
$('shop-reload').addEventListener('click', () => void loadPhones());

void loadPhones();
