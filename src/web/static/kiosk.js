// The kiosk: the person holds a card or phone of the server's shelves to one of the kiosk's counter
// readers (or uses a PC/SC reader), the kiosk reads it, asks the PIN on its pad, and shows the
// certificate of residence it signed. The kiosk's API (/kiosk/v1) runs on the terminal's loopback; the
// holder's hand is /web/v1/counter-readers.
import { api, basicFour, el, focusResult, initPage, ja, label, pinPad, showProblem, showStatus } from './common.js';
import { applyLabels, onLanguageChange, problemText, t } from './i18n.js';

initPage('kiosk');

const $ = (id) => document.getElementById(id);
let session;
let items = [];

/** The cards of the shelf and the phones whose app holds certificates, as one radio group. */
async function loadHand() {
  const target = $('hand');
  const [cards, phones] = await Promise.all([api('GET', '/web/v1/cards'), api('GET', '/web/v1/phones')]);
  if (!cards.ok) return showProblem(target, cards.problem);
  if (!phones.ok) return showProblem(target, phones.problem);
  const previous = document.querySelector('input[name="item"]:checked')?.value;
  items = [
    ...cards.data.cards.map((c) => ({ kind: 'card', id: c.id, text: ja(c.name) })),
    ...phones.data.phones.filter((p) => p.app && p.app.certificates).map((p) => ({ kind: 'phone', id: p.id, text: p.model })),
  ];
  if (items.length === 0) return target.replaceChildren(label('kiosk.nothing', 'p'));
  const fieldset = el('fieldset', { class: 'cards' }, el('legend', {}, label('kiosk.chooseItem')));
  items.forEach((item, i) => {
    const value = `${item.kind}:${item.id}`;
    const id = `item-${item.kind}-${item.id}`;
    fieldset.append(el('div', { class: 'card-choice' },
      el('input', { type: 'radio', name: 'item', id, value, ...((previous ? previous === value : i === 0) ? { checked: true } : {}) }),
      el('label', { for: id }, label(item.kind === 'card' ? 'kiosk.cardItem' : 'kiosk.phoneItem'), ' · ', item.text, ' ', el('small', {}, item.id.slice(0, 8)))));
  });
  target.replaceChildren(fieldset);
}

function itemText(item) {
  if (!item) return label('kiosk.empty');
  return el('span', {}, label(item.kind === 'card' ? 'kiosk.cardItem' : 'kiosk.phoneItem'), ' · ', item.kind === 'card' ? ja(item.name) : item.model);
}

/** The counter readers and what lies on each; `prefer` is selected, else the first empty one. */
async function loadCounter(prefer) {
  const select = $('counter-reader');
  const r = await api('GET', '/web/v1/counter-readers');
  if (!r.ok) return showProblem($('hand-result'), r.problem);
  const keep = prefer ?? select.value;
  const chosen = r.data.readers.some((c) => c.name === keep) ? keep : (r.data.readers.find((c) => !c.item) ?? r.data.readers[0])?.name;
  // An option holds text only: its words are rebuilt on a language change.
  const words = (item) => (item ? `${t(item.kind === 'card' ? 'kiosk.cardItem' : 'kiosk.phoneItem')} · ${item.kind === 'card' ? item.name : item.model}` : t('kiosk.empty'));
  select.replaceChildren(...r.data.readers.map((c) => el('option', { value: c.name, ...(c.name === chosen ? { selected: true } : {}) }, `${c.name} (${words(c.item)})`)));
}

async function loadReaders(prefer) {
  const target = $('readers');
  const note = $('pcsc-note');
  const r = await api('GET', '/kiosk/v1/readers');
  if (!r.ok) return showProblem(target, r.problem);
  note.replaceChildren(r.data.pcsc.available ? '' : el('p', { class: 'note' },
    `${problemText(r.data.pcsc.code) ?? r.data.pcsc.message} `, label('kiosk.pcscNote'), ' ', el('code', {}, r.data.pcsc.code)));
  if (r.data.readers.length === 0) return target.replaceChildren(label('kiosk.noReaders', 'p'));
  const previous = prefer ?? document.querySelector('input[name="reader"]:checked')?.value;
  const chosen = r.data.readers.some((x) => x.name === previous) ? previous : (r.data.readers.find((x) => x.cardPresent) ?? r.data.readers[0]).name;
  const fieldset = el('fieldset', {}, el('legend', {}, label('kiosk.readers')));
  r.data.readers.forEach((reader, i) => {
    const id = `reader-${i}`;
    fieldset.append(el('div', { class: 'card-choice' },
      el('input', { type: 'radio', name: 'reader', id, value: reader.name, ...(reader.name === chosen ? { checked: true } : {}) }),
      el('label', { for: id }, reader.name, ' (', label(`kiosk.kind.${reader.kind === 'pcsc' ? 'pcsc' : 'counter'}`), ' · ', label(reader.cardPresent ? 'kiosk.cardPresent' : 'kiosk.empty'), ')')));
  });
  target.replaceChildren(fieldset);
}

/** Holds the chosen card or phone to the chosen counter reader, or takes away what lies there. */
async function hand(action) {
  const result = $('hand-result');
  const reader = $('counter-reader').value;
  const chosen = document.querySelector('input[name="item"]:checked')?.value;
  if (!reader || (action === 'hold' && !chosen)) return;
  showStatus(result, 'common.working');
  const [kind, id] = (chosen ?? ':').split(':');
  const path = `/web/v1/counter-readers/${encodeURIComponent(reader)}/item`;
  const r = action === 'hold' ? await api('PUT', path, { body: { [kind]: id } }) : await api('DELETE', path);
  if (!r.ok) return showProblem(result, r.problem);
  result.replaceChildren(el('p', { class: 'result' }, label(action === 'hold' ? 'kiosk.held' : 'kiosk.taken'), `: ${reader} (`, itemText(r.data.item), ')'));
  await Promise.all([loadCounter(reader), loadReaders(action === 'hold' ? reader : undefined)]);
}

function endPad() {
  $('kiosk-pad').replaceChildren();
}

/** The transaction is over (done or refused): no PIN to ask, the card is back in the person's hand. */
function endTransaction() {
  session = undefined;
  endPad();
  $('kiosk-status').replaceChildren();
}

async function enterPin(pin) {
  const result = $('kiosk-result');
  showStatus(result, 'common.working');
  const r = await api('POST', `/kiosk/v1/sessions/${session.sessionId}/pin`, { body: { pin } });
  if (!r.ok) {
    showProblem(result, r.problem);
    if (r.problem.code === 'ERR_KIOSK_PIN_INCORRECT' || r.problem.code === 'ERR_KIOSK_PIN_FORMAT') {
      if (r.problem.triesLeft !== undefined) $('tries-left').textContent = String(r.problem.triesLeft);
      $('kiosk-pin').focus();
    } else {
      endTransaction();
      focusResult(result.querySelector('.problem'));
    }
    return;
  }
  endTransaction();
  const residence = r.data.result;
  const doc = residence.document;
  const heading = label('kiosk.residence', 'h3', { id: 'residence-h' });
  result.replaceChildren(el('div', { class: 'result', 'data-issuance': residence.issuanceId }, heading,
    el('dl', {},
      label('kiosk.issuance', 'dt'), el('dd', {}, el('code', { class: 'issuance-id' }, residence.issuanceId)),
      label('kiosk.issuedAt', 'dt'), el('dd', {}, doc.issuedAt),
      label('kiosk.reading', 'dt'), el('dd', {}, label(doc.verification.holder === 'phone' ? 'kiosk.phoneItem' : 'kiosk.cardItem')),
      label('common.serial', 'dt'), el('dd', {}, el('code', { class: 'certificate-serial' }, doc.verification.certificateSerial))),
    basicFour(doc.resident),
    el('details', {}, el('summary', {}, label('kiosk.signed')), el('pre', {}, el('code', { class: 'jws' }, residence.jws)))));
  applyLabels(result);
  focusResult(heading);
  await Promise.all([loadCounter(), loadReaders()]);
}

$('start').addEventListener('click', async () => {
  const chosen = document.querySelector('input[name="reader"]:checked');
  if (!chosen) return;
  const status = $('kiosk-status');
  const result = $('kiosk-result');
  // A transaction left waiting for its PIN is ended first: it holds the card on its reader.
  if (session) await api('DELETE', `/kiosk/v1/sessions/${session.sessionId}`);
  session = undefined;
  endPad();
  result.replaceChildren();
  showStatus(status, 'common.working');
  const r = await api('POST', '/kiosk/v1/sessions', { body: { reader: chosen.value } });
  if (!r.ok) {
    showProblem(status, r.problem);
    return focusResult(status.querySelector('.problem'));
  }
  session = r.data;
  status.replaceChildren(el('p', { class: 'session' },
    label(session.holder === 'phone' ? 'kiosk.phoneItem' : 'kiosk.cardItem'), ` (${session.tokenLabel}) · ${session.reader} · `,
    label('kiosk.triesLeft'), ': ', el('span', { id: 'tries-left' }, String(session.triesLeft))),
  label('kiosk.enterPin', 'p'));
  pinPad($('kiosk-pad'), { id: 'kiosk-pin', onSubmit: (pin) => void enterPin(pin) });
  $('kiosk-pin').focus();
});

$('hold').addEventListener('click', () => void hand('hold'));
$('take').addEventListener('click', () => void hand('take'));
$('reload').addEventListener('click', () => void Promise.all([loadHand(), loadCounter(), loadReaders()]));
onLanguageChange(() => void Promise.all([loadCounter(), loadReaders()]));
void Promise.all([loadHand(), loadCounter(), loadReaders()]);
