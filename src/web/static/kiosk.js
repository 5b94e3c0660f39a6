// The kiosk: a card or a phone on one of the terminal's PC/SC readers, the PIN on the pad, and the
// certificate of residence the kiosk signs. The kiosk's API runs on the terminal's loopback.
import { api, basicFour, el, focusResult, initPage, label, pinPad, showProblem, showStatus } from './common.js';
import { applyLabels } from './i18n.js';

initPage('kiosk');

const $ = (id) => document.getElementById(id);
let session;

async function loadReaders() {
  const target = $('readers');
  const r = await api('GET', '/kiosk/v1/readers');
  if (!r.ok) return showProblem(target, r.problem);
  if (r.data.readers.length === 0) return target.replaceChildren(label('kiosk.noReaders', 'p'));
  const fieldset = el('fieldset', {}, el('legend', {}, label('kiosk.readers')));
  r.data.readers.forEach((reader, i) => {
    const id = `reader-${i}`;
    fieldset.append(el('div', { class: 'card-choice' },
      el('input', { type: 'radio', name: 'reader', id, value: reader.name, ...(i === 0 ? { checked: true } : {}) }),
      el('label', { for: id }, reader.name, ' (', label(reader.cardPresent ? 'kiosk.cardPresent' : 'kiosk.empty'), ')')));
  });
  target.replaceChildren(fieldset);
}

async function enterPin(pin) {
  const result = $('kiosk-result');
  showStatus(result, 'common.working');
  const r = await api('POST', `/kiosk/v1/sessions/${session.sessionId}/pin`, { body: { pin } });
  if (!r.ok) {
    showProblem(result, r.problem);
    if (r.problem.code !== 'ERR_KIOSK_PIN_INCORRECT') $('kiosk-pad').replaceChildren();
    return;
  }
  $('kiosk-pad').replaceChildren();
  const residence = r.data.result;
  const doc = residence.document;
  const heading = label('kiosk.residence', 'h3', { id: 'residence-h' });
  result.replaceChildren(el('div', { class: 'result' }, heading,
    el('dl', {}, label('kiosk.issuance', 'dt'), el('dd', {}, el('code', {}, residence.issuanceId))),
    doc.resident ? basicFour(doc.resident) : el('pre', { lang: 'ja' }, JSON.stringify(doc, null, 2))));
  applyLabels(result);
  focusResult(heading);
}

$('start').addEventListener('click', async () => {
  const chosen = document.querySelector('input[name="reader"]:checked');
  if (!chosen) return;
  const result = $('kiosk-result');
  showStatus(result, 'common.working');
  const r = await api('POST', '/kiosk/v1/sessions', { body: { reader: chosen.value } });
  if (!r.ok) return showProblem(result, r.problem);
  session = r.data;
  result.replaceChildren(el('p', {}, `${session.tokenLabel} · `, label('kiosk.triesLeft'), `: ${session.triesLeft}`));
  pinPad($('kiosk-pad'), { id: 'kiosk-pin', onSubmit: (pin) => void enterPin(pin) });
  $('kiosk-pin').focus();
});

$('reload').addEventListener('click', () => void loadReaders());
void loadReaders();
